// response_mode=form_post: submit the hidden form back to the application. Without JavaScript the
// visible Continue button does the same.
(function () {
  "use strict";
  function submit() {
    var form = document.getElementById("form-post");
    if (form && form.getAttribute("data-auto-submit") === "true") form.submit();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", submit);
  else submit();
})();

// Page behaviour shared by every page. Loaded from our own origin: the CSP forbids inline script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Copy buttons: <button data-copy="text">.
    document.body.addEventListener("click", function (event) {
      var target = event.target;
      var button = target && target.closest ? target.closest("[data-copy]") : null;
      if (!button) return;
      var text = button.getAttribute("data-copy") || "";
      navigator.clipboard.writeText(text).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
    // Confirmations for destructive plain forms: <form data-confirm="message">.
    document.body.addEventListener("submit", function (event) {
      var form = event.target;
      var message = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
      if (message && !window.confirm(message)) event.preventDefault();
    });
  });
})();

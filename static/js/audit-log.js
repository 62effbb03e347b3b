// Activity pages: show every <time data-local-time> in the reader's own time zone and locale.
// The server renders UTC text (readable without JavaScript); htmx swaps re-run this on new rows.
(function () {
  "use strict";
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) {
    return;
  }
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {}

  function localise(root) {
    var nodes = (root || document).querySelectorAll("time[data-local-time]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (el.getAttribute("data-localised") === "1") continue;
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) continue;
      el.textContent = format.format(d);
      if (zone) el.setAttribute("title", el.getAttribute("title") + " · shown in " + zone);
      el.setAttribute("data-localised", "1");
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { localise(document); });
  else localise(document);
  document.addEventListener("htmx:afterSettle", function () { localise(document); });
})();

// Page behaviour shared by every page. Loaded from our own origin: the CSP forbids inline script.
(function () {
  "use strict";
  var root = document.documentElement;
  var lang = root.getAttribute("lang") || "en";

  // Dates (templates/components/date-time.tsx) in the browser's own time zone: remember the zone in a
  // cookie so the server renders it from the next page on, and re-render this page's dates now.
  function localiseTimes() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone || zone === root.getAttribute("data-tz")) return;
    var cookie = root.getAttribute("data-tz-cookie");
    if (cookie) {
      var secure = cookie.indexOf("__Host-") === 0 ? "; Secure" : "";
      document.cookie = cookie + "=" + encodeURIComponent(zone) + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
    }
    var medium = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
    var exact = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "long", timeZone: zone });
    var times = document.querySelectorAll("time[data-format]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      el.setAttribute("title", exact.format(when));
      if (el.getAttribute("data-format") === "medium") el.textContent = medium.format(when);
    }
    root.setAttribute("data-tz", zone);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes();
    document.body.addEventListener("htmx:afterSettle", localiseTimes);
    // Copy buttons: <button data-copy="text">.
    document.body.addEventListener("click", function (event) {
      var target = event.target;
      var button = target && target.closest ? target.closest("[data-copy]") : null;
      if (!button) return;
      var text = button.getAttribute("data-copy") || "";
      navigator.clipboard.writeText(text).then(function () {
        var label = button.textContent;
        button.textContent = root.getAttribute("data-copied") || label;
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
    // Confirmations for destructive plain forms: <form data-confirm="message">.
    document.body.addEventListener("submit", function (event) {
      var form = event.target;
      var message = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
      if (message && !window.confirm(message)) event.preventDefault();
    });
    // The language picker applies a choice at once; its button stays for browsers without script.
    var pickers = document.querySelectorAll("form[data-language-picker]");
    for (var i = 0; i < pickers.length; i++) {
      (function (form) {
        var select = form.querySelector("select");
        var apply = form.querySelector("[data-language-apply]");
        if (apply) apply.hidden = true;
        if (select) select.addEventListener("change", function () { form.submit(); });
      })(pickers[i]);
    }
  });
})();

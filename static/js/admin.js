// Administration pages: repeatable form rows (callback URLs, custom claims) and focus management.
// Loaded from our own origin (the CSP forbids inline script); no framework.
(function () {
  "use strict";

  function rowsOf(el) {
    return el && el.closest ? el.closest("[data-rows]") : null;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) return;
    var add = target.closest("[data-add-row]");
    if (add) {
      var container = rowsOf(add);
      var tpl = container && container.querySelector("template[data-row-template]");
      if (!tpl) return;
      var row = tpl.content.firstElementChild.cloneNode(true);
      container.insertBefore(row, tpl);
      var input = row.querySelector("input");
      if (input) input.focus();
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove) {
      var r = remove.closest("[data-row]");
      var c = rowsOf(remove);
      if (!r || !c) return;
      var rows = c.querySelectorAll("[data-row]");
      // Keep one (empty) row so the field never disappears.
      if (rows.length <= 1) {
        r.querySelectorAll("input").forEach(function (i) { i.value = ""; });
        var first = r.querySelector("input");
        if (first) first.focus();
      } else {
        var next = r.nextElementSibling && r.nextElementSibling.matches("[data-row]") ? r.nextElementSibling : r.previousElementSibling;
        r.remove();
        var focusable = next && next.querySelector ? next.querySelector("input") : null;
        if (focusable) focusable.focus();
      }
    }
  });

  // After htmx swaps in a form with errors (or a one-time secret), move focus to it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelector) return;
    var el = root.querySelector("[data-autofocus]") || root.querySelector("[aria-invalid='true']");
    if (el && typeof el.focus === "function") el.focus();
  });
})();

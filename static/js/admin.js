// Administration pages: repeatable form rows (callback URLs, custom claims), focus management, the
// unsaved-changes guard of one-Save forms, and advanced sections that open when they hold an error.
// Loaded from our own origin (the CSP forbids inline script); no framework.
(function () {
  "use strict";

  var clones = 0;

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
      // A template row's ids end in __n__ (its labels and hints point at them): number each clone.
      clones += 1;
      row.querySelectorAll("[id], [for], [aria-describedby]").forEach(function (el) {
        ["id", "for", "aria-describedby"].forEach(function (name) {
          var v = el.getAttribute(name);
          if (v && v.indexOf("__n__") >= 0) el.setAttribute(name, v.split("__n__").join(String(clones)));
        });
      });
      container.insertBefore(row, tpl);
      var input = row.querySelector("input");
      if (input) input.focus();
      refresh(add.closest("form"));
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
      refresh(c.closest("form"));
    }
  });

  // --- Unsaved changes -------------------------------------------------------------------------------
  // A <form data-unsaved-guard> remembers what it held when it was rendered (from what is stored). Any
  // difference marks it dirty: its [data-save-status] says so, and leaving the page asks first (a
  // beforeunload prompt for links, reloads and closing; a confirm() for htmx requests that replace the
  // page). data-dirty-initially: the form was re-rendered with refused input, so nothing is saved yet.
  // Requests from [data-leaves-page] (delete, with its own confirmation) discard the changes knowingly.
  var baselines = new WeakMap();
  var leaving = false;

  function snapshot(form) {
    var data = new FormData(form);
    data.delete("_csrf");
    var parts = [];
    data.forEach(function (value, key) {
      if (typeof value === "string") parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
    });
    return parts.join("&");
  }

  function guardedForms() {
    return Array.prototype.slice.call(document.querySelectorAll("form[data-unsaved-guard]"));
  }

  function remember() {
    guardedForms().forEach(function (form) {
      if (baselines.has(form)) return;
      baselines.set(form, form.hasAttribute("data-dirty-initially") ? null : snapshot(form));
      refresh(form);
    });
  }

  function isDirty(form) {
    if (!baselines.has(form)) return false;
    var base = baselines.get(form);
    return base === null || base !== snapshot(form);
  }

  function refresh(form) {
    if (!form || !form.hasAttribute || !form.hasAttribute("data-unsaved-guard")) return;
    var dirty = isDirty(form);
    form.toggleAttribute("data-dirty", dirty);
    var status = form.querySelector("[data-save-status]");
    if (status) status.textContent = (dirty ? status.getAttribute("data-dirty-text") : status.getAttribute("data-clean-text")) || "";
  }

  function dirtyForm() {
    return guardedForms().filter(isDirty)[0] || null;
  }

  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target && event.target.closest ? event.target.closest("form[data-unsaved-guard]") : null;
      if (form) refresh(form);
    });
  });

  // "2 of 5 users": <span data-count-of="name"> counts the ticked checkboxes of that name in its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.form) return;
    box.form.querySelectorAll("[data-count-of]").forEach(function (el) {
      if (el.getAttribute("data-count-of") !== box.name) return;
      el.textContent = String(box.form.querySelectorAll("input[type=checkbox][name='" + box.name + "']:checked").length);
    });
  });

  // A plain (non-htmx) submit of the guarded form is the save itself, not leaving. (htmx handles its
  // own submits first and prevents the default: the page stays.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!event.defaultPrevented && form && form.hasAttribute && form.hasAttribute("data-unsaved-guard")) leaving = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (leaving || !dirtyForm()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    var form = dirtyForm();
    if (!elt || !form || form.contains(elt)) return;
    if (elt.closest("[data-leaves-page]")) return;
    var navigates = elt.hasAttribute("hx-push-url") || elt.hasAttribute("hx-boost");
    if (!navigates) return;
    event.preventDefault();
    if (window.confirm(form.getAttribute("data-unsaved-message") || "")) {
      baselines.set(form, snapshot(form));
      event.detail.issueRequest(true);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.closest && elt.closest("[data-leaves-page]")) leaving = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    // A refused delete (or one that failed) leaves the page where it was: guard it again.
    if (elt && elt.closest && elt.closest("[data-leaves-page]") && !(event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Redirect"))) leaving = false;
  });

  // --- Advanced settings -----------------------------------------------------------------------------
  // <details data-open-if-set> opens when a field inside holds an error (the server opens it too; this
  // covers errors swapped in later).
  function openInvalidDetails(root) {
    root.querySelectorAll("details[data-open-if-set]").forEach(function (d) {
      if (d.querySelector("[aria-invalid='true'], .error-text")) d.open = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    remember();
    openInvalidDetails(document);
  });

  // After htmx swaps in a form with errors (or a one-time secret), move focus to it.
  document.addEventListener("htmx:afterSettle", function (event) {
    remember();
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelector) return;
    openInvalidDetails(root.ownerDocument || document);
    var el = root.querySelector("[data-autofocus]") || root.querySelector("[aria-invalid='true']");
    if (el && typeof el.focus === "function") el.focus();
  });
})();

// Administration → Configuration: the accent colour picker with its live preview, and, after a save or an
// image upload, the page's own branding (the header's name and logo, the accent stylesheet, the favicon)
// updated in place instead of after a reload. Styles are set through the CSSOM: the CSP forbids style="".
(function () {
  "use strict";

  var HEX = /^#[0-9a-fA-F]{6}$/;

  // --- Accent colour: picker ⇄ text field, preview -------------------------------------------------
  function setupAccent(root) {
    var field = root.querySelector ? root.querySelector("[data-accent-field]") : null;
    if (!field || field.dataset.ready) return;
    field.dataset.ready = "1";
    var text = field.querySelector("[data-accent-text]");
    var picker = field.querySelector("[data-accent-picker]");
    var reset = field.querySelector("[data-accent-default]");
    var preview = field.querySelector("[data-accent-preview]");
    if (!text || !picker || !preview) return;
    picker.hidden = false;
    preview.hidden = false;
    if (reset) reset.hidden = false;

    function show() {
      var v = text.value.trim();
      if (HEX.test(v)) {
        preview.style.setProperty("--preview-accent", v.toLowerCase());
        preview.dataset.accent = "custom";
        if (picker.value.toLowerCase() !== v.toLowerCase()) picker.value = v.toLowerCase();
      } else {
        preview.style.removeProperty("--preview-accent");
        // "default" (any case) previews the built-in accent; anything else previews nothing new.
        preview.dataset.accent = v.toLowerCase() === "default" ? "default" : "invalid";
      }
      if (reset) reset.disabled = v.toLowerCase() === "default";
    }
    picker.addEventListener("input", function () {
      text.value = picker.value.toLowerCase();
      show();
    });
    text.addEventListener("input", show);
    if (reset)
      reset.addEventListener("click", function () {
        text.value = "default";
        show();
        text.focus();
      });
    show();
  }

  // --- After a save: the new name and accent on this page ------------------------------------------
  function reloadStylesheet(version) {
    var old = document.querySelector('link[rel="stylesheet"][href^="/branding.css"]');
    if (!old || old.getAttribute("href") === "/branding.css?v=" + version) return;
    var next = document.createElement("link");
    next.rel = "stylesheet";
    next.href = "/branding.css?v=" + encodeURIComponent(version);
    // Swap once loaded, so the page never shows a moment without the accent.
    next.addEventListener("load", function () {
      old.remove();
    });
    old.after(next);
  }

  function applySaved(form) {
    var name = form.getAttribute("data-saved-app-name");
    var version = form.getAttribute("data-branding-version");
    if (name) {
      document.querySelectorAll("[data-brand-name]").forEach(function (el) {
        el.textContent = name;
      });
      var dot = document.title.lastIndexOf(" · ");
      if (dot >= 0) document.title = document.title.slice(0, dot + 3) + name;
    }
    if (version) reloadStylesheet(version);
  }

  // --- After an image upload: the header logo and favicon ------------------------------------------
  function withVersion(url, version) {
    var u = new URL(url, location.href);
    u.searchParams.set("v", version);
    return u.pathname + u.search;
  }

  function applyImages(section) {
    var logo = section.getAttribute("data-logo-version");
    var dark = section.getAttribute("data-logo-dark-version");
    var favicon = section.getAttribute("data-favicon-version");
    document.querySelectorAll(".brand img[src^='/branding/logo']").forEach(function (img) {
      if (logo) img.src = withVersion(img.getAttribute("src"), logo);
    });
    document.querySelectorAll(".brand source[srcset^='/branding/logo']").forEach(function (src) {
      if (dark) src.srcset = withVersion(src.getAttribute("srcset"), dark);
    });
    var icon = document.querySelector("link[rel='icon'][href^='/branding/favicon']");
    if (icon && favicon) icon.href = withVersion(icon.getAttribute("href"), favicon);
  }

  function onSwap(root) {
    if (!root || !root.querySelector) return;
    setupAccent(root);
    var form = root.id === "app-config" ? root : root.querySelector("#app-config");
    if (form && form.hasAttribute("data-saved-app-name")) applySaved(form);
    var section = root.id === "branding" ? root : null;
    if (section) applyImages(section);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    onSwap(event.detail && event.detail.elt);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      setupAccent(document);
    });
  } else {
    setupAccent(document);
  }
})();

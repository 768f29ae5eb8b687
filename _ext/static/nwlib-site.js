// Loaded on every page (deferred). Keyboard access to what scrolls: a code block, output or
// display equation wider than the column scrolls sideways, and a keyboard user can only scroll
// what can take the focus; such boxes become focusable (tabindex 0) with a name.
(function () {
  "use strict";
  var SELECTOR = "div.highlight pre, .cell_output .output, .cell_output pre, div.math, " +
                 "mjx-container, .table-wrapper";

  function scrollables() {
    // measure every box first, then change the wide ones: one layout, not one per change
    // (the theme marks boxes that did not scroll when it looked with tabindex -1: look again)
    var wide = Array.from(document.querySelectorAll(SELECTOR)).filter(function (el) {
      return el.tabIndex < 0 && el.scrollWidth > el.clientWidth + 1;
    });
    wide.forEach(function (el) {
      el.setAttribute("tabindex", "0");
      if (!el.hasAttribute("aria-label") && !el.hasAttribute("role")) {
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", el.matches("div.math, mjx-container") ? "equation (scrolls sideways)"
                                                                        : "wide content (scrolls sideways)");
      }
    });
  }

  var timer = null;
  function later() {
    // at the next frame (what just opened is laid out), and again once an animation has run
    window.requestAnimationFrame(scrollables);
    window.clearTimeout(timer);
    timer = window.setTimeout(scrollables, 400);
  }
  // sphinx-copybutton's buttons carry only a tooltip; name them for screen readers
  function copyButtons() {
    document.querySelectorAll("button.copybtn:not([aria-label])").forEach(function (b) {
      b.setAttribute("aria-label", "Copy the code");
    });
  }

  // once the page has loaded and the browser is idle: not in the way of the first paint
  var idle = window.requestIdleCallback || function (run) { return window.setTimeout(run, 1); };
  window.addEventListener("load", function () {
    copyButtons();
    idle(scrollables, {timeout: 1000});
  });
  window.addEventListener("resize", later);
  // capture phase: a solution's title bar stops its click from bubbling (nwlib-solutions.js), and
  // opening a solution shows boxes that may scroll
  document.addEventListener("click", later, true);
  // a hidden cell's <details> opening shows its code, which may scroll (toggle does not bubble)
  document.addEventListener("toggle", later, true);
})();

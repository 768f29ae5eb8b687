// Loaded on every page (deferred). Keyboard access to what scrolls: a code block, output, table or
// formula whose visible content is wider than its box scrolls sideways, and a keyboard user can
// only scroll what can take the focus; such boxes (and only those) become focusable regions with a
// name, and show that they scroll (class nwlib-scrolls: edge shadows, nwlib-site.css).
(function () {
  "use strict";
  var SELECTOR = "div.highlight pre, .cell_output .output, .cell_output pre, div.math, " +
                 "mjx-container, .table-wrapper";
  var MARK = "data-nwlib-scrolls";
  // a scroll container whose visible content fits (a pixel of rounding, or only the hidden MathML
  // wider) is clipped instead, so that nothing scrolls with nothing to show
  var FITS = "nwlib-fits";

  // A formula's box holds MathJax's hidden assistive MathML beside the drawn formula; that MathML
  // can be wider than what shows, so scrollWidth says "wide" for formulas that show whole. What
  // counts is the width with that MathML out of the layout (measured for all boxes at once).
  function visibleWidths(boxes) {
    var root = document.documentElement;
    root.classList.add("nwlib-measuring");
    var widths = boxes.map(function (el) { return el.scrollWidth; });
    root.classList.remove("nwlib-measuring");
    return widths;
  }

  function scrollables() {
    // measure every box first, then change them: one layout, not one per change
    var boxes = Array.from(document.querySelectorAll(SELECTOR)).filter(function (el) {
      return el.hasAttribute(MARK) || el.tabIndex < 0;
    });
    var visible = visibleWidths(boxes);
    var scrolls = boxes.map(function (el) {
      return el.classList.contains(FITS) || /auto|scroll/.test(getComputedStyle(el).overflowX);
    });
    // a box wider than its content only scrolls when it is a scroll container (a formula inline
    // in a line of text at desktop width is not: its glyphs' overhang just shows)
    var wide = boxes.map(function (el, i) {
      return scrolls[i] && el.scrollWidth > el.clientWidth + 1 && visible[i] > el.clientWidth + 1;
    });
    var counts = {};
    boxes.forEach(function (el, i) {
      el.classList.toggle(FITS, scrolls[i] && !wide[i]);
      if (wide[i] && !el.hasAttribute(MARK)) {
        var kind = el.matches("div.math, mjx-container") ? "equation" : "wide content";
        counts[kind] = (counts[kind] || 0) + 1;
        el.setAttribute(MARK, kind);
        el.setAttribute("tabindex", "0");
        el.classList.add("nwlib-scrolls");
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("role")) {
          // an equation that scrolls is a landmark a reader can jump to; a wide code block or
          // output is only a named group (dozens of code landmarks would bury the page's own)
          el.setAttribute("role", kind === "equation" ? "region" : "group");
          el.setAttribute("aria-label", kind);
        }
      } else if (!wide[i] && el.hasAttribute(MARK)) {
        // it fits now (a wider window): no tab stop, no region
        el.removeAttribute(MARK);
        el.removeAttribute("tabindex");
        el.classList.remove("nwlib-scrolls");
        if (["region", "group"].indexOf(el.getAttribute("role")) >= 0) {
          el.removeAttribute("role");
          el.removeAttribute("aria-label");
        }
      }
    });
    // landmarks are told apart by their names: "equation 2 of 3 (scrolls sideways)"
    ["equation", "wide content"].forEach(function (kind) {
      var named = Array.from(document.querySelectorAll("[" + MARK + '="' + kind + '"][aria-label]'));
      named.forEach(function (el, i) {
        var label = named.length > 1 ? kind + " " + (i + 1) + " of " + named.length + " (scrolls sideways)"
                                     : kind + " (scrolls sideways)";
        if (el.getAttribute("aria-label") !== label) {
          el.setAttribute("aria-label", label);
        }
      });
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
  // the math fonts change the formulas' widths when they arrive (the first measure may come first)
  if (document.fonts && document.fonts.addEventListener) {
    document.fonts.addEventListener("loadingdone", later);
  }
  // capture phase: a solution's title bar stops its click from bubbling (nwlib-solutions.js), and
  // opening a solution shows boxes that may scroll
  document.addEventListener("click", later, true);
  // a hidden cell's <details> opening shows its code, which may scroll (toggle does not bubble)
  document.addEventListener("toggle", later, true);
})();

// Loaded on every page (deferred). Keyboard access to what scrolls: a code block, output, table or
// formula whose visible content is wider than its box scrolls sideways, and a keyboard user can
// only scroll what can take the focus; such boxes (and only those) become focusable regions with a
// name, and show that they scroll (class nwlib-scrolls: edge shadows, nwlib-site.css).
(function () {
  "use strict";
  var SELECTOR = "div.highlight pre, .cell_output .output, .cell_output pre, div.math, " +
                 "mjx-container, .table-wrapper";
  var MARK = "data-nwlib-scrolls";
  // a scroll container whose content fits (but for a pixel of rounding) is clipped instead, so
  // that nothing scrolls with nothing to show
  var FITS = "nwlib-fits";

  // What shows is what counts: a formula's box also holds MathJax's hidden assistive MathML, laid
  // out at its own width, but nwlib-site.css caps that MathML at the box's width (the box is its
  // containing block), so it never widens the box's scrollWidth: scrollWidth is the drawn content.
  //
  // Cost: this runs after load, on a phone's slow CPU, over a few hundred boxes. It reads every
  // box first and only then writes (one layout at most, none when the page is laid out already),
  // skips boxes not drawn (a closed solution), and writes only what changes.
  function scrollables() {
    var plan = [];
    Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), function (el) {
      var marked = el.hasAttribute(MARK);
      if (!marked && el.tabIndex >= 0) {
        return;  // focusable already, by its own markup
      }
      var width = el.clientWidth;
      if (!width && !marked) {
        return;  // not drawn (display: none): measured when it shows (a click, a toggle)
      }
      var fits = el.classList.contains(FITS);
      // a box wider than its content only scrolls when it is a scroll container (a formula inline
      // in a line of text at desktop width is not: its glyphs' overhang just shows)
      var scrolls = fits || /auto|scroll/.test(getComputedStyle(el).overflowX);
      if (!scrolls && !marked) {
        return;
      }
      var wide = scrolls && el.scrollWidth > width + 1;
      if ((scrolls && !wide) !== fits || wide !== marked) {
        plan.push([el, scrolls && !wide, wide]);
      }
    });
    // then the writes
    var named = false;
    plan.forEach(function (step) {
      var el = step[0], wide = step[2];
      el.classList.toggle(FITS, step[1]);
      if (wide && !el.hasAttribute(MARK)) {
        var kind = el.matches("div.math, mjx-container") ? "equation" : "wide content";
        el.setAttribute(MARK, kind);
        el.setAttribute("tabindex", "0");
        el.classList.add("nwlib-scrolls");
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("role")) {
          // an equation that scrolls is a landmark a reader can jump to; a wide code block or
          // output is only a named group (dozens of code landmarks would bury the page's own)
          el.setAttribute("role", kind === "equation" ? "region" : "group");
          el.setAttribute("aria-label", kind);
        }
        named = true;
      } else if (!wide && el.hasAttribute(MARK)) {
        // it fits now (a wider window): no tab stop, no region
        el.removeAttribute(MARK);
        el.removeAttribute("tabindex");
        el.classList.remove("nwlib-scrolls");
        if (["region", "group"].indexOf(el.getAttribute("role")) >= 0) {
          el.removeAttribute("role");
          el.removeAttribute("aria-label");
        }
        named = true;
      }
    });
    if (named) {
      numberLandmarks();
    }
  }

  // landmarks are told apart by their names: "equation 2 of 3 (scrolls sideways)"
  function numberLandmarks() {
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

// Loaded on pages with collapsible solutions (sphinx-exercise + sphinx-togglebutton).
// The whole title bar of a solution opens and closes it, as its chevron does. The centre of the
// bar is the "Exercise N" link: tapping it jumped to the exercise instead, and togglebutton's
// handler then threw "ReferenceError: button is not defined". Clicks anywhere on the bar are
// taken here, before togglebutton's own handler (capture phase on the document), and the bar's
// button is clicked instead: one toggle, one place where the state changes.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var title = event.target.closest && event.target.closest(".dropdown > .admonition-title");
    if (!title) {
      return;
    }
    var button = title.querySelector("button.toggle-button");
    if (!button || event.target.closest("button.toggle-button")) {
      if (button) {
        // the button's own click: let togglebutton handle it once, without the title handler
        event.stopPropagation();
        event.preventDefault();
        toggleHidden(button);
      }
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    toggleHidden(button);
  }, true);

  // The link in the bar is no separate tab stop (Tab reaches the bar's button, which now names
  // the solution it opens rather than "Toggle hidden content").
  function name() {
    document.querySelectorAll(".dropdown > .admonition-title").forEach(function (title) {
      title.querySelectorAll("a").forEach(function (a) { a.setAttribute("tabindex", "-1"); });
      var button = title.querySelector("button.toggle-button");
      var label = title.textContent.replace(/\s+/g, " ").trim();
      if (button && label) {
        button.setAttribute("aria-label", label);
      }
    });
  }
  // A heading inside a closed solution ("On this page", a shared link): open the solution first,
  // so that the browser has something to scroll to.
  function open(id) {
    var target = id && document.getElementById(id);
    var solution = target && target.closest(".dropdown.toggle-hidden");
    var button = solution && solution.querySelector(".admonition-title button.toggle-button");
    if (!button || solution === target) {
      return false;
    }
    toggleHidden(button);
    return true;
  }
  function hashId(hash) {
    try {
      return decodeURIComponent(hash.slice(1));
    } catch (e) {
      return hash.slice(1);
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href*='#']");
    if (link && link.pathname === location.pathname && link.hash) {
      open(hashId(link.hash));  // before the browser follows the link
    }
  });
  window.addEventListener("hashchange", function () {
    var id = hashId(location.hash);
    if (open(id)) {
      document.getElementById(id).scrollIntoView();
    }
  });
  function start() {
    name();
    var id = hashId(location.hash);
    if (open(id)) {
      document.getElementById(id).scrollIntoView();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { window.setTimeout(start, 0); });
  } else {
    window.setTimeout(start, 0);
  }
})();

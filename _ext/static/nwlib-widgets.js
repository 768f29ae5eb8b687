// Loaded (deferred, before the widget manager) on pages that embed widgets.
// 1. Frames load when shown: the ipywidgets manager creates one <img> per precomputed frame and
//    sets its src at once; created lazy, only the frame on screen is fetched (nwlib_frames.py moved
//    the frames out of the page into files).
// 2. Names and states for assistive technology, which ipywidgets 8 does not give:
//    a frame's alt text is its Image's tooltip (shown as the img's title); a slider announces its
//    label and readout ("width σ = 0.5", not the option index), and its readout is read-only (so
//    what it shows is the slider's real state); toggle buttons say which one is pressed; the Play
//    widget's icon-only buttons get names.
// 3. A skip link to the first explorer.
// 4. The widget manager loads when it is needed, not with the page (see loadManager).
// 5. The explorer's default frame, a plain image until the widget manager has run, gives way to it
//    (on screen; on paper it stays, nwlib-print.css).
(function () {
  "use strict";
  var create = document.createElement.bind(document);
  document.createElement = function (tag, options) {
    var el = create(tag, options);
    if (String(tag).toLowerCase() === "img") {
      el.loading = "lazy";
    }
    return el;
  };

  var PLAY_NAMES = {"fa-play": "Play", "fa-pause": "Pause", "fa-stop": "Stop", "fa-retweet": "Repeat"};

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function frame(img) {
    var title = img.getAttribute("title");
    if (title && title !== "null" && img.getAttribute("alt") !== title) {
      img.setAttribute("alt", title);
    }
  }

  function slider(box) {
    var handle = box.querySelector(".noUi-handle");
    if (!handle) {
      return;
    }
    var label = text(box.querySelector(".widget-label"));
    var readout = text(box.querySelector(".widget-readout"));
    var value = label ? label + " = " + readout : readout;
    if (readout && handle.getAttribute("aria-valuetext") !== value) {
      handle.setAttribute("aria-valuetext", value);
    }
    if (label && handle.getAttribute("aria-label") !== label) {
      handle.setAttribute("aria-label", label);
    }
    readOnly(box.querySelector(".widget-readout"));
  }

  // The readout beside a slider is read-only. ipywidgets makes it editable, but on a static page
  // only the Int and Float sliders read what is typed; in a SelectionSlider (the explorers' σ) a
  // typed value stayed in the box, Enter added a line, and the slider announced the typed value
  // while it and the figure stayed where they were. The handle is the control (arrow keys, Page
  // Up/Down, Home/End), and the readout always shows its real state. (ipywidgets sets the box
  // editable again at each change of its model: the observer below watches for that.)
  function readOnly(out) {
    if (!out) {
      return;
    }
    if (out.getAttribute("contenteditable") !== "false") {
      out.setAttribute("contenteditable", "false");
    }
    if (out.getAttribute("role") === "textbox") {
      out.removeAttribute("role");
      out.removeAttribute("aria-label");
    }
  }
  // and in the moment before the observer runs, no key or input edits it
  ["keydown", "beforeinput", "paste", "drop"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target && event.target.closest && event.target.closest(".widget-readout") &&
          !(type === "keydown" && event.key === "Tab")) {
        event.preventDefault();
      }
    }, true);
  });

  function pressed(button) {
    var state = button.classList.contains("mod-active") ? "true" : "false";
    if (button.getAttribute("aria-pressed") !== state) {
      button.setAttribute("aria-pressed", state);
    }
  }

  function play(box) {
    box.querySelectorAll("button").forEach(function (button) {
      var icon = button.querySelector("i, svg");
      var cls = icon ? (icon.getAttribute("class") || "") + " " + (icon.getAttribute("data-icon") ? "fa-" + icon.getAttribute("data-icon") : "") : "";
      Object.keys(PLAY_NAMES).forEach(function (key) {
        if (cls.indexOf(key) >= 0 && button.getAttribute("aria-label") !== PLAY_NAMES[key]) {
          button.setAttribute("aria-label", PLAY_NAMES[key]);
        }
      });
      if (cls.indexOf("fa-retweet") >= 0) {
        pressed(button);
      }
    });
  }

  // The default frame shown before the manager ran (nwlib_frames.py) goes once the widget is there.
  // (html-manager 1.0.15 means to remove such an image itself, but compares tagName with "img",
  // which is "IMG" in an HTML page.)
  // Hidden, not removed: the printed page shows it in place of the widget (nwlib-print.css).
  function unfallback(img) {
    var next = img.nextElementSibling;
    if (next && next.classList.contains("widget-subarea") && next.firstElementChild) {
      img.style.display = "none";
    }
  }

  function fix(root) {
    root.querySelectorAll("img.nwlib-fallback").forEach(unfallback);
    root.querySelectorAll("img.widget-image").forEach(frame);
    root.querySelectorAll(".widget-slider").forEach(slider);
    root.querySelectorAll(".widget-toggle-buttons button").forEach(pressed);
    root.querySelectorAll(".widget-play").forEach(play);
  }

  var queued = false;
  function schedule() {
    if (!queued) {
      queued = true;
      window.requestAnimationFrame(function () {
        queued = false;
        fix(document);
      });
    }
  }

  // A keyboard reader reaches the first explorer from the top of the page in a few keys: a second
  // skip link, next to the theme's "Skip to main content", jumps to it (past the code cells' copy
  // buttons). Explorers inside closed solutions do not count.
  function skipLink() {
    var skip = document.getElementById("pst-skip-link");
    var view = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
      .find(function (s) { return !s.closest(".dropdown"); });
    if (!skip || !view || document.getElementById("nwlib-first-explorer")) {
      return;
    }
    var target = view.closest(".cell_output") || view.parentElement;
    target.id = "nwlib-first-explorer";
    target.setAttribute("tabindex", "-1");
    var link = document.createElement("a");
    link.href = "#nwlib-first-explorer";
    link.textContent = "Skip to the interactive figure";
    skip.appendChild(link);
  }

  // The widget manager loads when it is needed (nwlib_frames.py turned its <script> into
  // type="nwlib/widget-manager", which the browser neither runs nor fetches): when an explorer's
  // default frame comes near the screen, or at the reader's first scroll, tap or key (not on a
  // timer: its half second of main thread is only spent for a reader who moves). It renders the widgets on the window's "load" event; that event has passed
  // by then, so a "load" listener it adds while it starts is called at once.
  // The widget state is not in the page either (nwlib_frames.py): its script file, named by a
  // <script type="nwlib/widget-state">, defines window.nwlibWidgetState; it becomes the JSON
  // script the manager looks for, then the manager loads.
  var managerLoading = false;
  function loadScript(src, done) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = script.onerror = done;
    document.head.appendChild(script);
  }

  function loadManager() {
    var tag = document.querySelector('script[type="nwlib/widget-manager"]');
    if (managerLoading || !tag) {
      return;
    }
    managerLoading = true;
    var stateTag = document.querySelector('script[type="nwlib/widget-state"]');
    if (!stateTag) {
      startManager(tag);
      return;
    }
    loadScript(stateTag.getAttribute("src"), function () {
      if (window.nwlibWidgetState) {
        var state = document.createElement("script");
        state.type = "application/vnd.jupyter.widget-state+json";
        state.textContent = JSON.stringify(window.nwlibWidgetState);
        document.body.appendChild(state);
      } else {
        console.error("nwlib: the widget state did not load from " + stateTag.getAttribute("src"));
      }
      startManager(tag);
    });
  }

  function startManager(tag) {
    var add = window.addEventListener;
    window.addEventListener = function (type, listener, options) {
      if (type === "load" && document.readyState === "complete") {
        window.setTimeout(listener, 0);
        return undefined;
      }
      return add.call(window, type, listener, options);
    };
    loadScript(tag.getAttribute("src"), function () {
      window.addEventListener = add;
    });
  }

  function whenNeeded() {
    var frames = document.querySelectorAll("img.nwlib-fallback");
    if ("IntersectionObserver" in window && frames.length) {
      var near = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          near.disconnect();
          loadManager();
        }
      }, {rootMargin: "800px 0px"});
      frames.forEach(function (img) { near.observe(img); });
    }
    ["scroll", "pointerdown", "keydown", "touchstart"].forEach(function (type) {
      window.addEventListener(type, loadManager, {once: true, passive: true});
    });
  }

  function start() {
    skipLink();
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ["class", "title", "aria-valuenow", "contenteditable"]
    });
    fix(document);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  if (document.readyState === "complete") {
    whenNeeded();
  } else {
    window.addEventListener("load", whenNeeded);
  }
})();

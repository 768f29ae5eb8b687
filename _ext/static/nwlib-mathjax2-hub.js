// The ipywidgets HTML manager typesets widget labels with MathJax 2's API
// (MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])); the site runs MathJax 3, which has no
// Hub, so every widget label threw "Cannot read properties of undefined (reading 'Queue')".
// It also shows the article once MathJax has typeset the page (see nwlib_reader.MATH_PENDING).
// Loaded with `defer` after MathJax's own deferred script: window.MathJax is MathJax 3 by now, and
// the widgets render later, on DOMContentLoaded.
(function () {
  var mj = window.MathJax;
  // the article, hidden until the first typesetting (nwlib_reader.MATH_PENDING), is shown
  function show() {
    document.documentElement.classList.remove("nwlib-math-pending");
  }
  if (mj && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(show, show);
  } else {
    show();
  }
  if (!mj || mj.Hub) {
    return;
  }
  mj.Hub = {
    Queue: function (job) {
      var element = job && job[2];
      var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
      if (!element) {
        return;
      }
      ready.then(function () {
        return mj.typesetPromise ? mj.typesetPromise([element]) : null;
      }).catch(function (err) {
        console.warn("MathJax could not typeset a widget label:", err);
      });
    }
  };
})();

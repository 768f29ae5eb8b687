// Loaded on the search page. Result snippets are cut from each page's HTML, where a formula is
// still its TeX source ("\(K_\sigma(u) = \frac{c_d}{\sigma^d}\)"); here each formula becomes
// plain text first ("Kσ(u) = (c_d)/(σ^d)"), so that a snippet reads as text; the page's button
// bar is left out of the snippet.
(function () {
  "use strict";
  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ",
    sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ",
    Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    sum: "Σ", prod: "Π", int: "∫", infty: "∞", to: "→", rightarrow: "→", leftarrow: "←",
    mapsto: "↦", approx: "≈", neq: "≠", ne: "≠", leq: "≤", le: "≤", geq: "≥", ge: "≥",
    cdot: "·", times: "×", pm: "±", in: "∈", propto: "∝", sim: "∼", partial: "∂", nabla: "∇",
    ldots: "…", cdots: "⋯", dots: "…", lVert: "‖", rVert: "‖", Vert: "‖", lvert: "|", rvert: "|",
    mid: "|", langle: "⟨", rangle: "⟩", exp: "exp", log: "log", min: "min", max: "max",
    mathbb: "", mathrm: "", mathbf: "", boldsymbol: "", operatorname: "", text: "", hat: "",
    tilde: "", bar: "", left: "", right: "", big: "", Big: "", bigl: "", bigr: "", Bigl: "",
    Bigr: "", top: "ᵀ", quad: " ", qquad: " "
  };

  function plain(tex) {
    var s = tex.replace(/^\s*(\\\(|\\\[|\$\$?)|(\\\)|\\\]|\$\$?)\s*$/g, "");
    s = s.replace(/\\[,;:!> ]/g, " ");
    for (var i = 0; i < 4; i++) {
      s = s.replace(/([_^])\{([^{}]*)\}/g, function (m, op, inner) {
        return op + (inner.length > 1 ? "(" + inner + ")" : inner);
      });
      s = s.replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)")
           .replace(/\\sqrt\s*\{([^{}]*)\}/g, "√($1)");
    }
    s = s.replace(/\\([A-Za-z]+)/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(SYMBOLS, name) ? SYMBOLS[name] : name;
    });
    return s.replace(/\\[,;:!> ]/g, " ").replace(/\\\\/g, "; ").replace(/[{}]/g, "")
            .replace(/&/g, "").replace(/\s+/g, " ").trim();
  }

  function install() {
    // searchtools.js declares Search with const: a global binding, not a property of window
    if (typeof Search === "undefined" || !Search.htmlToText || Search._nwlibPlainMath) {
      return;
    }
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math").forEach(function (el) {
        el.textContent = " " + plain(el.textContent) + " ";
      });
      // the page's button bar (download menu, colour mode) is no part of its text
      doc.querySelectorAll(".bd-header-article, .copybtn").forEach(function (el) { el.remove(); });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search._nwlibPlainMath = true;
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
})();

// Loaded on the search page. Result snippets are cut from each page's HTML. There a formula is
// MathJax's output, whose only text is its hidden MathML: read as plain text it flattens
// exponents ("e−700≈10−304"). Here each formula becomes linear text first, with its structure
// kept: "e^(−700) ≈ 10^(−304)", "K_σ(u) = (c_d)/(σ^d)"; a formula still in TeX (a page built
// without the math renderer) is turned into the same kind of text. The page's button bar is left
// out of the snippet.
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

  // MathML (MathJax's assistive copy of a formula) as linear text
  function group(text) {
    return text.length > 1 ? "(" + text + ")" : text;
  }
  function linear(node) {
    if (node.nodeType === 3) {
      return node.nodeValue;
    }
    var kids = Array.from(node.children || []);
    var name = (node.localName || "").toLowerCase();
    var parts = kids.map(linear);
    switch (name) {
      case "msup": return parts[0] + "^" + group(parts[1]);
      case "msub": return parts[0] + "_" + group(parts[1]);
      case "msubsup": return parts[0] + "_" + group(parts[1]) + "^" + group(parts[2]);
      case "mfrac": return group(parts[0]) + "/" + group(parts[1]);
      case "msqrt": return "√" + group(parts.join(""));
      case "mroot": return "√[" + parts[1] + "]" + group(parts[0]);
      case "munder": case "mover": case "munderover": return parts.join(" ");
      case "mo": return /^[=≈<>≤≥→∈±×·]$/.test(node.textContent.trim()) ? " " + node.textContent.trim() + " "
                                                                       : node.textContent;
      case "annotation": case "annotation-xml": return "";
      default: return kids.length ? parts.join("") : node.textContent;
    }
  }
  function formulaText(el) {
    var mathml = el.querySelector("math");
    var text = mathml ? linear(mathml) : plain(el.textContent);
    return text.replace(/\s+/g, " ").trim();
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
        el.textContent = " " + formulaText(el) + " ";
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

// Typesets a page's formulas at build time with MathJax 3 (npm mathjax-full, pinned in
// package.json), so the website ships HTML and CSS for its math and no MathJax script: a reader's
// browser has nothing to typeset, the page paints its math at once and never re-flows.
//
// Called by _ext/nwlib_math.py, once per page: stdin is JSON
//   {"formulas": [{"tex": "...", "display": true|false}, ...], "fontURL": "../_static/mathjax/woff-v2"}
// stdout is JSON
//   {"html": ["<mjx-container ...>", ...], "css": "...", "errors": [{"index": i, "message": "..."}]}
// Each container carries MathML for screen readers (MathJax's assistive-mml, as in the browser);
// the CSS holds what these formulas need (only the glyphs they use) and the fonts' @font-face rules.
"use strict";

const {mathjax} = require("mathjax-full/js/mathjax.js");
const {TeX} = require("mathjax-full/js/input/tex.js");
const {CHTML} = require("mathjax-full/js/output/chtml.js");
const {liteAdaptor} = require("mathjax-full/js/adaptors/liteAdaptor.js");
const {RegisterHTMLHandler} = require("mathjax-full/js/handlers/html.js");
const {AssistiveMmlHandler} = require("mathjax-full/js/a11y/assistive-mml.js");
const {AllPackages} = require("mathjax-full/js/input/tex/AllPackages.js");

// A mistake in the TeX must stop the build, not become red text on the page: no "noerrors" or
// "noundefined" (which would draw an unknown macro in red). "textmacros" stays out as in MathJax's
// browser component (tex-chtml), so \text{...} reads the same as it did there.
const EXCLUDED = ["noerrors", "noundefined", "textmacros"];
const PACKAGES = AllPackages.filter((name) => !EXCLUDED.includes(name));

const MATH_SCALE = 1.18;

// The first font of every formula (MathJax's 1.5 kB MJXZERO) sets where each line box of a formula
// sits; until it arrives the browser uses another font's ascent and descent, and when it comes the
// equations re-flow (a layout shift of up to 0.03 on the chapter at phone width). A local font
// given MJXZERO's metrics (ascent and descent 0.1 em) and only the space character stands first
// instead: it is there at the first layout, and the formulas are drawn exactly as before.
// (Where ascent-override is unsupported, Safari, the local font's own metrics apply: the same
// formulas, their vertical spacing as before the web fonts arrive.)
const STRUT_FAMILY = "NWLIBSTRUT";
const STRUT_FACE = `@font-face {
  font-family: ${STRUT_FAMILY};
  src: local("DejaVu Sans"), local("Arial"), local("Helvetica"), local("Roboto"),
       local("Liberation Sans"), local("Segoe UI");
  ascent-override: 10%;
  descent-override: 10%;
  line-gap-override: 0%;
  unicode-range: U+20;
}
`;

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function typeset(request) {
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  let failure = null;
  const tex = new TeX({
    packages: PACKAGES,
    formatError: (jax, err) => {
      failure = err.message;
      return jax.formatError(err);
    },
  });
  // In a browser MathJax scales each formula so that its x-height matches the text around it; here
  // the text's font is not known, so the scale is that of the theme's system fonts (x-height about
  // 0.52 em: San Francisco, Roboto, Helvetica, Segoe UI, DejaVu Sans) over MathJax's (0.442 em).
  const chtml = new CHTML({fontURL: request.fontURL, adaptiveCSS: true, scale: MATH_SCALE});
  const doc = mathjax.document("", {InputJax: tex, OutputJax: chtml});
  const html = [];
  const errors = [];
  request.formulas.forEach((formula, index) => {
    failure = null;
    // em/ex/containerWidth: a 16 px body font; CHTML sizes everything in em, so the page's font
    // size still applies
    const node = doc.convert(formula.tex, {display: Boolean(formula.display), em: 16, ex: 8,
                                           containerWidth: 80 * 16});
    if (failure !== null) {
      errors.push({index, message: failure});
    }
    html.push(adaptor.outerHTML(node));
  });
  const css = STRUT_FACE + adaptor.textContent(chtml.styleSheet(doc))
    .replace(/font-family: MJXZERO,/g, `font-family: ${STRUT_FAMILY}, MJXZERO,`);
  return {html, css, errors};
}

readStdin()
  .then((text) => {
    process.stdout.write(JSON.stringify(typeset(JSON.parse(text))));
  })
  .catch((err) => {
    process.stderr.write(`typeset_math: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });

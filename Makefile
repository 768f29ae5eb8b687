# Two commands on a fresh machine: `make book` (build the website) and `make test` (every test).
# Both create .venv and install requirements.txt first (once; again when requirements change).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.installed

.PHONY: book test unit notebooks build-check lab bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## book: build the website into _build/html (warnings are errors)
book: $(STAMP)
	$(JB) build . --warningiserror --keep-going
	@echo
	@echo "The book is built. Open $(CURDIR)/_build/html/index.html in a browser (no network needed)."

## test: nwlib's unit and property tests, nbval over every notebook, the book build, the browser test
test: $(STAMP)
	$(JB) build . --warningiserror --keep-going
	$(PY) -m pytest -n 2 --dist loadfile tests
	$(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -n 2 --dist loadscope chapters

## lab: JupyterLab on the chapters
lab: $(STAMP)
	$(PY) -m pip install --quiet jupyterlab==4.6.6
	$(VENV)/bin/jupyter lab chapters

## bench: the performance benchmark (not part of the tests); writes benchmarks/results/
bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf _build .jupyter_cache

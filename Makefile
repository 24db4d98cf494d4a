# `make demo` runs clearsight on demo data; `make test` runs every check.
# Both install what they need: a venv in .venv, the capture script's npm
# packages and bundle, and (for tests) Debian's chromium when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
NPM_STAMP := capture/node_modules/.installed
BUNDLE := src/clearsight/web/static/capture.js
CAPTURE_SOURCES := $(shell find capture/src capture/player capture/build -type f 2>/dev/null) capture/build.mjs

.PHONY: demo serve test check lint typecheck pytest capture-test capture system-deps build-deps bench clean

demo: $(RUNTIME_STAMP) $(BUNDLE)
	$(BIN)/clearsight demo

serve: $(RUNTIME_STAMP) $(BUNDLE)
	$(BIN)/clearsight serve

test: $(DEV_STAMP) $(BUNDLE) system-deps lint typecheck pytest capture-test

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) $(BUNDLE) system-deps
	$(BIN)/pytest

capture-test: $(NPM_STAMP) system-deps
	cd capture && npm test

capture: $(BUNDLE)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml setup.py src/clearsight/privacy/_walk.cpp | $(VENV)/bin/python build-deps
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml setup.py src/clearsight/privacy/_walk.cpp | $(VENV)/bin/python build-deps
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

$(NPM_STAMP): capture/package.json capture/package-lock.json
	cd capture && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUNDLE): $(NPM_STAMP) $(CAPTURE_SOURCES)
	cd capture && npm run build

# Debian packages the tests need: chromium (browser tests), postgresql (control-plane suite).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

# The privacy scanner's compiled walk is built at install time from a C++
# compiler and RE2's headers. Without them the install still works and the
# scanner runs in pure Python, several times slower (the tests insist on it).
build-deps:
	@missing=""; \
	command -v g++ >/dev/null 2>&1 || missing="$$missing g++"; \
	[ -f /usr/include/re2/re2.h ] || missing="$$missing libre2-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "note: without$$missing the privacy scanner is not compiled and runs several times slower (sudo apt-get install$$missing, then make clean)"; \
	  fi; \
	fi

bench: $(RUNTIME_STAMP) $(BUNDLE)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) capture/node_modules $(BUNDLE) src/clearsight/web/static/player.js src/clearsight/web/static/player.css

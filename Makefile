# lightboard developer commands. Everything runs in a local virtual environment (.venv) that the
# first command creates from nothing but this repository and the package registries.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD_INPUTS := pyproject.toml requirements-dev.txt setup.py $(wildcard src/lightboard/*.h src/lightboard/*/*.c)
STAMP := $(VENV)/.installed-$(shell cat $(BUILD_INPUTS) | cksum | cut -d' ' -f1)
# The viewer's page (TypeScript, bundled with uPlot by esbuild), built into the Python package.
FRONTEND_INPUTS := $(wildcard frontend/package*.json frontend/tsconfig.json frontend/build.mjs frontend/index.html) \
	$(shell find frontend/src -type f)
ASSETS := src/lightboard/serve/static/index.html

.PHONY: all venv assets browser test lint demo bench protos clean

all: venv assets

venv: $(STAMP)

assets: $(ASSETS)

$(ASSETS): $(FRONTEND_INPUTS)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	cd frontend && npm run --silent check
	cd frontend && npm run --silent build

# Debian's chromium, which the viewer's browser tests drive through Playwright (it is never downloaded by a test tool).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

$(STAMP): $(BUILD_INPUTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]' -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

lint: venv
	$(PY) -m ruff check src tests benchmarks examples

test: lint assets browser
	$(PY) -m pytest -q
	@echo "Again without the C extension (its pure-Python twin):"
	LIGHTBOARD_PURE_PYTHON=1 $(PY) -m pytest -q tests/events tests/summaries tests/reader tests/test_writer.py \
		tests/serve/test_smoothing.py tests/serve/test_envelope.py

demo: venv assets
	$(PY) examples/linear_regression.py --logdir runs/demo
	@echo
	$(VENV)/bin/lightboard serve runs/demo

bench: venv assets browser
	$(PY) benchmarks/run.py

protos:
	scripts/gen_protos.sh

clean:
	rm -rf $(VENV) build dist src/*.egg-info runs .pytest_cache frontend/node_modules src/lightboard/serve/static

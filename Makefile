# lightboard developer commands. Everything runs in a local virtual environment (.venv) that the
# first command creates from nothing but this repository and the package registries.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD_INPUTS := pyproject.toml requirements-dev.txt setup.py $(wildcard src/lightboard/*.h src/lightboard/*/*.c)
STAMP := $(VENV)/.installed-$(shell cat $(BUILD_INPUTS) | cksum | cut -d' ' -f1)

.PHONY: venv test lint demo bench protos clean

venv: $(STAMP)

$(STAMP): $(BUILD_INPUTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]' -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

lint: venv
	$(PY) -m ruff check src tests benchmarks examples

test: lint
	$(PY) -m pytest -q
	@echo "Again without the C extension (its pure-Python twin):"
	LIGHTBOARD_PURE_PYTHON=1 $(PY) -m pytest -q tests/events tests/summaries tests/reader tests/test_writer.py

demo: venv
	$(PY) examples/linear_regression.py --logdir runs/demo
	@echo
	@echo "Look at it:  $(VENV)/bin/tensorboard --logdir runs/demo   (then open http://localhost:6006)"

bench: venv
	$(PY) benchmarks/run.py

protos:
	scripts/gen_protos.sh

clean:
	rm -rf $(VENV) build dist src/*.egg-info runs .pytest_cache

# sktransfer developer tasks. Each target creates the environment it needs in
# .venv; install steps are redone only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
PYTEST_ARGS ?=

.PHONY: venv demo test docs bench clean

venv: $(VENV)/.stamp-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.stamp-base: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

# torch==2.13.0 (a CPU build) is installed before any extra that needs torch:
# an unpinned torch pulls a multi-GB CUDA build. The test, docs and bench
# environments exercise the torch bridge (sktransfer.neural), so they get the
# torch extra too.
TORCH_PIN := torch==2.13.0

$(VENV)/.stamp-test $(VENV)/.stamp-docs $(VENV)/.stamp-bench: $(VENV)/.stamp-%: pyproject.toml | $(BIN)/python
	$(PIP) install "$(TORCH_PIN)"
	$(PIP) install -e ".[$*,torch]"
	touch $@ $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base
	$(BIN)/sktransfer demo --out demo_output

test: $(VENV)/.stamp-test
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

docs: $(VENV)/.stamp-docs
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/bench_transfer_lasso.py
	$(BIN)/python benchmarks/bench_trans_glm.py
	$(BIN)/python benchmarks/bench_simulation.py
	$(BIN)/python benchmarks/bench_representation.py
	$(BIN)/python benchmarks/bench_neural_memory.py

clean:
	rm -rf build dist *.egg-info demo_output .pytest_cache .ruff_cache
	rm -rf docs/_build docs/auto_examples docs/gen_modules docs/generated docs/sg_execution_times.rst
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

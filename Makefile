# The two quick-start commands are `make demo` and `make test`; both set up .venv first.
#
# .venv holds an editable install of the project and its dev tools: an edited .py takes
# effect at once. It is rebuilt when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint bench score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

## the main job on the bundled demo data (synthetic reports in data/demo)
# (exit 1 from `xxgk run` means some reports failed, as a few demo files are meant to)
demo: $(STAMP)
	$(BIN)/xxgk run --source data/demo --warehouse data/warehouse || test $$? -eq 1

## ruff and the whole test suite (what CI runs): two processes, one test file each at a
## time (a file's tests share its fixtures; the flow tests one Prefect server)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

## extraction speed over generated reports (see benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_extract.py

## score on the shared corpus of real reports (needs ../shared)
score: $(STAMP)
	$(BIN)/python ../shared/tools/devscore.py --xxgk $(BIN)/xxgk

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

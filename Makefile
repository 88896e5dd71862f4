# The two quick-start commands are `make demo` and `make test`; both set up .venv first.
#
# Two builds of the same sources (benchmarks/README.md, "Compiled build"):
# - .venv: an editable, pure-Python install for development (`make setup`). An edited
#   .py takes effect at once; nothing compiled ever lands in the source tree.
# - .venv/compiled: the extraction engine's hot modules compiled with mypyc (setup.py),
#   installed non-editable beside the editable one and used by putting it first on
#   PYTHONPATH (`make setup-fast`, `make bench`, `make test`). It is rebuilt whenever a
#   source file changes, so it is never stale. If compiling is impossible (no mypyc, C
#   compiler or Python headers), it holds the same package as pure Python, just slower.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FAST   := $(VENV)/compiled
FAST_STAMP := $(FAST)/.built
# What the compiled build is made of: any change to these rebuilds it. (synth/, the
# report generator, is not installed: it is imported from the checkout.)
SOURCES := setup.py $(shell find extract transform load flows -type f \
             \( -name '*.py' -o -name '*.csv' -o -name '*.yaml' \) -not -path '*/__pycache__/*')
# Run Python on the compiled build: -P keeps the working directory (the .py sources)
# off sys.path, so PYTHONPATH's compiled modules are the ones imported. (tests/conftest.py
# and the benchmark scripts put the checkout after them, for synth.)
FASTPY := PYTHONPATH=$(FAST) $(BIN)/python -P

.PHONY: setup setup-fast demo test test-pure lint bench bench-pure score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,compile]"
	touch $(STAMP)

setup: $(STAMP)

## the compiled build (≈ 1–1.5 min of mypyc and gcc); pure Python if that fails
$(FAST_STAMP): $(STAMP) $(SOURCES)
	rm -rf $(FAST)
	XXGK_COMPILE=1 $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation \
		--target $(FAST) . || { echo "compiled build failed: pure Python"; rm -rf $(FAST); }
	mkdir -p $(FAST)
	$(FASTPY) -c "import extract.cells as m; print('xxgk engine:', m.__file__)"
	touch $(FAST_STAMP)

setup-fast: $(FAST_STAMP)

## the main job on the bundled demo data (synthetic reports in data/demo)
# (exit 1 from `xxgk run` means some reports failed, as a few demo files are meant to)
demo: $(STAMP)
	$(BIN)/xxgk run --source data/demo --warehouse data/warehouse || test $$? -eq 1

## ruff, the whole test suite on the compiled build, the engine's tests on pure Python
test: $(FAST_STAMP)
	$(BIN)/ruff check .
	$(FASTPY) -m pytest -q
	$(BIN)/python -m pytest -q tests/extract tests/transform tests/synth

## ruff and the whole test suite on pure Python only (no compiling)
test-pure: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

## extraction speed over generated reports (see benchmarks/README.md): compiled, pure
bench: $(FAST_STAMP)
	$(FASTPY) benchmarks/bench_extract.py

bench-pure: $(STAMP)
	$(BIN)/python benchmarks/bench_extract.py

## score on the shared corpus of real reports (needs ../shared), with the compiled build
score: $(FAST_STAMP)
	PYTHONPATH=$(FAST) $(BIN)/python ../shared/tools/devscore.py --xxgk $(BIN)/xxgk

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache

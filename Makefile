# Every target builds .venv from pyproject.toml on first use and reuses it afterwards.
# `make demo` and `make test` first install the Debian packages they need when missing
# (.ci/system-deps; as root, or it says what to run), so on a fresh Debian machine the
# two commands are all the set-up.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-deep fuzz lint format system-deps system-deps-demo system-deps-test fixtures bench-parse bench-extract bench-crawl bench-hostile bench-render bench-archive bench-query bench-distributed clean

$(STAMP): pyproject.toml | system-deps-demo
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/nianbao demo

test: system-deps-test lint
	$(PY) -m pytest -q

test-deep: system-deps-test lint
	$(PY) -m pytest -q -m deep

# Every reader's fuzz target with many examples, and the slow hostile documents.
fuzz: system-deps-test lint
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -m 'slow or deep' tests/extract/test_fuzz.py tests/extract/test_hostile.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

system-deps: system-deps-test

system-deps-demo:
	@bash .ci/system-deps demo

system-deps-test:
	@bash .ci/system-deps test

fixtures: $(STAMP)
	$(PY) -m fixtures.reports.make_reports

bench-parse: $(STAMP)
	$(PY) bench/bench_parse.py

bench-extract: $(STAMP)
	$(PY) bench/bench_extract.py

bench-crawl: $(STAMP)
	$(PY) bench/bench_crawl.py

bench-hostile: $(STAMP)
	$(PY) bench/bench_hostile.py

bench-render: $(STAMP)
	$(PY) bench/bench_render.py

bench-archive: $(STAMP)
	$(PY) bench/bench_archive.py

bench-query: $(STAMP)
	$(PY) bench/bench_query.py

bench-distributed: $(STAMP)
	$(PY) bench/bench_distributed.py

clean:
	rm -rf $(VENV) demo .pytest_cache .ruff_cache

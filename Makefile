# Two commands on a fresh clone: `make run` and `make test`.
# Every install step lives here so a new machine needs nothing done by hand.

# The operating system's Python 3.11 when there is one: Debian builds it with
# profile-guided and link-time optimisation, and it renders the 200-item
# report about a sixth faster than a pyenv build made without
# --enable-optimizations (bench/report_bench.py). `make PYTHON=...` overrides.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Every core: tests are independent (each xdist worker gets its own test
# database on the one throwaway cluster). PYTEST_ARGS="-n 0" runs serially.
PYTEST_ARGS ?= -n auto

# Local runs are the only place DEBUG is switched on. Tests run with DEBUG
# off, as production does, and a key that is only for tests.
RUN_ENV := DJANGO_DEBUG=1
TEST_ENV := DJANGO_SECRET_KEY=test-only-key-not-used-anywhere-else DJANGO_SECURE_SSL_REDIRECT=0

.PHONY: setup db run test bench static clean

setup: $(VENV)/.installed node_modules/.installed static

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static: $(VENV)/.installed node_modules/.installed
	node scripts/build-static.mjs
	$(RUN_ENV) $(MANAGE) collectstatic --noinput --verbosity 0

db: setup
	mkdir -p var
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) createcachetable
	$(RUN_ENV) $(MANAGE) load_framework
	$(RUN_ENV) $(MANAGE) load_framework fixtures/healthcare-leadership-model-outline.yaml
	$(RUN_ENV) $(MANAGE) load_crosswalk fixtures/crosswalks/consultant-level-practice-to-healthcare-leadership-model-outline.yaml
	$(RUN_ENV) $(MANAGE) seed_demo

# The web server and the task worker together (Procfile.dev), so packs and
# exports are made without another command; Ctrl-C stops both.
run: db
	$(RUN_ENV) RUN_ADDRESS=$(HOST):$(PORT) $(BIN)/honcho -f Procfile.dev start

# The apps' dependency direction first (import-linter contracts in
# pyproject.toml, docs/adr/0001-layers.md), then the whole suite.
test: setup
	$(BIN)/lint-imports --no-cache
	$(TEST_ENV) scripts/with-test-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks print JSON figures and exit non-zero when a budget is missed.
# They are not part of `make test`: timings never decide a unit test.
# Every benchmark runs even when an earlier one misses its budget.
# WeasyPrint subsets fonts with HarfBuzz when the system has it, and falls
# back to fontTools, about twice as slow, when it has not: the PDF budget
# is measured with it (Debian's libharfbuzz-subset0).
bench: setup
	@ldconfig -p | grep -q libharfbuzz-subset || { [ "$$(id -u)" = 0 ] && { apt-get install -y -qq libharfbuzz-subset0 || { apt-get update -qq && apt-get install -y -qq libharfbuzz-subset0; }; } >/dev/null; } || echo "WARNING: libharfbuzz-subset0 is not installed; PDFs render more slowly" >&2
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	@status=0; for script in bench/*_bench.py; do echo "== $$script"; $(RUN_ENV) $(BIN)/python $$script || status=1; done; exit $$status

clean:
	rm -rf build var/staticfiles

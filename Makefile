# Gongwu: `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
GONGWU := $(VENV)/bin/gongwu
VENDOR := gongwu/static/vendor
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/gongwu
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install assets messages demo serve test lint check typecheck pytest pytest-pg pytest-days browser-deps bench bench-list bench-projects bench-alerts bench-investment bench-inspections bench-contracts clean format

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install -q uv==0.13.8
	$(UV) pip sync -q --python $(PY) requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $@

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/tabler $(VENDOR)/icons/fonts $(VENDOR)/htmx $(VENDOR)/echarts
	cp node_modules/@tabler/core/dist/css/tabler.min.css{,.map} $(VENDOR)/tabler/
	cp node_modules/@tabler/core/dist/js/tabler.min.js{,.map} $(VENDOR)/tabler/
	cp node_modules/@tabler/icons-webfont/dist/tabler-icons.min.css $(VENDOR)/icons/
	cp node_modules/@tabler/icons-webfont/dist/fonts/tabler-icons.{woff2,woff,ttf} $(VENDOR)/icons/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	@touch $@

install: $(VENV)/.installed

assets: $(VENDOR)/.installed

messages: install
	GONGWU_TESTING=1 $(GONGWU) compilemessages --ignore=.venv --ignore=node_modules -v 0

var:
	mkdir -p var

demo: install assets messages var
	GONGWU_DEMO=1 $(GONGWU) migrate --no-input -v 0
	GONGWU_DEMO=1 $(GONGWU) collectstatic --no-input -v 0
	GONGWU_DEMO=1 $(GONGWU) demo
	@echo "Starting the task worker and the server on http://127.0.0.1:$(PORT) (Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	  GONGWU_DEMO=1 $(GONGWU) db_worker --interval 0.5 >var/worker.log 2>&1 & \
	  GONGWU_DEMO=1 $(GONGWU) runserver 127.0.0.1:$(PORT)

browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	GONGWU_TESTING=1 $(GONGWU) check
	GONGWU_TESTING=1 $(GONGWU) makemigrations --check --dry-run -v 1

# mypy with django-stubs over core and alerts ([tool.mypy] in pyproject.toml); its cache is .mypy_cache/
typecheck: install
	GONGWU_TESTING=1 $(VENV)/bin/mypy

# The suite's clock (gongwu/conftest.py): an ordinary Wednesday by default; the PostgreSQL pass runs on the
# Monday after New Year's Day in a year the holiday package does not know; CI adds a Saturday and the eve of
# New Year's Day for the suites that count days, so a test that passes only on some days fails here. (The demo
# is anchored in late 2026 and refuses inspections in the future, so no earlier day.)
PG_TEST_NOW ?= 2027-01-04T09:00:00+08:00
OTHER_TEST_DAYS ?= 2026-12-05T15:00:00+08:00 2026-12-31T17:30:00+08:00
DAY_SUITES := gongwu/alerts gongwu/projects gongwu/inspections gongwu/investment gongwu/tenders gongwu/contracts

pytest: install assets messages browser-deps
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

pytest-pg: install assets messages browser-deps
	GONGWU_TEST_NOW=$${GONGWU_TEST_NOW:-$(PG_TEST_NOW)} GONGWU_DATABASE_URL=$${GONGWU_TEST_DATABASE_URL:-$(PG_TEST_URL)} \
	  $(VENV)/bin/pytest -q -n 2 --dist loadfile

pytest-days: install assets messages
	@for now in $(OTHER_TEST_DAYS); do \
	  echo "== the suites that count days, at $$now"; \
	  GONGWU_TEST_NOW=$$now $(VENV)/bin/pytest -q -n 2 --dist loadfile -m "not browser" $(DAY_SUITES) || exit 1; \
	done

test: lint check typecheck pytest
	@if [ "$${CI:-}" = "true" ] || [ -n "$${GONGWU_TEST_DATABASE_URL:-}" ]; then \
	  echo "== again on PostgreSQL"; $(MAKE) --no-print-directory pytest-pg; fi
	@if [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory pytest-days; fi

bench: bench-list bench-projects bench-alerts bench-investment bench-inspections bench-contracts

bench-list: install
	$(PY) bench/list_api.py

bench-projects: install
	$(PY) bench/projects.py

bench-alerts: install
	$(PY) bench/alerts.py

bench-investment: install
	$(PY) bench/investment.py

bench-inspections: install
	$(PY) bench/inspections.py

bench-contracts: install
	$(PY) bench/contracts.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var

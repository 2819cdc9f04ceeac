# `make run` and `make test` install whatever is missing, then run. Nothing is expected by hand.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# CJK fonts for PDFs (Noto CJK; AR PL UKai for 楷体), poppler for checking them, LibreOffice as the second
# office suite the tests re-save forms with and the benchmark compares against. libharfbuzz-subset0 is on
# the project's set-up list; Typst subsets fonts itself and does not need it.
APT_PACKAGES := fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0 poppler-utils libreoffice-calc-nogui libreoffice-writer-nogui
# Metric-compatible stand-ins for the Word documents' Latin faces, so LibreOffice lays them out as Word
# does (Times New Roman -> Liberation Serif, Arial -> Liberation Sans, Calibri -> Carlito, Cambria ->
# Caladea, aliased by fontconfig's own 30-metric-aliases.conf); without them Times New Roman falls back to
# the wider DejaVu Serif. Symbola: monochrome outline symbols and emoji, the end of every PDF font stack.
APT_PACKAGES += fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-symbola
# PostgreSQL (stock Debian 12: 15) for the shared ledger of several offices: the tests start a throwaway
# server of their own with its initdb and pg_ctl, run as the postgres user (tests/pg.py).
APT_PACKAGES += postgresql
# 宋体/仿宋/黑体/楷体 (and SimSun, FangSong, SimHei, KaiTi ...) -> Noto Serif CJK SC, Noto Sans CJK SC,
# AR PL UKai for every program that asks fontconfig, LibreOffice included (it drew 宋体 in Noto Sans CJK JP).
FONTCONFIG_CONF := docgen/data/fonts/64-docgen-chinese-faces.conf
FONTCONFIG_DIR := /etc/fonts/conf.d
PYTEST_ARGS ?=

.PHONY: run test lint setup system-packages forms bench bench-scale clean

run: setup
	$(VENV)/bin/docgen forms
	$(VENV)/bin/docgen watch

test: setup lint
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The guardrails, configured in pyproject.toml: ruff's lint rules, the import contracts (the lower layers
# import no step, report, pipeline or command; no new import cycle) and the type check of docgen/ (mypy,
# [tool.mypy]), and the layout `ruff format` gives (run `.venv/bin/ruff format docgen tests bench` to apply it).
lint: setup
	$(VENV)/bin/ruff check docgen tests bench
	$(VENV)/bin/ruff format --check docgen tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy docgen

setup: system-packages $(VENV)/.installed

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@target="$(FONTCONFIG_DIR)/$(notdir $(FONTCONFIG_CONF))"; \
	if ! cmp -s "$(FONTCONFIG_CONF)" "$$target"; then \
	  echo "installing $$target"; \
	  $(SUDO) install -m 644 "$(FONTCONFIG_CONF)" "$$target" && $(SUDO) fc-cache -f; \
	fi

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

forms: setup
	$(VENV)/bin/docgen forms

bench: setup
	$(PY) bench/bench_pipeline.py
	$(PY) bench/bench_reports.py

# Issue 15, not a test: a ledger filled to 100,000 cases (cached in bench/.scale/, minutes the first time),
# intake, status and the reports measured on SQLite and on PostgreSQL (a throwaway cluster), targets beside.
bench-scale: setup
	$(PY) bench/bench_scale.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var archive rejected
	find intake outbox -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true  # the placeholders stay

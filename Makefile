# cs360: two commands do all set-up.  `make run` then `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# dbt, dagster and dagster-dbt find each other on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export CS_EXTRACTS_DIR ?= $(CURDIR)/data/extracts
export CS_WAREHOUSE ?= $(CURDIR)/data/warehouse/cs360.duckdb
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
SAMPLE_ACCOUNTS ?= 500
SAMPLE_SEED ?= 42
DEV_PORT ?= 3000
# `make run FULL_REFRESH=1`: reload raw tickets from every file and `dbt build --full-refresh`.
ifdef FULL_REFRESH
export CS_FULL_REFRESH := $(FULL_REFRESH)
endif

.PHONY: run run-spark dev app test bench bench-app backfill screenshots install sample-data manifest browser java lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the dependency list changes. The `spark` extra (pyspark, dbt-spark) is
# always installed: `make test` proves the Spark build and `make run-spark` runs it.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $@

install: $(VENV)/.installed

# System packages come from Debian's, installed by the targets below only when missing.
SUDO := $(if $(shell command -v sudo),sudo )
APT_INSTALL = $(SUDO)apt-get update -qq && \
	$(SUDO)env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

# Browser tests and screenshots drive Debian's chromium (Playwright's own browser download
# needs the internet), with a Japanese font: the accounts, contacts and tickets of Japanese
# customers are written in Japanese, which headless chromium would otherwise draw as boxes.
# CS_CHROMIUM (environment or make variable) points at another chromium binary.
export CS_CHROMIUM ?= /usr/bin/chromium
JAPANESE_FONT := /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf
$(CS_CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (apt-get)"
	$(APT_INSTALL) chromium
$(JAPANESE_FONT):
	@echo "Installing a Japanese font for the browser (apt-get)"
	$(APT_INSTALL) fonts-ipafont-gothic

browser: $(CS_CHROMIUM) $(JAPANESE_FONT)

# CS_ENGINE=spark (make run-spark, and the Spark proof in make test) runs Spark on a JVM: Java 17
# or newer. Installed here, from Debian's packages, when no java is on PATH.
java:
	@command -v java >/dev/null || { echo "Installing Java 17 for Spark (apt-get)"; \
		$(APT_INSTALL) openjdk-17-jre-headless; }

# The dbt manifest is prepared here, at build time, never on import, and only when the dbt
# project changed: its files, or its folders (a file added, renamed or deleted).
DBT_PROJECT_SOURCES := $(shell find dbt_project -mindepth 1 \
	\( -path dbt_project/target -o -path dbt_project/logs -o -path dbt_project/dbt_packages \
	   -o -name '.*' \) -prune -o \( -type d -o -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)
MANIFEST := dbt_project/target/manifest.json

# Prepared with the connection a run will have (CS_WAREHOUSE, CS_DUCKDB_*), so that each run's
# dbt re-parses only what changed instead of the whole project.
$(MANIFEST): $(DBT_PROJECT_SOURCES) cs_pipeline/dbt_project.py $(VENV)/.installed
	$(BIN)/python -m cs_pipeline.dbt_project
	touch $@

manifest: $(MANIFEST)

sample-data: install
	@if [ -z "$$(find "$(CS_EXTRACTS_DIR)" -mindepth 1 -not -name .gitkeep -print -quit 2>/dev/null)" ]; then \
		echo "No extracts in $(CS_EXTRACTS_DIR): writing sample extracts"; \
		$(BIN)/python -m cs_pipeline.sample_data --out "$(CS_EXTRACTS_DIR)" \
			--accounts $(SAMPLE_ACCOUNTS) --seed $(SAMPLE_SEED) $${CS_AS_OF:+--as-of $$CS_AS_OF}; \
	fi

$(DAGSTER_HOME)/dagster.yaml: dagster-instance.yaml
	mkdir -p "$(DAGSTER_HOME)"
	cp dagster-instance.yaml "$@"

# The nightly build by hand: the job `nightly_build`, tagged with its as-of date; exits 1
# unless the warehouse was published.
run: sample-data manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m cs_pipeline.nightly

# The same run with the dbt models built on Apache Spark (docs/scale-out.md; needs Java 17).
run-spark: java
	CS_ENGINE=spark $(MAKE) run

dev: sample-data manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python scripts/dev.py -w workspace.yaml -h 127.0.0.1 -p $(DEV_PORT)

# The CS cockpit over the published warehouse (CS_WAREHOUSE), read-only: http://127.0.0.1:8501
APP_PORT ?= 8501
app: install
	$(BIN)/streamlit run cs_pipeline/app/main.py --server.address 127.0.0.1 \
		--server.port $(APP_PORT) --server.headless true --browser.gatherUsageStats false \
		--client.toolbarMode viewer

test: manifest browser java
	$(BIN)/pytest

# Build time against the scan floor, and each stage against its own floor, at each scale (never a
# timed unit test), written to bench/results.json, assets/bench.md and assets/bench.svg:
# BENCH_SCALES="1000 10000" make bench
BENCH_SCALES ?= 1000 10000 100000
BENCH_INCREMENTAL ?= 1
BENCH_TICKET_DELTAS ?= 0
bench: manifest
	$(BIN)/python bench/run.py --scales $(BENCH_SCALES) --ticket-deltas $(BENCH_TICKET_DELTAS) \
		$(if $(filter 1,$(BENCH_INCREMENTAL)),--incremental,--no-incremental)

# The UI screenshots in assets/ (ui-*.png), retaken in headless Chromium on a sample workspace.
screenshots: manifest browser
	$(BIN)/python scripts/screenshots.py

# The cockpit's pages rendered from the warehouse of a scale (make bench's, built if missing),
# written to bench/app_results.json: APP_BENCH_ACCOUNTS=100000 make bench-app
APP_BENCH_ACCOUNTS ?= 10000
bench-app: manifest
	$(BIN)/python bench/app_speed.py --accounts $(APP_BENCH_ACCOUNTS)

# Health history for past dates, added to the build and published history only (never the
# current marts): `make backfill FROM=2026-10-01 TO=2026-10-30`, then `make run` for the trend.
backfill: manifest
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD"; exit 2; }
	$(BIN)/python -m cs_pipeline.backfill --from $(FROM) --to $(TO)

lint: install
	$(BIN)/ruff check cs_pipeline tests

# Keeps the published warehouse: it holds marts.health_history, which no run can rebuild (the
# next run restores the build from it). Delete data/warehouse by hand to start history over.
clean:
	rm -rf data/warehouse/build data/warehouse/backfill data/dagster_home dbt_project/target dbt_project/logs \
		data/spark

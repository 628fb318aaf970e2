# One-command entry points. Everything installs into .venv from requirements.lock (hashes pinned).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export PYTHONPATH := $(CURDIR)
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export GX_ANALYTICS_ENABLED := false

.PHONY: run test install warehouse-start warehouse-stop warehouse-dsn psql migrate airflow-db dags-test summary airflow-standalone lock clean datadocs dictionary check-deploy

run: install warehouse-start migrate airflow-db dags-test summary ## set up and run news_ingest over seeds/

test: install warehouse-start ## set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	touch $@

warehouse-start: install
	@$(BIN)/python -m pipeline warehouse start

warehouse-stop: install
	@$(BIN)/python -m pipeline warehouse stop

warehouse-dsn: install
	@$(BIN)/python -m pipeline warehouse dsn

psql: install
	$(BIN)/python -m pipeline warehouse psql

migrate: install
	$(BIN)/python -m pipeline migrate

airflow-db: install
	@mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)
	$(BIN)/airflow pools import dags/pools.json >> $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)

dags-test: install
	$(BIN)/airflow dags test news_ingest > $(AIRFLOW_HOME)/dags-test.log 2>&1 \
		|| (tail -n 80 $(AIRFLOW_HOME)/dags-test.log; exit 1)
	@grep -E "DagRun Finished|state=" $(AIRFLOW_HOME)/dags-test.log | tail -n 1 || true

summary: install
	@$(BIN)/python -m pipeline summary

airflow-standalone: install warehouse-start migrate airflow-db ## the full Airflow UI on http://127.0.0.1:8080
	AIRFLOW_CONN_WAREHOUSE="$$($(BIN)/python -m pipeline warehouse dsn)" $(BIN)/airflow standalone

datadocs: install warehouse-start ## render the GX Data Docs from the warehouse and print index.html
	@$(BIN)/python -m pipeline datadocs

dictionary: install warehouse-start ## regenerate docs/data_dictionary.md from a fresh database migrated from sql/
	$(BIN)/python -m pipeline dictionary

check-deploy: install ## docker-compose.yml through docker-compose config, the Dockerfile through hadolint
	$(BIN)/python -m pytest -q tests/test_deployment.py

.PHONY: bench
bench: install warehouse-start ## throughput of news_ingest over NAEB vs the nlp.pipe and COPY floors (BENCH_ARGS="--scale 2")
	$(BIN)/python -m pipeline.bench $(BENCH_ARGS)

lock: ## re-resolve requirements.in into requirements.lock
	$(BIN)/uv pip compile requirements.in --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	-$(BIN)/python -m pipeline warehouse stop
	rm -rf $(VENV) .airflow .warehouse

# AutoCRM developer tasks. `make run` starts a demo server; `make test` runs what CI runs.
#
# Overridable variables (make VAR=value, or the environment):
#   DATABASE_URL        database for run/demo (default sqlite://data/autocrm.db)
#   LISTEN              host:port for run (default 127.0.0.1:8080)
#   DEMO_CUSTOMERS      customers created by seed-demo on first run (default 300)
#   PG_TEST_THREADS     test threads for the PostgreSQL suite (default 4)
#   BASE_URL, DURATION, CONNECTIONS, THREADS   passed to scripts/load.sh

SHELL := /bin/bash

CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
AUTOCRM := $(TARGET_DIR)/debug/autocrm

DATABASE_URL ?= $(or $(AUTOCRM_DATABASE_URL),sqlite://data/autocrm.db)
LISTEN ?= 127.0.0.1:8080
DEMO_CUSTOMERS ?= 300
PG_TEST_THREADS ?= 4

# Every run/demo command talks to the same database, whichever of the two variables was set.
RUN_ENV := AUTOCRM_DEV=true AUTOCRM_DATABASE_URL='$(DATABASE_URL)'

.PHONY: run demo test test-sqlite test-postgres fuzz lint fmt openapi bench crosscheck load build release clean

## run: build, migrate, seed the demo organisation (once), and serve on $(LISTEN) in dev mode
run: demo
	@echo "==> serving on http://$(LISTEN)  (docs: http://$(LISTEN)/docs; Ctrl-C stops)"
	$(RUN_ENV) AUTOCRM_LISTEN='$(LISTEN)' $(AUTOCRM) serve

## demo: build, migrate and seed the demo organisation; prints the demo logins
demo: build
	@echo "==> migrating $(DATABASE_URL)"
	$(RUN_ENV) $(AUTOCRM) migrate
	@echo "==> seeding the demo organisation (skipped if it exists)"
	$(RUN_ENV) $(AUTOCRM) seed-demo --customers $(DEMO_CUSTOMERS)

## build: debug build of the autocrm binary
build:
	$(CARGO) build -p autocrm-api --bin autocrm

## release: optimised build of the autocrm binary
release:
	$(CARGO) build --release -p autocrm-api --bin autocrm

## test: formatting, lints, all tests on SQLite, then on PostgreSQL if AUTOCRM_TEST_POSTGRES_URL is set
test: lint test-sqlite
	@if [ -n "$${AUTOCRM_TEST_POSTGRES_URL:-}" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "==> skipping the PostgreSQL suite: AUTOCRM_TEST_POSTGRES_URL is not set"; \
	fi

## test-sqlite: the whole workspace's tests on SQLite (the default test backend)
test-sqlite:
	@echo "==> cargo test --workspace (SQLite)"
	env -u AUTOCRM_TEST_BACKEND $(CARGO) test --workspace

## test-postgres: persistence, unit-of-work, black-box API and crash tests on PostgreSQL (needs AUTOCRM_TEST_POSTGRES_URL)
test-postgres:
	@if [ -z "$${AUTOCRM_TEST_POSTGRES_URL:-}" ]; then \
		echo "AUTOCRM_TEST_POSTGRES_URL is not set, e.g. postgres://postgres@127.0.0.1:5432/postgres" >&2; \
		exit 2; \
	fi
	@echo "==> cargo test -p autocrm-persistence -p autocrm-tests (PostgreSQL, $(PG_TEST_THREADS) threads)"
	AUTOCRM_TEST_BACKEND=postgres $(CARGO) test -p autocrm-persistence -p autocrm-tests -- --test-threads=$(PG_TEST_THREADS)
	@echo "==> cargo test -p autocrm-api --test unit_of_work --test crash (PostgreSQL; the crash test kills the server mid-write)"
	AUTOCRM_TEST_BACKEND=postgres $(CARGO) test -p autocrm-api --test unit_of_work --test job_runner --test crash

## fuzz: every OpenAPI operation fuzzed by schemathesis against a demo server (SQLite; BACKEND=postgres)
fuzz: build
	scripts/fuzz-openapi.sh $(or $(BACKEND),sqlite)

## lint: rustfmt check and clippy with warnings denied
lint:
	@echo "==> cargo fmt --check"
	$(CARGO) fmt --all -- --check
	@echo "==> cargo clippy (warnings are errors)"
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## fmt: format the code
fmt:
	$(CARGO) fmt --all

## openapi: regenerate openapi/openapi.json (checked in; a test fails when it is stale)
openapi:
	@mkdir -p openapi
	@echo "==> generating openapi/openapi.json"
	$(CARGO) run -q -p autocrm-api --bin autocrm -- openapi > openapi/openapi.json.tmp || { rm -f openapi/openapi.json.tmp; exit 1; }
	mv openapi/openapi.json.tmp openapi/openapi.json

## bench: criterion benchmarks of the domain's financing maths
bench:
	$(CARGO) bench -p autocrm-domain --bench financing -- --warm-up-time 1 --measurement-time 3

## crosscheck: compare a running server's financing answers with an independent Python reference
crosscheck:
	scripts/crosscheck_financing.py

## load: load-test a running server (make run first; see scripts/load.sh)
load:
	scripts/load.sh

## clean: remove build output (keeps data/)
clean:
	$(CARGO) clean
	rm -f openapi/openapi.json.tmp

# Two commands from a fresh clone: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

# Infrastructure (infra/): its own virtualenv, from infra/requirements.txt (which includes requirements.txt:
# synthesis runs `chalice package`, which imports app.py).
INFRA_VENV  := infra/.venv
INFRA_BIN   := $(INFRA_VENV)/bin
INFRA_STAMP := $(INFRA_VENV)/.installed-$(shell cat infra/requirements.txt requirements.txt | cksum | cut -d' ' -f1)
INFRA_OUT   := infra/cdk.out/ci
INFRA_TEMPLATE := $(INFRA_OUT)/bhxh-ci.template.json
# The template the checks read: a `ci` environment (names differ from prod, nothing else).
INFRA_CONTEXT := stage=ci cors_origins=https://ci.dichvu.baohiemxahoi.gov.vn operator_emails=ci@baohiemxahoi.gov.vn
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

# The browser tests (tests/browser/) drive the system's Chromium (Debian's `chromium`),
# never a browser downloaded by Playwright.
CHROMIUM := /usr/bin/chromium

.PHONY: install run test check pytest lint typecheck unit bench capacity clean infra-install infra-synth infra-lint infra-test browser

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/python -m local

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Everything, in two parallel lanes: the app (lint, types, then pytest on every core, one
# emulator per worker) and the infrastructure (install, synth, cfn-lint, checkov, infra tests).
test:
	$(MAKE) --no-print-directory -j4 --output-sync=target check infra-test

check: lint typecheck browser
	$(MAKE) --no-print-directory pytest

# Test modules are spread over the workers whole (module-scoped fixtures, such as the
# end-to-end tests' local stack on free ports, start once per module).
pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=10

# Installs Chromium from the package manager when it is missing (CI runs as root).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" -ne 0 ]; then echo "chromium is missing: run 'sudo apt-get install -y chromium'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

bench: $(STAMP)
	$(BIN)/python -m bench

# The capacity table of docs/operations.md, from bench/results.json (run `make bench` first).
capacity: $(STAMP)
	$(BIN)/python infra/capacity.py --write docs/operations.md

infra-install: $(INFRA_STAMP)

$(INFRA_STAMP): infra/requirements.txt requirements.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_BIN)/python -m pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	rm -f $(INFRA_VENV)/.installed-*
	touch $@

infra-synth: $(INFRA_STAMP)
	rm -rf $(INFRA_OUT)
	cd infra && .venv/bin/python -m bhxh_infra.synth --outdir cdk.out/ci $(INFRA_CONTEXT)

# cfn-lint: any finding fails. checkov: any failed check fails (skips are justified in the
# resources' Metadata, see infra/bhxh_infra/checkov.py).
infra-lint: infra-synth
	$(INFRA_BIN)/cfn-lint $(INFRA_TEMPLATE)
	$(INFRA_BIN)/checkov --file $(INFRA_TEMPLATE) --framework cloudformation --skip-download --compact --quiet

infra-test: infra-lint
	cd infra && .venv/bin/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(INFRA_VENV) infra/cdk.out

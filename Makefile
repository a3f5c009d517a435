# One entry point for every task. `make help` lists them.
# Two environments (see ARCHITECTURE): .venv (Python >= 3.11: triage API) and .venv-rasa (Python 3.10: Rasa 3.6).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON3 ?= python3
# Rasa 3.6 needs Python 3.10: take the first interpreter that really is 3.10 (a pyenv shim may not be).
PYTHON310 ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)

VENV := .venv
VENV_RASA := .venv-rasa
PY := $(VENV)/bin/python
PY_RASA := $(VENV_RASA)/bin/python
API_HOST ?= 127.0.0.1
API_PORT ?= 8000
# Rasa would send telemetry and crash reports (with message metadata) to its servers: never
export RASA_TELEMETRY_ENABLED := false
RASA := PYTHONPATH=$(CURDIR) $(VENV_RASA)/bin/rasa
BOT_DATA := nlu_data bot
MODEL := models/bot.tar.gz
# labelled triage sets (eval/README.md): the development sets the learned stage trains on, then the held-out ones
TRIAGE_SETS := eval/triage_dev.jsonl eval/triage_dev2.jsonl eval/triage_dev3.jsonl eval/triage_dev4.jsonl \
	eval/triage_dev5.jsonl eval/triage_dev6.jsonl eval/triage_dev7.jsonl eval/triage_dev8.jsonl eval/triage_dev9.jsonl \
	eval/triage_dev10.jsonl eval/triage_dev11.jsonl eval/triage_dev12.jsonl eval/triage_dev13.jsonl eval/triage_dev14.jsonl \
	eval/triage_dev15.jsonl eval/triage_dev16.jsonl eval/triage_dev17.jsonl eval/triage_dev18.jsonl \
	eval/triage_dev19.jsonl eval/triage_dev20.jsonl eval/triage_dev21.jsonl \
	eval/triage_test.jsonl \
	eval/triage_outside.jsonl eval/triage_outside_p3.jsonl eval/triage_outside2.jsonl eval/triage_outside3.jsonl

.PHONY: help setup browser run bench test test-bot train lookups lint eval-triage eval-nlu bench-triage bench-intake bench-bot lock clean

help: ## List every target
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements/api.txt
	@test -x $(PY) || $(PYTHON3) -c 'import sys; assert sys.version_info >= (3, 11), "need Python >= 3.11 as python3"' 
	@test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip>=24'
	$(PY) -m pip install --quiet -r requirements/api.txt
	@touch $@

$(VENV_RASA)/.installed: requirements/rasa.txt
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: Rasa 3.6 needs it (set PYTHON310=/path/to/python3.10)"; exit 1; }
	@test -x $(PY_RASA) || $(PYTHON310) -m venv $(VENV_RASA)
	$(PY_RASA) -m pip install --quiet 'pip>=23,<25'
	$(PY_RASA) -m pip install --quiet -r requirements/rasa.txt
	@touch $@

setup: $(VENV)/.installed $(VENV_RASA)/.installed ## Build both virtual environments (only what is missing or outdated)

# Browser tests drive Debian's chromium through Playwright; a browser is never downloaded by a test tool.
CHROMIUM ?= /usr/bin/chromium
browser: ## Install Debian's chromium for the browser tests when it is missing (needs root and apt-get)
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium is not installed at $(CHROMIUM) and cannot be installed here: browser tests will be skipped (apt-get install chromium)"; fi; \
	fi

run: setup train ## Set up what is missing, train if needed, and start everything (Redis if needed, API + console :8000, actions :5055, bot :5005)
	API_HOST=$(API_HOST) API_PORT=$(API_PORT) bot/run.sh

train: $(VENV_RASA)/.installed ## Train the Rasa model into models/bot.tar.gz (Rasa's cache skips what did not change)
	$(RASA) train --data $(BOT_DATA) --domain domain.yml --config config.yml --out models --fixed-model-name bot

eval-nlu: $(VENV_RASA)/.installed ## NLU intent accuracy and macro-F1 on the held-out files, ours vs Rasa's stock pipeline (CV=K: K-fold CV)
	PYTHONPATH=$(CURDIR) $(PY_RASA) bot/eval_nlu.py $(if $(CV),--cv $(CV),)

bench-bot: setup train ## p50/p95 of full REST turns (Rasa + actions + API), peak memory; TRAIN=1 also times a full training
	PYTHONPATH=$(CURDIR) $(PY) -m bot.bench $(if $(TRAIN),--train,)

lookups: $(VENV_RASA)/.installed ## Regenerate the NLU lookup tables from triage_api/data
	PYTHONPATH=$(CURDIR) $(PY_RASA) -m bot.lookups

test: setup browser lint ## Set up what is missing and run every test (lint and types included; trains the bot if needed)
	$(PY) -m pytest -m "not stack"
	$(MAKE) --no-print-directory test-bot
	$(PY) -m pytest -m stack tests/stack

test-bot: $(VENV_RASA)/.installed ## The bot: action tests, data validation, training, conversation tests
	PYTHONPATH=$(CURDIR) $(PY_RASA) -m pytest -p no:cacheprovider --confcutdir tests/bot tests/bot
	$(RASA) data validate --fail-on-warnings --data $(BOT_DATA) --domain domain.yml --config config.yml
	$(MAKE) --no-print-directory train
	$(RASA) test core --model $(MODEL) --stories tests/bot/test_stories.yml --fail-on-prediction-errors --out results/core

lint: $(VENV)/.installed ## Ruff and mypy (strict) on the triage API
	$(VENV)/bin/ruff check triage_api tests
	$(VENV)/bin/ruff check --target-version py310 bot actions tests/bot
	$(VENV)/bin/mypy

eval-triage: $(VENV)/.installed ## Accuracy of the triage engine on the labelled sets in eval/
	$(PY) -m triage_api evaluate $(TRIAGE_SETS)

bench-triage: $(VENV)/.installed ## Speed of the triage engine: in-process p50/p95/max and batch CLI throughput
	$(PY) -m triage_api bench

bench-intake: $(VENV)/.installed ## Report intake rate and p50/p95 latency on PostgreSQL + Redis, with the Redis ceiling
	$(PY) -m triage_api bench-intake

bench: setup train ## Every benchmark in one run, one table with each figure beside its comparison: docs/benchmarks.md (~25 min)
	PYTHONPATH=$(CURDIR) $(PY) -m bot.benchmarks

lock: ## Re-pin requirements/*.txt from requirements/*.in (needs the registries)
	rm -rf /tmp/lock-api /tmp/lock-rasa
	$(PYTHON3) -m venv /tmp/lock-api && /tmp/lock-api/bin/pip install --quiet -r requirements/api.in
	(echo "# Generated by 'make lock' from requirements/api.in — do not edit by hand."; /tmp/lock-api/bin/pip freeze) > requirements/api.txt
	$(PYTHON310) -m venv /tmp/lock-rasa && /tmp/lock-rasa/bin/pip install --quiet 'pip>=23,<25' && /tmp/lock-rasa/bin/pip install --quiet -r requirements/rasa.in
	(echo "# Generated by 'make lock' from requirements/rasa.in — do not edit by hand."; /tmp/lock-rasa/bin/pip freeze) > requirements/rasa.txt

clean: ## Remove both environments and caches (models and data stay)
	rm -rf $(VENV) $(VENV_RASA) .pytest_cache .mypy_cache

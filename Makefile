# `make run` serves the site with demo data (and runs the worker beside it); `make test` runs every test;
# `make lint` runs ruff and mypy. All set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app diaspora
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test lint bench setup setup-dev serve translations-update translations-compile clean

# The worker (mail, reminders, retention) runs beside the web server; Ctrl-C stops both.
# `make run PORT=5001` when 5000 is taken; links in mail follow the port unless SITE_URL is set.
PORT ?= 5000
run: setup
	$(FLASK) db upgrade
	$(FLASK) build-gazetteer
	$(FLASK) seed-demo --if-empty
	export SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist), a test file each at a time (--dist loadfile);
# each has its own database (a SQLite file, or a PostgreSQL schema of its own) and lets the kernel choose ports.
TEST_WORKERS ?= auto
test: setup-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# ruff (style, likely bugs, import order) and mypy, both configured in pyproject.toml.
lint: setup-dev
	$(BIN)/ruff check diaspora tests bench migrations
	$(BIN)/mypy

bench: setup-dev
	$(BIN)/python bench/run.py

setup: $(VENV)/.installed static/vendor/.installed static/cache_manifest.json $(MO)

setup-dev: setup $(VENV)/.installed-dev node_modules/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# checkout.pth puts the checkout on the venv's path, so that `flask --app diaspora` finds the package from
# any folder of the checkout (flask looks for it in the current folder otherwise).
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/python -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "diaspora-checkout.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

# Leaflet and its plugins come from the npm registry and are served by the app: no CDN.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed Makefile
	rm -rf static/vendor
	mkdir -p static/vendor/leaflet static/vendor/leaflet.markercluster
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css static/vendor/leaflet/
	cp -r node_modules/leaflet/dist/images static/vendor/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css static/vendor/leaflet.markercluster/
	mkdir -p static/vendor/jsqr static/vendor/fonts
	cp node_modules/jsqr/dist/jsQR.js static/vendor/jsqr/
	# fonts for PDF tickets and badges (Cyrillic and Kyrgyz ө ү ң): read by the server, not the browser
	cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf static/vendor/fonts/
	touch $@

# Static files under content-hashed names, cached a year by browsers (diaspora/static_files.py): made again
# whenever a file of static/ changes. The hashed copies and the manifest are not in git.
DIGESTED := -name '*-$(subst x,[0-9a-f],xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx).*'
STATIC_SOURCES := $(shell find static/css static/js static/img -type f ! $(DIGESTED) 2>/dev/null)
static/cache_manifest.json: $(STATIC_SOURCES) static/vendor/.installed | $(VENV)/.installed
	$(BIN)/python -c 'from diaspora.static_files import build; build("static")'

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations-compile: $(MO)

# After adding or changing strings: extract them and merge into the ky/ru/en catalogues.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --sort-by-file --no-wrap .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO) static/cache_manifest.json
	find static -type f $(DIGESTED) -delete

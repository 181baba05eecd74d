# The commands of the README. Each creates or refreshes .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo/workspaces
DEMO_SAMPLE ?= maple-falls
DEMO_PORT ?= 8866

.PHONY: demo demo-workspace demo-reset hub test static check setup clean i18n i18n-check

# uv installs the project's packages: on this 2-core machine under load, 83 s against pip's 204 s. Every
# module is byte-compiled once here (about 10 s): where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machines) no import writes a .pyc, and each kernel, worker and server compiled pandas, matplotlib and
# the package from source again (a report batch's CPU: 51 -> 41 s for 18 communities). CI keeps no download cache.
UV_CACHE := $(if $(filter true,$(CI)),--no-cache,)
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip install --quiet $(UV_CACHE) --compile-bytecode --python $(BIN)/python -e '.[test,dev]'
	$(BIN)/python -m compileall -q -j 0 cswb_widgets > /dev/null
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	@$(MAKE) --no-print-directory demo-workspace
	@echo "The demo community is in $(DEMO_DIR)/$(DEMO_SAMPLE): your edits are kept ('make demo-reset' starts it over)."
	@echo "To type the README's 'cswb ...' commands in another terminal, first run:  . $(BIN)/activate"
	@echo "Ctrl-C stops the server."
	@$(BIN)/cswb serve --root $(DEMO_DIR) --port $(DEMO_PORT)

# The demo community, created from the sample only when missing: its edits survive the next `make demo`.
demo-workspace:
	@test -e $(DEMO_DIR)/$(DEMO_SAMPLE)/workspace.sqlite || $(BIN)/cswb init $(DEMO_DIR)/$(DEMO_SAMPLE) --from $(DEMO_SAMPLE)
	@$(BIN)/cswb validate $(DEMO_DIR)/$(DEMO_SAMPLE) > /dev/null 2>&1 || $(BIN)/cswb validate $(DEMO_DIR)/$(DEMO_SAMPLE)

# Start the demo community over from the sample (its edits are lost), then serve it.
demo-reset: $(STAMP)
	rm -rf $(DEMO_DIR)/$(DEMO_SAMPLE)
	$(MAKE) demo

# JupyterHub + the workbooks + PostgreSQL on loopback, for trying it out: four people, one printed
# password, two communities in one database (deploy/single-machine/try-locally.sh: a local cluster
# under demo/hub/postgres unless CSWB_DATABASE_URL or PGHOST names one). Needs configurable-http-proxy
# (npm install -g configurable-http-proxy) and Debian's postgresql package.
hub: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[hub]'
	BIN=$(BIN) deploy/single-machine/try-locally.sh

# The whole suite, after the static checks (CI runs this: the layering contracts hold there too).
# Two passes that together select every test once: the tests without a browser on
# $(TEST_WORKERS) workers (pytest-xdist; a file's tests stay on one worker, so its module
# fixtures are built once; each worker has its own temp folders, ports and PostgreSQL cluster),
# then the browser tests in one process (one server, one Chromium). Both passes always run.
TEST_WORKERS ?= 2
test: $(STAMP) static
	@status=0; \
	$(BIN)/python -m pytest -m "not browser" -n $(TEST_WORKERS) --dist loadfile || status=1; \
	$(BIN)/python -m pytest -m browser || status=1; \
	exit $$status

# Lint, types and the layering contracts of DESIGN.md (import-linter); about 20 s.
static: $(STAMP)
	@status=0; \
	echo "== ruff"; $(BIN)/ruff check . || status=1; \
	echo "== mypy"; $(BIN)/mypy || status=1; \
	echo "== lint-imports"; $(BIN)/lint-imports || status=1; \
	exit $$status

# Extract the apps' messages (babel.cfg, notebook markdown) into cswb_widgets/locale/apps.pot and
# update the French catalogue (new messages untranslated, changed ones fuzzy), then check it.
i18n: $(STAMP)
	$(BIN)/python -m cswb_widgets.i18n_catalogue extract
	@$(MAKE) --no-print-directory i18n-check

# Fails on a message without a French translation, a fuzzy one, placeholders ({name}, %s) that
# differ, or an apps message the sources have and the catalogue lacks.
i18n-check: $(STAMP)
	$(BIN)/python -m cswb_widgets.i18n_catalogue check

# The static checks, the catalogues, and the tests that are neither slow nor browser-driven.
check: $(STAMP) static i18n-check
	$(BIN)/python -m pytest -q -m "not slow and not browser"

clean:
	rm -rf $(VENV) demo

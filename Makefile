# The two commands of the README. Each creates or refreshes .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo/workspaces
DEMO_SAMPLE ?= maple-falls
DEMO_PORT ?= 8866

.PHONY: demo test setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_DIR)/$(DEMO_SAMPLE)
	$(BIN)/cswb init $(DEMO_DIR)/$(DEMO_SAMPLE) --from $(DEMO_SAMPLE)
	$(BIN)/cswb validate $(DEMO_DIR)/$(DEMO_SAMPLE)
	@echo "Starting the workbooks; open the address below in a browser. Ctrl-C stops the server."
	$(BIN)/cswb serve --root $(DEMO_DIR) --port $(DEMO_PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo

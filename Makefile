# SoundMosaic: `make up` runs the platform locally, `make test` runs every test.
# Both install what they need first (Python venv, ffmpeg from apt where missing).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := ffmpeg fluidsynth fluid-soundfont-gm timgm6mb-soundfont espeak-ng libsndfile1 chromium libchromaprint-tools
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: up test install install-dev system lint bench clean web api-contract booth-models

up: install web booth-models
	$(BIN)/soundmosaic up

test: install-dev web lint-cfn
	$(BIN)/ruff check .
	$(BIN)/mypy
	cd web && npm test
	$(BIN)/pytest -q --durations=25

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

$(VENV)/.base: pyproject.toml requirements/no-deps.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0  # the CPU wheel, before anything pulls a CUDA build
	$(BIN)/pip install -q -e '.[local,audio,studio,royalties,writers,sieb,booth]'
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements/no-deps.txt
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m soundmosaic_local.booth_models
	touch $@

# The booth's MediaPipe models, copied out of the mediapipe 0.10.21 wheel (sha256-checked; see
# docs/booth.md, "Engines"). `make up` and `make install-dev` run it.
booth-models: $(VENV)/.base
	$(BIN)/python -m soundmosaic_local.booth_models

install: system $(VENV)/.base

install-dev: system $(VENV)/.dev

# The web app: npm ci when the lockfile changed, a build when a source changed.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
               web/package.json web/tsconfig.json web/tsconfig.node.json

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

# After changing an API route or model: save web/openapi.json and regenerate the SPA's types.
api-contract: install-dev web/node_modules/.package-lock.json
	$(BIN)/python -m tests.unit.api.test_openapi_contract

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .data cdk.out .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist

# --- CDK app (infra/) ------------------------------------------------------------------------
# Paste into the top Makefile; uses its VENV/BIN variables and install-dev target.
# The CDK v2 CLI (aws-cdk@2, never 3.x) lives in the ignored .cdk-cli/ folder. Synth is offline:
# it stages assets (the ffmpeg image's Docker context included) but builds and uploads nothing.
CDK_CLI_DIR := .cdk-cli
CDK         := $(CDK_CLI_DIR)/node_modules/.bin/cdk
STAGE       ?= dev
CDK_CONTEXT ?= -c stage=$(STAGE)
CDK_ENV     := PATH="$(CURDIR)/$(BIN):$$PATH" CDK_DISABLE_CLI_TELEMETRY=true

.PHONY: synth lint-cfn

$(CDK):
	npm install --no-audit --no-fund --prefix $(CDK_CLI_DIR) aws-cdk@2

synth: install-dev $(CDK)
	rm -rf cdk.out  # stale templates of another context (gpu=true) would be linted too
	$(CDK_ENV) $(CDK) synth -q --no-notices $(CDK_CONTEXT)

lint-cfn: synth
	$(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json

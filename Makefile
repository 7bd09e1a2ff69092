# 딥러닝 아키텍처: set up, open and verify the course.
#   make lab      open the course in JupyterLab
#   make test     re-run every notebook and compare it with its stored outputs, plus the unit tests
#   make format   after editing prose: normalize the stored notebooks and regenerate the navigation (runs nothing)
#   make outputs  re-execute notebooks in place, the only way stored outputs are made
#                 (all of them, or NB="notebooks/06_training.ipynb notebooks/07_prediction.ipynb")
#   make lock     re-pin requirements.lock and environment.yml after editing requirements.in
#   make browser-test  every notebook in JupyterLab in headless Chromium (screenshots: artifacts/browser/)
#   make binder-check  build Binder's environment from binder/ alone (no Docker) and run lessons in it
#   make budget   time and memory of every notebook, training speed (reported)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The environment is reinstalled only when the pins change: the stamp's name carries their digest.
PINS_DIGEST := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('requirements.lock','rb').read() + open('pyproject.toml','rb').read()).hexdigest()[:16])")
STAMP := $(VENV)/.installed-$(PINS_DIGEST)
# TensorFlow's settings (TF_CPP_MIN_LOG_LEVEL, TF_ENABLE_ONEDNN_OPTS) have one home,
# helpers/environment.py: the tools, the tests' conftest and every lesson's setup cell apply it.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
UV_VERSION := 0.13.9
# Memory limit shown in JupyterLab's status bar (jupyter-resource-usage): Binder's 2 GB.
MEM_LIMIT ?= 2147483648
# Notebooks `make outputs` re-executes (default: all; the tool finds them by their NN_name pattern).
NB ?=

.PHONY: setup lab test unit format outputs navigation lock clean binder-check budget browser-test

# JupyterLab settings shared with Binder (binder/overrides.json): no news feed, no update check,
# a notebook's kernel shuts down when its tab is closed.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

setup: $(STAMP) $(LAB_SETTINGS)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	@rm -f $(VENV)/.installed-*
	@touch $@

$(LAB_SETTINGS): binder/overrides.json $(STAMP)
	@mkdir -p $(@D)
	cp binder/overrides.json $@

lab: setup
	MEM_LIMIT=$(MEM_LIMIT) $(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) notebooks/00_index.ipynb

# The browser tests (tests/browser) are left out here (pyproject's addopts): `make browser-test`.
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadscope --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

unit: setup
	$(BIN)/python -m pytest -n 2 tests

format: setup
	$(BIN)/python tools/navigation.py
	$(BIN)/python tools/execute_notebooks.py --format-only

outputs: setup
	$(BIN)/python tools/execute_notebooks.py $(NB)

navigation: setup
	$(BIN)/python tools/navigation.py

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile --universal --python-version 3.11 --quiet \
		--custom-compile-command "make lock" requirements.in -o requirements.lock
	$(BIN)/python tools/environment_file.py

binder-check: setup
	$(BIN)/python tools/binder_check.py

budget: setup
	$(BIN)/python tools/budget.py $(BUDGET_FLAGS)

# Debian's chromium for the browser tests, and a Korean font so screenshots show Hangul (as root).
BROWSER_PACKAGES := /usr/bin/chromium /usr/share/fonts/truetype/nanum/NanumGothic.ttf
$(BROWSER_PACKAGES):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-nanum

# pytest-playwright drives /usr/bin/chromium (tests/browser/conftest.py); traces of failed tests
# go to artifacts/browser/failures/ (the plugin empties that folder first).
browser-test: setup $(BROWSER_PACKAGES)
	$(BIN)/python -m pytest tests/browser --output artifacts/browser/failures \
		--tracing retain-on-failure --screenshot only-on-failure

clean:
	rm -rf $(VENV) .pytest_cache

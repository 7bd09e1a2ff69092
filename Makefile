# 딥러닝 아키텍처: set up, open and verify the course.
#   make lab      open the course in JupyterLab
#   make test     re-run every notebook and compare it with its stored outputs, plus the unit tests
#   make outputs  re-execute every notebook in place (the only way stored outputs are made)
#   make lock     re-pin requirements.lock and environment.yml after editing requirements.in
#   make binder-check  build Binder's environment from binder/ alone (no Docker) and run lessons in it
#   make budget   time and memory of every notebook, training speed (BUDGET_FLAGS=--make-test: + make test)
#   make browser-test  run every notebook in JupyterLab in headless Chromium (screenshots: artifacts/browser/)
#   make compat   run every notebook on each version set: lock, oldest supported, Colab's (SETS=oldest: some)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The environment is reinstalled only when the pins change: the stamp's name carries their digest.
PINS_DIGEST := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('requirements.lock','rb').read() + open('pyproject.toml','rb').read()).hexdigest()[:16])")
STAMP := $(VENV)/.installed-$(PINS_DIGEST)
# Quiet TensorFlow in every process started from here (kernels set the same in their setup cell).
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
UV_VERSION := 0.13.9

.PHONY: setup lab test unit notebooks outputs navigation lock clean binder-check budget browser-test compat

# JupyterLab settings shared with Binder (binder/overrides.json): no news feed, no update check.
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

lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) notebooks/00_index.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests

outputs: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

navigation: $(STAMP)
	$(BIN)/python tools/navigation.py

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile --universal --python-version 3.11 --quiet \
		--custom-compile-command "make lock" requirements.in -o requirements.lock
	$(BIN)/python tools/environment_file.py

binder-check: $(STAMP)
	$(BIN)/python tools/binder_check.py

budget: $(STAMP)
	$(BIN)/python tools/budget.py $(BUDGET_FLAGS)

# Installs Debian's chromium with apt-get when /usr/bin/chromium is missing (as root).
browser-test: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/python tools/browser_test.py

# Fresh venvs under build/compat/, reused while a set's pins are unchanged (tools/compat.py).
SETS ?= lock,oldest,colab
compat: $(STAMP)
	$(BIN)/python tools/compat.py --sets $(SETS)

clean:
	rm -rf $(VENV) .pytest_cache

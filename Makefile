# 딥러닝 아키텍처: set up, open and verify the course.
#   make lab      open the course in JupyterLab
#   make test     re-run every notebook and compare it with its stored outputs, plus the unit tests
#   make outputs  re-execute every notebook in place (the only way stored outputs are made)
#   make lock     re-pin requirements.lock and environment.yml after editing requirements.in
#   make binder-check  build Binder's environment from binder/ alone (no Docker) and run lessons in it
#   make budget   time and memory of every notebook, training speed (BUDGET_FLAGS=--make-test: + make test)
#   make browser-test  run every notebook in JupyterLab in headless Chromium (screenshots: artifacts/browser/)
#   make student  the student edition (solutions replaced by empty cells): build/student/ and build/student.zip
#   make student-check  the student edition, then run each of its notebooks top to bottom
#   make guide    measure every lesson and regenerate the tables of docs/instructor_guide.md
#   make site     the course website from the stored outputs (build/site/_build/html), offline
#   make site-check  load every page of the site in headless Chromium (screenshots: artifacts/site/)
#   make hub-check  a real JupyterHub on 127.0.0.1: three students pull the course with nbgitpuller and train at once

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

.PHONY: setup lab test unit notebooks outputs navigation lock clean binder-check budget browser-test \
	student student-check site site-check guide hub-check

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

# The student edition is a build product, never committed (see README, 학생용 배포판).
student: $(STAMP)
	$(BIN)/python tools/student.py $(STUDENT_FLAGS)

# Runs every edition notebook in a fresh kernel (as long as make test itself): CI runs it, make test does not.
student-check: $(STAMP)
	$(BIN)/python tools/student.py --execute

# Runs every lesson once (as make budget does) to measure it: about as long as make test.
guide: $(STAMP)
	$(BIN)/python tools/instructor_guide.py

# The website's toolchain lives in its own venv, so the course's environment does not grow.
SITE_VENV := build/site-venv
SITE_DIGEST := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('site/requirements.txt','rb').read()).hexdigest()[:16])")
SITE_STAMP := $(SITE_VENV)/.installed-$(SITE_DIGEST)
MATHJAX := build/site-npm/node_modules/mathjax/es5/tex-chtml.js

$(SITE_STAMP): site/requirements.txt
	@test -x $(SITE_VENV)/bin/python || $(PYTHON) -m venv $(SITE_VENV)
	$(SITE_VENV)/bin/python -m pip install --quiet -r site/requirements.txt
	@rm -f $(SITE_VENV)/.installed-*
	@touch $@

$(MATHJAX): site/package.json site/package-lock.json
	@mkdir -p build/site-npm
	cp site/package.json site/package-lock.json build/site-npm/
	cd build/site-npm && npm ci --no-audit --no-fund --quiet
	@touch $@

site: $(SITE_STAMP) $(MATHJAX)
	$(SITE_VENV)/bin/python tools/build_site.py

# Playwright (from the course's environment) drives Debian's /usr/bin/chromium.
site-check: $(STAMP) site
	$(BIN)/python -m pytest -p no:xdist -p no:cacheprovider site/tests
# Installs configurable-http-proxy (npm, into build/hub/node) and build/hub-venv when missing.
# HUB_CHECK_FLAGS=--students 5, or --fail-at STEP to see a failed step leave no process behind.
hub-check: $(STAMP)
	$(BIN)/python tools/hub_check.py $(HUB_CHECK_FLAGS)

clean:
	rm -rf $(VENV) .pytest_cache

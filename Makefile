# 딥러닝 아키텍처: set up, open and verify the course.
#   make lab      open the course in JupyterLab
#   make test     re-run every notebook (trained with a shifted seed) and compare it with its stored
#                 outputs, plus the unit tests
#   make lint     ruff: lint (Python files and the lessons' code cells) and format check
#   make format   after editing prose: normalize the stored notebooks and regenerate the navigation (runs nothing)
#   make outputs  re-execute notebooks in place, the only way stored outputs are made
#                 (all of them, or NB="notebooks/06_training.ipynb notebooks/07_prediction.ipynb")
#   make lock     re-pin requirements.lock and environment.yml after editing requirements.in
#   make browser-test  the lessons with widgets in JupyterLab in headless Chromium (screenshots: artifacts/browser/)
#   make binder-env    Binder's environment alone (from the lock and binder/) in build/binder-env, committed
#                      to the branch binder (then: git push origin binder)
#   make binder-check  build Binder's image from the branch binder (no Docker; nox -s binder), pull the
#                      lessons with nbgitpuller as a launch link does, and run lessons 00 and 06 in it
#   make budget   time and memory of every notebook, training speed (reported)
#   make memory-limits  the smallest memory-cgroup limit each lesson completes in, by bisection (slow)
#   make student  the student edition (solutions replaced by empty cells): build/student/ and build/student.zip
#   make student-check  the student edition installed on its own (nox -s student), each of its notebooks
#                 run top to bottom
#   make guide    from docs/measurements.json: the tables of docs/instructor_guide.md and each lesson's 예상 시간
#   make site     the course website from the stored outputs (build/site/_build/html; nox -s site)
#   make site-check  load every page of the site in headless Chromium (screenshots: artifacts/site/)
#   make hub-check  a real JupyterHub on 127.0.0.1 (as root): three students, each a Unix user of their own, pull
#                 the course with nbgitpuller and train at once; idle kernels and servers are culled
#   make compat   every notebook on each version set, each on its own Python (nox): oldest supported,
#                 Colab's, the lock on 3.11 and 3.13 (SETS=oldest,colab: some sets; NB="notebooks/05_model.ipynb":
#                 some notebooks; COMPAT_FLAGS=--record: results go to docs/measurements.json and the table
#                 to docs/CONTRIBUTING.md when all four ran every notebook and passed)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The environment is reinstalled only when the pins are newer than its last install (make's own rule).
STAMP := $(VENV)/.installed
# TensorFlow's settings (TF_CPP_MIN_LOG_LEVEL, TF_ENABLE_ONEDNN_OPTS) have one home,
# helpers/environment.py: the tools, the tests' conftest and every lesson's setup cell apply it.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# Memory limit shown in JupyterLab's status bar (jupyter-resource-usage): Binder's 2 GB.
MEM_LIMIT ?= 2147483648
# Notebooks `make outputs` re-executes (default: all; the tool finds them by their NN_name pattern).
NB ?=

.PHONY: setup lab test lint unit format outputs navigation lock clean binder-env binder-check budget browser-test \
	student student-check site site-check guide hub-check compat \
	memory-limits

# JupyterLab settings shared with Binder (binder/overrides.json): no news feed, no update check,
# a notebook's kernel shuts down when its tab is closed.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

setup: $(STAMP) $(LAB_SETTINGS)

# A Python outside pyproject.toml's range is refused before anything is built or installed: the
# one named by PYTHON=, else the one .venv already has, else python3 (tools/python_check.py).
CHECKED_PYTHON := $(if $(filter file,$(origin PYTHON)),$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)),$(PYTHON))
.PHONY: python-check
python-check:
	@$(CHECKED_PYTHON) tools/python_check.py

$(STAMP): requirements.lock pyproject.toml | python-check
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	@touch $@

$(LAB_SETTINGS): binder/overrides.json $(STAMP)
	@mkdir -p $(@D)
	cp binder/overrides.json $@

lab: setup
	MEM_LIMIT=$(MEM_LIMIT) $(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(ROOT_FLAG) notebooks/00_index.ipynb

# The browser tests (tests/browser) are left out here (pyproject's addopts): `make browser-test`.
# Kernels train with Keras' seed shifted by SEED_SHIFT (tests/shifted_seed), as on a CPU whose
# arithmetic moves the weights: the stored outputs must pass on any CPU (SEED_SHIFT=0: the lessons'
# own seed). A model a lesson saved in notebooks/ (07's mnist_model.keras) is removed first.
SEED_SHIFT ?= 1
test: setup
	rm -f notebooks/*.keras
	DLA_SEED_SHIFT=$(SEED_SHIFT) $(BIN)/python -m pytest -n 2 --dist loadscope --nbval --nbval-current-env \
		--nbval-sanitize-with nbval_sanitize.cfg tests notebooks

# ruff (pyproject.toml's [tool.ruff]): lint of every Python file and the lessons' code cells, and the
# format of the Python files (the lessons' cells keep the post's own style).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: setup
	$(BIN)/python -m pytest -n 2 tests

format: setup
	$(BIN)/python tools/navigation.py
	$(BIN)/python tools/execute_notebooks.py --format-only

outputs: setup
	$(BIN)/python tools/execute_notebooks.py $(NB)

navigation: setup
	$(BIN)/python tools/navigation.py

# uv comes from the lock itself (requirements.in pins it), so the resolver's version is pinned there.
lock: $(STAMP)
	$(BIN)/uv pip compile --universal --python-version 3.11 --quiet \
		--custom-compile-command "make lock" requirements.in -o requirements.lock
	$(BIN)/python tools/environment_file.py

# The launch links start the image of the branch binder and pull the lessons into it, so a change to
# the lessons never rebuilds the image; on GitHub the workflow binder-env regenerates and pushes the
# branch when the lock or binder/ changes on main (ghp-import: the checkout is left alone).
binder-env: $(STAMP)
	$(BIN)/python tools/binder_env.py

# nox's binder session: a fresh environment from the branch's environment.yml alone (build/nox/binder).
# BINDER_CHECK_FLAGS="--drop tensorflow-cpu" proves the check fails when the image lacks a package.
binder-check: setup
	$(BIN)/nox -s binder -- $(BINDER_CHECK_FLAGS)

budget: setup
	$(BIN)/python tools/budget.py $(BUDGET_FLAGS)

# Each lesson's kernel in a memory cgroup, as a hub limits a student, at limits found by bisection
# (about seven runs of every lesson, so not in CI); writes docs/measurements.json (make guide and the
# z2jh config's test read it). Needs Linux, root and a memory cgroup; elsewhere it says so and exits 0.
memory-limits: setup
	$(BIN)/python tools/memory_limit.py $(LIMITS_FLAGS)

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

# The student edition is a build product, never committed (see README, 학생용 배포판).
student: $(STAMP)
	$(BIN)/python tools/student.py $(STUDENT_FLAGS)

# nox's student session (build/nox/student): the edition installed as its own Makefile does, then every
# edition notebook in a fresh kernel there (as long as make test itself; make test does not run it).
student-check: $(STAMP)
	$(BIN)/nox -s student

# The guide renders from docs/measurements.json (make budget, make memory-limits) and measures nothing.
guide: setup
	$(BIN)/python tools/instructor_guide.py
	$(BIN)/python tools/navigation.py

# The website's toolchain lives in nox's site session (build/nox/site: site/requirements.txt and
# MathJax from npm), so the course's environment does not grow.
site: $(STAMP)
	$(BIN)/nox -s site

# Playwright (from the course's environment) drives Debian's /usr/bin/chromium.
site-check: setup site $(BROWSER_PACKAGES)
	$(BIN)/python -m pytest -p no:xdist -p no:cacheprovider site/tests

# nox's hub session: build/nox/hub (the lock plus the hub's packages, reused between runs) and
# configurable-http-proxy from npm (build/hub/node), then tools/hub_check.py. HUB_CHECK_FLAGS="--students 5",
# or "--fail-at STEP" to see a failed step leave no process, user or home behind.
hub-check: $(STAMP)
	$(BIN)/nox -s hub -- $(HUB_CHECK_FLAGS)

# The version matrix is noxfile.py's sessions (fresh uv environments under build/nox/); the table
# is printed, also when a run failed, from nox's report and each run's record in build/compat/.
SETS ?= oldest,colab,lock
comma := ,
compat: $(STAMP)
	@test -x $(BIN)/nox || { echo "make compat: nox is not in $(VENV): requirements.lock must list nox[uv] (make setup installs it)"; exit 1; }
	@mkdir -p build/compat && rm -f build/compat/nox.json
	$(BIN)/nox --report build/compat/nox.json -s $(subst $(comma), ,$(SETS)) $(if $(NB),-- $(NB)); status=$$?; \
		$(BIN)/python tools/compat.py report $(COMPAT_FLAGS) || status=1; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache

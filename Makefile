# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
NPM_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)
HOST   ?= 0.0.0.0
PORT   ?= 5000

WORKERS ?= 2

.PHONY: install packages-run packages-test run run-scaled demo-month test bench clean

install: $(STAMP) $(NPM_STAMP)

# Debian packages (python3-venv, npm, espeak-ng, redis-server; chromium, fonts-noto-cjk and
# postgresql for the tests): installed as root or with sudo, else one line saying what to run.
packages-run:
	@bash deploy/debian-packages run
packages-test:
	@bash deploy/debian-packages test

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Front-end packages (socket.io-client …) come from npm and are served by the hall itself.
$(NPM_STAMP): package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed (Debian: apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $(NPM_STAMP)

run: packages-run install
	$(PY) run.py --demo --host $(HOST) --port $(PORT)

# The demo on $(WORKERS) gunicorn workers with Redis between them (a private redis-server) and
# the serial devices in a process of their own (run.py devices serve), as deploy/ runs a hall.
run-scaled: packages-run install
	$(PY) run.py --demo --workers $(WORKERS) --host $(HOST) --port $(PORT)

# The demo with a month of simulated busy days behind it, for /manager/stats.
demo-month: packages-run install
	$(PY) run.py simulate --days 30 --db var/demo-month.db --force
	$(PY) run.py --demo --db var/demo-month.db --host $(HOST) --port $(PORT)

# Two processes for most tests (CI has two cores), then the few that time themselves, alone.
TEST_PROCESSES ?= 2
test: packages-test install
	$(PY) -m pytest -q -n $(TEST_PROCESSES) -m "not serial"
	$(PY) -m pytest -q -m serial

bench: packages-test install
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules var .pytest_cache test-artifacts

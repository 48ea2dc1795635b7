# lava-delays: set-up, demo, tests, benchmarks.
# lava-nc 0.10 / lava-dl 0.6 need Python 3.10; the machine default may be newer,
# so look for a 3.10 interpreter (PATH, pyenv, system) and build .venv with it.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out

PYTHON310 ?= $(shell for c in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 \
	/usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$c -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1 \
	&& { echo $$c; break; }; done)

.PHONY: install demo test bench tutorials clean-venv

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
	  if [ -z "$(PYTHON310)" ]; then \
	    echo "error: Python 3.10 not found (lava-nc 0.10 needs it). Install it, e.g. 'pyenv install 3.10', or run 'make PYTHON310=/path/to/python3.10'." >&2; exit 1; \
	  fi; \
	  echo "creating $(VENV) with $(PYTHON310)"; \
	  "$(PYTHON310)" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: install
	$(VENV)/bin/lava-delays demo --out $(OUT)/demo

test: install
	$(PY) -m pytest -q

# every benchmark at smoke-test size (--quick, a few minutes); the full-size
# study behind a table in docs/results.md: lava-delays bench NAME --out DIR
bench: install
	for name in $$($(VENV)/bin/lava-delays bench list); do \
	  $(VENV)/bin/lava-delays bench $$name --quick --out $(OUT)/bench-quick/$$name || exit 1; \
	done

# execute every tutorial notebook in place at full size (the stored outputs;
# a few minutes each on 2 cores); what they write goes to tutorials/tutorial_out/
tutorials: install
	cd tutorials && env -u LAVA_DELAYS_TUTORIAL_SMALL ../$(PY) -m jupyter nbconvert \
	  --to notebook --execute --inplace --ExecutePreprocessor.timeout=3600 \
	  --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.record_timing=False \
	  *.ipynb

clean-venv:
	rm -rf $(VENV)

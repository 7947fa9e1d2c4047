# make book : set up .venv and build the book (offline when ../shared/data/imdb is present)
# make test : set up .venv and run the whole test suite
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
SHARED_IMDB := $(abspath ../shared/data/imdb)

# Offline classroom: local IMDB parquet + the packaged encoder, no hub.
ifneq ($(wildcard $(SHARED_IMDB)/train.parquet),)
export SENTIMENT_DATA_DIR ?= $(SHARED_IMDB)
export SENTIMENT_MODEL ?= offline
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
endif
export TOKENIZERS_PARALLELISM ?= false
export MPLBACKEND ?= Agg

.PHONY: setup book test test-fast clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0   # the CPU build; an unpinned torch pulls CUDA
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

test: setup
	$(BIN)/python -m pytest --durations=25

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf _build

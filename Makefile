# make book : set up .venv and build the book (offline when ../shared/data/imdb is present: sentiment_lib/environment.py)
# make test : set up .venv and run the whole test suite
# make hub  : the course on a JupyterHub on this machine, as root (docs/hub.md; HUB_ARGS="--port 8000 ...")
# make image: the single-user image deploy/z2jh/values.yaml names (deploy/image/Dockerfile; needs docker)
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
# Which torch each path gets: here (make setup, .ci/run) and in .github/workflows/book.yml the CPU-only
# build from PyTorch's CPU index; binder/requirements.txt the same; Colab keeps its own (CUDA) torch.
# The default index's Linux torch is the CUDA build (gigabytes of GPU libraries): for a GPU, run
# `make setup TORCH_INDEX=https://download.pytorch.org/whl/cu128` (or pip install torch yourself).
TORCH_VERSION ?= 2.13.0
TORCH_INDEX   ?= https://download.pytorch.org/whl/cpu

# The run-time environment, defined once in sentiment_lib/environment.py: offline (the classroom's
# ../shared/data/imdb, the packaged encoder, no hub) when that folder holds the IMDB parquet files, else
# only TOKENIZERS_PARALLELISM=false and MPLBACKEND=Agg; variables already set win. The module needs only
# the standard library, so the system $(PYTHON) runs it from the checkout before .venv exists (make setup
# on a new machine). Should it fail, nothing is exported and the Python entry points (scripts/build_book.py,
# tests/conftest.py, deploy/hub) still apply the same environment themselves.
$(foreach kv,$(shell PYTHONPATH=. $(PYTHON) -m sentiment_lib.environment --make),$(eval export $(kv)))
# Python writes the bytecode of each module it imports (the book's packages are installed with
# --no-compile: byte-compiling every installed file took over a minute, most of it never imported).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup setup-book book demo-js test test-fast clean repository-url hub image

# Two stages: what the book needs (the library, the offline encoder, Jupyter Book), then everything
# the tests, the grading tool and the hub need. `make book` installs only the first (a minute less).
setup: $(VENV)/.installed
setup-book: $(VENV)/.installed-book

$(VENV)/.installed-book: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile --retries 2 --no-deps torch==$(TORCH_VERSION) --index-url $(TORCH_INDEX)  # its small pure-Python dependencies come from PyPI next
	$(BIN)/python -m pip install --quiet --no-compile -e ".[book]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(BIN)/python scripts/warm_bytecode.py  # the bytecode of what the book imports, two processes at once
	touch $@

$(VENV)/.installed: $(VENV)/.installed-book
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# npm ci: the JavaScript that chapter 5's in-browser demo runs (package-lock.json pins it); without npm
# the book still builds and the demo's box says how to run the model in Python instead. It downloads
# while pip installs (make -j2).
# scripts/build_book.py: jupyter-book build . -W -n --keep-going, as the tests and the published site build it
book:
	@$(MAKE) --no-print-directory -j2 setup-book demo-js
	$(BIN)/python scripts/build_book.py

demo-js:
	@if command -v npm >/dev/null && [ ! -f node_modules/@huggingface/transformers/dist/transformers.min.js ]; then \
		npm ci --ignore-scripts --no-audit --no-fund; fi

# The slowest tests' times stay behind as an artifact: $(REPORTS)/junit.xml (every test's time) and
# $(REPORTS)/durations.txt (the 50 slowest), under a git-ignored folder that CI keeps.
REPORTS ?= .ci/reports
test: setup
	@mkdir -p $(REPORTS)
	$(BIN)/python -m pytest --durations=50 --junitxml=$(REPORTS)/junit.xml --durations-file=$(REPORTS)/durations.txt

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

# configurable-http-proxy from node_modules (package-lock.json pins it); the hub runs until Ctrl-C
hub: setup
	@[ -x node_modules/.bin/configurable-http-proxy ] || npm ci --ignore-scripts --no-audit --no-fund
	$(BIN)/python deploy/hub/up.py $(HUB_ARGS)

clean:
	rm -rf _build

# The course on Kubernetes runs this image (deploy/z2jh/values.yaml's singleuser.image: name and tag,
# which tests/test_image.py keeps equal to IMAGE and IMAGE_TAG); push it with `docker push $(IMAGE):$(IMAGE_TAG)`.
IMAGE     ?= ghcr.io/distilbert-course/sentiment-analysis
IMAGE_TAG ?= main
image:
	docker build -f deploy/image/Dockerfile -t $(IMAGE):$(IMAGE_TAG) .

# After changing repository.url (or .branch) in _config.yml: rewrite every copy of the address.
repository-url: setup
	$(BIN)/python scripts/set_repository_url.py

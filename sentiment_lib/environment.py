"""The course's run-time environment, defined once: offline (local IMDB data, packaged encoder, no hub).

Every place that runs the course sets it from here: the Makefile and ``.ci/run`` (through
``python -m sentiment_lib.environment``), ``scripts/build_book.py``, ``tests/conftest.py``, the
grading course (``course_grading.simulated.course``), the grading sandbox's list of kept variables,
the one-machine hub (``deploy/hub/jupyterhub_config.py``) and its browser test, the benchmarks.
``deploy/z2jh/values.yaml`` and ``.github/workflows/book.yml`` cannot import Python: they spell the
keys out and ``tests/test_environment.py`` checks them against :func:`offline_environment`.

One rule for who wins:

* by default a variable already set in the environment wins (``setdefault``): a reader's
  ``SENTIMENT_MODEL=tiny make book`` is honoured;
* ``enforce=True`` (where the course runs learners' code: grading, the hub's servers) forces the
  switches (:data:`SWITCHES`: no hub, one tokenizer thread, no GUI backend) whatever the
  environment says; the data and the model (:data:`CHOICES`) stay the caller's choice.

Run as a module it prints the environment for a shell or for make; it needs only the standard
library, so the system ``python3`` runs it before ``.venv`` exists (``make setup`` on a new machine)::

    eval "$(PYTHONPATH=. python3 -m sentiment_lib.environment --offline)"   # export K=V lines
    PYTHONPATH=. python3 -m sentiment_lib.environment --make               # K=V tokens, for the Makefile
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

DATA_ENV = "SENTIMENT_DATA_DIR"  # as sentiment_lib.data.DATA_ENV (not imported: that module needs pandas)
MODEL_ENV = "SENTIMENT_MODEL"  # as sentiment_lib.checkpoints.MODEL_ENV

#: The run-time defaults every place sets, offline or not.
RUNTIME = {"TOKENIZERS_PARALLELISM": "false", "MPLBACKEND": "Agg"}
#: No hub at all: models, tokenizers and data sets come from local files only.
HUB_OFF = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
#: The variables ``enforce=True`` forces.
SWITCHES = (*HUB_OFF, *RUNTIME)
#: The variables that stay the caller's choice: the IMDB parquet folder and the model.
CHOICES = (DATA_ENV, MODEL_ENV)
#: Every variable of the course's run-time environment.
KEYS = (*CHOICES, *SWITCHES)

#: The classroom's copy of the IMDB parquet files, relative to the folder that holds the checkout.
SHARED_IMDB = Path("shared", "data", "imdb")
CHECKOUT = Path(__file__).resolve().parents[1]  # the repository in a checkout or an editable install


def shared_imdb(root: str | os.PathLike | None = None) -> Path | None:
    """The classroom's ``../shared/data/imdb`` beside the checkout ``root``, if it holds ``train.parquet``.

    ``root`` defaults to the checkout this module belongs to (an installed wheel has none: ``None``).

    >>> shared_imdb("/no/such/checkout") is None
    True
    """
    folder = (Path(root) if root is not None else CHECKOUT).resolve().parent / SHARED_IMDB
    return folder if (folder / "train.parquet").is_file() else None


def offline_environment(data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """The offline run-time environment for the IMDB parquet folder ``data_dir``.

    ``data_dir`` defaults to the classroom's shared copy (:func:`shared_imdb`); where there is none
    either, ``SENTIMENT_DATA_DIR`` is left out (``load_imdb`` then says where to put the files).

    >>> env = offline_environment("/srv/data/imdb")
    >>> env["SENTIMENT_DATA_DIR"], env["SENTIMENT_MODEL"], env["HF_DATASETS_OFFLINE"]
    ('/srv/data/imdb', 'offline', '1')
    >>> sorted(env) == sorted(KEYS)
    True
    """
    return _offline(data_dir if data_dir is not None else shared_imdb())


def _offline(data_dir: str | os.PathLike | None) -> dict[str, str]:
    data = {DATA_ENV: os.fspath(data_dir)} if data_dir is not None else {}
    return {**data, MODEL_ENV: "offline", **HUB_OFF, **RUNTIME}


def course_environment(environ: Mapping[str, str] | None = None, *, offline: bool | None = None,
                       enforce: bool = False, root: str | os.PathLike | None = None) -> dict[str, str]:
    """The course's variables (:data:`KEYS`) for a process started from ``environ`` (default ``os.environ``).

    ``offline``: ``True`` always (tests, grading, the hub, benchmarks); ``None`` only when the
    classroom's shared IMDB copy beside ``root`` exists (the Makefile, the book build: the Pages
    workflow builds from the hub's data), else just the run-time defaults (:data:`RUNTIME`).
    Values ``environ`` sets win, except the :data:`SWITCHES` with ``enforce=True``.
    Returns only these keys: merge it into a full environment (``{**os.environ, **result}``).

    >>> course_environment({"SENTIMENT_MODEL": "tiny", "MPLBACKEND": "pdf"}, offline=True, root="/none")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'SENTIMENT_MODEL': 'tiny', 'HF_HUB_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1',
     'TOKENIZERS_PARALLELISM': 'false', 'MPLBACKEND': 'pdf'}
    >>> course_environment({"MPLBACKEND": "pdf"}, offline=True, enforce=True, root="/none")["MPLBACKEND"]
    'Agg'
    >>> course_environment({}, root="/none")  # no shared copy: not offline
    {'TOKENIZERS_PARALLELISM': 'false', 'MPLBACKEND': 'Agg'}
    """
    environ = os.environ if environ is None else environ
    shared = shared_imdb(root)
    if offline is None:
        offline = shared is not None
    defaults = _offline(shared) if offline else RUNTIME
    env = {key: environ[key] for key in KEYS if key in environ}
    for key, value in defaults.items():
        if enforce and key in SWITCHES:
            env[key] = value
        else:
            env.setdefault(key, value)
    return {key: env[key] for key in KEYS if key in env}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment_lib.environment", description=(
        "Print the course's run-time environment (values already set win): offline when the classroom's "
        "../shared/data/imdb exists beside the checkout, or always with --offline."))
    parser.add_argument("--offline", action="store_true", help="offline even without the shared IMDB copy")
    parser.add_argument("--make", action="store_true",
                        help="K=V tokens, one a line, for the Makefile ($(foreach ... $(eval export ...)))")
    args = parser.parse_args(argv)
    env = course_environment(offline=True if args.offline else None)
    for key, value in env.items():
        print(f"{key}={value}" if args.make else f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

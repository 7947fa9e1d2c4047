"""The run-time environment is defined once (``sentiment_lib.environment``) and every place uses it.

Its output (keys, values, who wins), the command line the Makefile and ``.ci/run`` call (standard
library only, so it runs before ``.venv`` exists), the Makefile's exports, that no other file sets the
hub switches itself, and that the files that cannot import Python (the Zero to JupyterHub values, the
Pages workflow) spell out the same environment.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sentiment_lib.environment import (
    CHOICES, KEYS, RUNTIME, SHARED_IMDB, SWITCHES, course_environment, offline_environment, shared_imdb,
)

ROOT = Path(__file__).resolve().parents[1]
# every place that runs the course, each of which must take its environment from the library
PLACES = ["scripts/build_book.py", "tests/conftest.py", "course_grading/simulated/course.py", "course_grading/sandbox.py",
          "deploy/hub/jupyterhub_config.py", "tests/hub_browser.py", "benchmarks/_common.py",
          "tests/test_faults_training.py", "tests/test_distributed.py", "tests/test_faults_data.py", "tests/test_cli.py"]
CODE_DIRS = ["sentiment_lib", "course_grading", "scripts", "benchmarks", "deploy", "tests", "_ext", ".ci", ".github"]


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A checkout with the classroom's IMDB folder beside it."""
    (tmp_path / "main").mkdir()
    (tmp_path / SHARED_IMDB).mkdir(parents=True)
    (tmp_path / SHARED_IMDB / "train.parquet").write_bytes(b"")
    return tmp_path / "main"


def test_offline_environment_is_the_whole_offline_set():
    assert offline_environment("/data/imdb") == {
        "SENTIMENT_DATA_DIR": "/data/imdb", "SENTIMENT_MODEL": "offline", "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "MPLBACKEND": "Agg"}
    assert set(KEYS) == set(CHOICES) | set(SWITCHES) and not set(CHOICES) & set(SWITCHES)
    assert offline_environment(Path("rel/imdb"))["SENTIMENT_DATA_DIR"] == str(Path("rel/imdb"))


def test_shared_imdb_is_found_beside_the_checkout_only_with_its_files(checkout, tmp_path):
    assert shared_imdb(checkout) == (tmp_path / SHARED_IMDB).resolve()
    assert shared_imdb(tmp_path / "other" / "elsewhere") is None
    (tmp_path / SHARED_IMDB / "train.parquet").unlink()
    assert shared_imdb(checkout) is None  # an empty folder is no data


def test_course_environment_defaults_and_who_wins(checkout, tmp_path):
    data = str((tmp_path / SHARED_IMDB).resolve())
    # offline=None: offline only where the shared copy exists (the Makefile, the book build)
    assert course_environment({}, root=checkout) == offline_environment(data)
    assert course_environment({}, root=tmp_path / "other" / "bare") == RUNTIME
    # always offline: the data folder only when one is known
    bare = course_environment({}, offline=True, root=tmp_path / "other" / "bare")
    assert "SENTIMENT_DATA_DIR" not in bare and bare == {k: v for k, v in offline_environment("x").items()
                                                          if k != "SENTIMENT_DATA_DIR"}
    # values already set win ...
    mine = {"SENTIMENT_MODEL": "tiny", "SENTIMENT_DATA_DIR": "/mine", "HF_HUB_OFFLINE": "0", "MPLBACKEND": "pdf",
            "UNRELATED": "x"}
    got = course_environment(mine, root=checkout)
    assert got == {**offline_environment(data), **{k: v for k, v in mine.items() if k != "UNRELATED"}}
    # ... except the switches where the course enforces them (grading, the hub); data and model stay the caller's
    forced = course_environment(mine, offline=True, enforce=True, root=checkout)
    assert forced == {**offline_environment("/mine"), "SENTIMENT_MODEL": "tiny"}
    assert course_environment(mine, offline=False, root=tmp_path / "other" / "bare")["MPLBACKEND"] == "pdf"


def test_command_line_needs_only_the_standard_library(checkout, tmp_path):
    """What the Makefile and .ci/run run with the system python3 before .venv exists (-S: no site-packages)."""
    clean = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SENTIMENT_MODEL": "tiny"}
    run = [sys.executable, "-S", "-m", "sentiment_lib.environment"]
    make = subprocess.run([*run, "--make"], env=clean, cwd=tmp_path, capture_output=True, text=True, check=True)
    expected = course_environment({"SENTIMENT_MODEL": "tiny"})
    assert dict(line.split("=", 1) for line in make.stdout.splitlines()) == expected
    shell = subprocess.run([*run, "--offline"], env=clean, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert all(line.startswith("export ") for line in shell.stdout.splitlines())
    env = subprocess.run(["bash", "-c", f'eval "$({" ".join(run)} --offline)" && env'], env=clean, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    got = dict(line.split("=", 1) for line in env.splitlines() if line.split("=", 1)[0] in KEYS)
    assert got == course_environment({"SENTIMENT_MODEL": "tiny"}, offline=True)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_makefile_exports_the_course_environment(tmp_path):
    show = tmp_path / "show.mk"
    show.write_text("show:\n\t@env\n")
    clean = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path), "MPLBACKEND": "pdf"}
    out = subprocess.run(["make", "-s", "-f", "Makefile", "-f", str(show), "show", f"PYTHON={sys.executable}"],
                         cwd=ROOT, env=clean, capture_output=True, text=True, check=True, timeout=60).stdout
    got = dict(line.split("=", 1) for line in out.splitlines() if line.split("=", 1)[0] in KEYS)
    assert got == course_environment({"MPLBACKEND": "pdf"}, root=ROOT)  # offline when ../shared/data/imdb exists


def _code_files() -> list[Path]:
    files = [ROOT / "Makefile"]
    for folder in CODE_DIRS:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file()
                  and (p.suffix in {".py", ".yml", ".yaml", ".sh"} or p.name == "run") and "__pycache__" not in p.parts]
    return files


# a hub switch set in Python (a dict key, a keyword), make, YAML or a shell; not a message that names one
SETS_HUB_SWITCH = re.compile(r"""HF_DATASETS_OFFLINE|TRANSFORMERS_OFFLINE|["']HF_HUB_OFFLINE["']|HF_HUB_OFFLINE\s*(\?=|:)"""
                             r"""|HF_HUB_OFFLINE="|export[^\n]*HF_HUB_OFFLINE""")


def test_no_other_file_sets_the_offline_environment():
    """The hub switches are spelt in the library, this test and the values file it checks below; nowhere else."""
    allowed = {ROOT / "sentiment_lib" / "environment.py", Path(__file__).resolve(), ROOT / "deploy" / "z2jh" / "values.yaml"}
    offenders = [str(p.relative_to(ROOT)) for p in _code_files()
                 if p.resolve() not in allowed and SETS_HUB_SWITCH.search(p.read_text(errors="replace"))]
    assert not offenders, f"set the offline environment with sentiment_lib.environment, not by hand: {offenders}"


@pytest.mark.parametrize("place", PLACES)
def test_each_place_takes_its_environment_from_the_library(place):
    text = (ROOT / place).read_text()
    assert re.search(r"^from sentiment_lib\.environment import ", text, re.M), f"{place} does not use sentiment_lib.environment"
    assert not re.search(r"""["']shared["']\s*/\s*["']data["']""", text), f"{place} builds ../shared/data/imdb itself"


def test_makefile_and_ci_call_the_library():
    makefile, ci = (ROOT / "Makefile").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "-m sentiment_lib.environment --make" in makefile and "shared/data/imdb)" not in makefile
    assert re.search(r'^eval "\$\(PYTHONPATH=\. python3 -m sentiment_lib\.environment --offline\)"$', ci, re.M)
    assert "shared/data/imdb &&" not in ci


def test_z2jh_pods_get_the_whole_offline_environment():
    """deploy/z2jh/values.yaml cannot import Python: its extraEnv must be the function's output, its data mounted."""
    values = yaml.safe_load((ROOT / "deploy" / "z2jh" / "values.yaml").read_text())["singleuser"]
    env = values["extraEnv"]
    assert env == offline_environment(env.get("SENTIMENT_DATA_DIR", "<missing>"))
    mounts = {m["mountPath"]: m for m in values["storage"]["extraVolumeMounts"]}
    assert env["SENTIMENT_DATA_DIR"] in mounts and mounts[env["SENTIMENT_DATA_DIR"]].get("readOnly") is True
    volumes = {v["name"] for v in values["storage"]["extraVolumes"]}
    assert mounts[env["SENTIMENT_DATA_DIR"]]["name"] in volumes


def test_pages_workflow_sets_the_libraries_values():
    """The Pages build reads IMDB from the hub (no shared copy there), so it sets only what it can: the model."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            for key, value in {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}.items():
                if key in KEYS:
                    assert key in CHOICES and str(value) == offline_environment("x")[key], (key, value)

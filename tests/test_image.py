"""The single-user image of the course on Kubernetes (issue 38, item 3), as far as a machine without a
Docker daemon can check it: ``deploy/image/Dockerfile`` is built by ``make image``, with the tag
``deploy/z2jh/values.yaml`` names, from Binder's environment (``binder/requirements.txt``: the pinned
CPU-only torch), with the course's offline environment and the read-only data mount values.yaml gives
every pod.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sentiment_lib.environment import offline_environment

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "image" / "Dockerfile"
DATA = "/srv/data/imdb"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments left out."""
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", joined, re.M)]


def _make_variable(name: str) -> str:
    return re.search(rf"^{name}\s*\?=\s*(\S+)\s*$", (ROOT / "Makefile").read_text(), re.M).group(1)


def _values() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "z2jh" / "values.yaml").read_text())


def test_make_image_builds_the_image_values_yaml_names():
    image = _values()["singleuser"]["image"]
    assert (image["name"], str(image["tag"])) == (_make_variable("IMAGE"), _make_variable("IMAGE_TAG"))
    target = re.search(r"^image:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert target, "the Makefile has no `image` target"
    assert "docker build -f deploy/image/Dockerfile -t $(IMAGE):$(IMAGE_TAG) ." in target.group(1)
    repository = re.search(r"url: https://github.com/(\S+)", (ROOT / "_config.yml").read_text()).group(1)
    assert image["name"] == f"ghcr.io/{repository.lower()}", "the image is the repository's, on its GitHub registry"


def test_the_image_installs_binders_environment():
    steps = _instructions()
    assert steps[0][0] == "FROM" and re.fullmatch(r"\S+:\S+", steps[0][1]) and ":latest" not in steps[0][1], \
        "a pinned base image"
    runs = " ".join(args for op, args in steps if op == "RUN")
    assert "pip install --no-cache-dir -r binder/requirements.txt" in runs
    assert not re.search(r"\btorch\b[=<>]", runs) and "download.pytorch.org" not in runs, \
        "torch comes from binder/requirements.txt only"
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in binder
    assert f"torch=={_make_variable('TORCH_VERSION')}" in binder.split(), "Binder pins the torch the Makefile installs"
    assert "torch.version.cuda is None" in runs, "the build fails if the CUDA build of torch slipped in"
    # what the hub adds to Binder's environment: the grading extra and the hub's own JupyterHub range
    pyproject = (ROOT / "pyproject.toml").read_text()
    hub = re.search(r'"(jupyterhub[^"]+)"', pyproject).group(1)
    assert '".[grading]"' in runs and f'"{hub}"' in runs
    workdir = [args for op, args in steps if op in ("WORKDIR", "RUN")]
    assert workdir.index("/srv/course") < next(i for i, a in enumerate(workdir) if "binder/requirements.txt" in a), \
        "pip resolves binder/requirements.txt's `-e .` in the folder the course was copied to"
    assert ("COPY", ". /srv/course") in steps


def test_the_image_runs_offline_with_the_data_mount_values_yaml_gives():
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(args for op, args in _instructions() if op == "ENV")))
    assert env == offline_environment(DATA)
    values = _values()["singleuser"]
    assert values["extraEnv"] == offline_environment(DATA)
    mount = next(m for m in values["storage"]["extraVolumeMounts"] if m["mountPath"] == DATA)
    assert mount["readOnly"] is True
    assert f"at {DATA}" in DOCKERFILE.read_text() and "read-only" in DOCKERFILE.read_text()
    steps = _instructions()
    assert steps[-2][0] == "USER" and "NB_UID" in steps[-2][1], "the server runs as the user, not root"


def test_the_build_context_leaves_out_environments_and_outputs():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "_build", "node_modules", ".cache", "runs"} <= ignored
    for needed in ("sentiment_lib", "course_grading", "binder", "pyproject.toml", "README.md"):
        assert needed not in ignored


def test_the_guide_documents_the_command():
    guide = (ROOT / "docs" / "hub.md").read_text()
    assert "make image" in guide and "deploy/image/Dockerfile" in guide and DATA in guide


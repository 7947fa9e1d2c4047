"""The repository address: one source of truth (``_config.yml``), copies kept in line by one command.

Fast: every copy in the course agrees with ``_config.yml``; the rewriting rules on small texts.
Slow: a fork in a temporary copy of the course changes one line and runs one command, and then
every copy says the new address, the notebooks are valid, the student notebooks are still exactly
what ``nbgrader generate_assignment`` makes, and the course's own fast tests pass with the new address.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "set_repository_url.py"
ASSIGNMENTS = ["01_data", "02_tokenization", "03_fine_tuning", "04_evaluation", "05_inference", "06_baseline"]


def _load_script():
    spec = importlib.util.spec_from_file_location("set_repository_url", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


links = _load_script()


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(cwd / "scripts" / "set_repository_url.py"), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------------------
# The course as committed (fast)
# --------------------------------------------------------------------------------------


def test_every_copy_agrees_with_config():
    wrong = links.check(ROOT)
    assert not wrong, "copies of the repository address that disagree with _config.yml " \
                      "(run: python scripts/set_repository_url.py):\n" + "\n".join(map(str, wrong))


def test_the_scanner_finds_every_kind_of_copy():
    """If the scanner found nothing, the test above would pass vacuously."""
    found = links.copies(ROOT)
    chapters = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "book").glob("*.ipynb"))
    for chapter in chapters:  # the Colab install cell of every chapter
        assert found.get(chapter, 0) >= 1, f"{chapter}: no copy of the address found (its install cell has one)"
    for name in ASSIGNMENTS:
        for folder in ["solutions", "exercises"]:
            assert found.get(f"{folder}/{name}/{name}.ipynb", 0) >= 1, f"{folder}/{name}: install cell not found"
        # the chapter links to its exercise on GitHub and in Colab, besides its install cell
        assert found.get(f"book/{name}.ipynb", 0) >= 3, f"book/{name}.ipynb: exercise links not found"
    assert found.get("README.md", 0) >= 1, "README.md: the clone address of the learner's door not found"
    assert found.get("docs/learners.md", 0) >= 1, "docs/learners.md: the clone address of 'Taking the course' not found"


def test_check_command_agrees(tmp_path):
    done = _run("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every copy says" in done.stdout


# --------------------------------------------------------------------------------------
# The rewriting rules (fast)
# --------------------------------------------------------------------------------------

OLD = links.Address("old-org", "old-course", "main")
NEW = links.Address("New-School", "nlp.course", "spring-2027")


def _rewrite(text: str, address=NEW, keys=None) -> str:
    return links.rewrite_text(text, address, keys or {("old-org", "old-course")})[0]


@pytest.mark.parametrize("before, after", [
    ('"sentiment-lib @ git+https://github.com/old-org/old-course"',
     '"sentiment-lib @ git+https://github.com/New-School/nlp.course@spring-2027"'),
    ("[Colab](https://colab.research.google.com/github/old-org/old-course/blob/main/exercises/01_data/01_data.ipynb)",
     "[Colab](https://colab.research.google.com/github/New-School/nlp.course/blob/spring-2027/exercises/01_data/01_data.ipynb)"),
    ("(https://github.com/old-org/old-course/blob/main/exercises/x.ipynb)",
     "(https://github.com/New-School/nlp.course/blob/spring-2027/exercises/x.ipynb)"),
    ("git clone https://github.com/old-org/old-course.git course",
     "git clone https://github.com/New-School/nlp.course.git course"),
    ("online at https://old-org.github.io/old-course/ and", "online at https://new-school.github.io/nlp.course/ and"),
    ("https://mybinder.org/v2/gh/old-org/old-course/main?urlpath=lab",
     "https://mybinder.org/v2/gh/New-School/nlp.course/spring-2027?urlpath=lab"),
    ("see https://github.com/old-org/old-course.", "see https://github.com/New-School/nlp.course."),
    # JSON-escaped notebook source keeps its escapes
    ('"         \\"sentiment-lib[offline] @ git+https://github.com/old-org/old-course\\"],\\n",',
     '"         \\"sentiment-lib[offline] @ git+https://github.com/New-School/nlp.course@spring-2027\\"],\\n",'),
])
def test_each_form_is_rewritten(before, after):
    assert _rewrite(before) == after


def test_main_branch_needs_no_pin_and_other_projects_are_left_alone():
    main = links.Address("me", "course", "main")
    assert _rewrite("x @ git+https://github.com/old-org/old-course@spring", main) == "x @ git+https://github.com/me/course"
    other = ("upstream: https://github.com/executablebooks/jupyter-book/issues/1 and "
             "https://executablebooks.github.io/jupyter-book and git+https://github.com/old-org/old-coursework")
    assert _rewrite(other) == other


def test_course_keys_come_from_anchored_copies_only():
    texts = {"a.ipynb": "git+https://github.com/old-org/old-course", "README.md": "https://github.com/someone/else"}
    assert links.course_keys(texts, NEW) == {("new-school", "nlp.course"), ("old-org", "old-course")}


@pytest.mark.parametrize("bad", ["https://gitlab.com/me/course", "github.com/me/course", "https://github.com/me",
                                 "https://github.com/me/course/tree/main", "https://github.com/me/co urse"])
def test_a_wrong_address_is_one_clear_line_and_changes_nothing(tmp_path, bad):
    course = tmp_path / "course"
    (course / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, course / "scripts")
    config = "title: x\nrepository:\n  url: https://github.com/old-org/old-course\n  branch: main\n"
    (course / "_config.yml").write_text(config)
    done = _run(bad, cwd=course)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "https://github.com/OWNER/REPO" in done.stderr
    assert (course / "_config.yml").read_text() == config


def test_config_line_is_rewritten_and_nothing_else(tmp_path):
    text = ("# comment\nrepository:\n  url: https://github.com/a/b   # the source of truth\n  path_to_book: \"\"\n"
            "  branch: main\n\nlaunch_buttons:\n  binderhub_url: https://mybinder.org\n")
    (tmp_path / "_config.yml").write_text(text)
    assert links.write_config(tmp_path, links.Address("c", "d", "main"))
    assert (tmp_path / "_config.yml").read_text() == text.replace("github.com/a/b", "github.com/c/d")
    assert links.read_config(tmp_path) == links.Address("c", "d", "main")


# --------------------------------------------------------------------------------------
# A fork, in a temporary copy of the course (slow)
# --------------------------------------------------------------------------------------

COURSE_PARTS = ["_config.yml", "_toc.yml", "README.md", "docs", "nbgrader_config.py", "pyproject.toml", "Makefile",
                "book", "exercises", "solutions", "binder", ".github", "scripts", "tests"]


def _copy_course(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    target.mkdir(parents=True)
    for part in COURSE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def _generate(course: Path, target: Path, database: Path) -> None:
    """``nbgrader generate_assignment "*"``: course/solutions -> target/exercises."""
    target.mkdir(exist_ok=True)
    if target != course:
        shutil.copytree(course / "solutions", target / "solutions")
        shutil.copy(course / "nbgrader_config.py", target)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force",
                    f"--CourseDirectory.db_url=sqlite:///{database}"],
                   cwd=target, env=env, check=True, capture_output=True, timeout=600)


def _all_text(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_a_fork_changes_one_line_and_one_command(tmp_path):
    snapshot = _copy_course(tmp_path / "snapshot")  # the course as it was (others may be editing it)
    # start from student notebooks that are what generate_assignment makes (test_exercises.py checks
    # the committed ones; a working tree being edited may be between the two)
    shutil.rmtree(snapshot / "exercises")
    _generate(snapshot, snapshot, tmp_path / "snapshot.db")
    course = tmp_path / "course"
    shutil.copytree(snapshot, course)
    old = links.read_config(course)
    before = links.copies(course)
    assert sum(before.values()) >= 20

    # 1. the one line: repository.url in _config.yml, edited by hand
    new_url = "https://github.com/Spring-School/nlp-course.2027"
    config = (course / "_config.yml").read_text()
    assert config.count(old.url) == 1
    (course / "_config.yml").write_text(config.replace(old.url, new_url))
    stale = _run("--check", cwd=course)
    assert stale.returncode == 1 and f"{sum(before.values())} copies disagree" in stale.stdout, stale.stdout

    # 2. the one command
    done = _run(cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _run("--check", cwd=course).returncode == 0

    after = links.copies(course)
    assert after == before, "every copy should have been rewritten, none lost, none added"
    old_slug = f"{old.owner}/{old.repo}"
    leftovers = [name for name, text in _all_text(course).items()
                 if old_slug in text and not name.startswith("tests/")]
    assert not leftovers, f"the old address is still in {leftovers}"
    # only the address changed: the same files differ from the original, each by the address alone
    for name in before:
        original = (snapshot / name).read_text(encoding="utf-8")
        rewritten = (course / name).read_text(encoding="utf-8")
        assert rewritten == original.replace(old.url, new_url).replace(
            f"github/{old_slug}/", "github/Spring-School/nlp-course.2027/").replace(
            f"{old.owner}.github.io/{old.repo}", "spring-school.github.io/nlp-course.2027").replace(
            f"ghcr.io/{old_slug.lower()}", "ghcr.io/spring-school/nlp-course.2027"), name
    for path in course.rglob("*.ipynb"):
        nbformat.validate(nbformat.read(path, as_version=4))

    # the student notebooks are still exactly what generate_assignment makes from the instructor's
    generated = tmp_path / "generated"
    _generate(course, generated, tmp_path / "gradebook.db")
    for name in ASSIGNMENTS:
        made = (generated / "exercises" / name / f"{name}.ipynb").read_bytes()
        assert made == (course / "exercises" / name / f"{name}.ipynb").read_bytes(), \
            f"exercises/{name} differs from what generate_assignment makes of solutions/{name}"
        assert new_url.encode() in made

    # the course's own fast tests of the address, the links and the launch paths pass with the new address
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
         "tests/test_book.py", "-k", "link or first_cell or keeps_solutions",
         "tests/test_course_links.py", "tests/test_launch_paths.py"],
        cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert re.search(r"\d+ passed", tests.stdout)
    assert yaml.safe_load((course / "_config.yml").read_text())["repository"]["url"] == new_url

#!/usr/bin/env python3
"""Rewrite every copy of the course's repository address from ``_config.yml``.

``repository.url`` (and ``repository.branch``) in ``_config.yml`` is the one source of truth. The
notebooks keep literal copies, because Colab runs them as they are: the chapters' and exercises'
install cells (``git+https://github.com/OWNER/REPO``), the links to the exercises (GitHub and Colab),
and the README's clone, Binder and book addresses. This script finds every copy and rewrites it.

A fork changes one line and runs one command::

    python scripts/set_repository_url.py https://github.com/my-school/nlp-course   # writes _config.yml too
    python scripts/set_repository_url.py              # after editing _config.yml by hand
    python scripts/set_repository_url.py --check      # list the copies that disagree (exit status 1)

Which text is a copy: any form of an address (``https://github.com/O/R``, ``…/blob/BRANCH/…``,
``git+https://github.com/O/R[@BRANCH]``, ``https://colab.research.google.com/github/O/R/blob/BRANCH``,
``https://mybinder.org/v2/gh/O/R/BRANCH``, ``https://O.github.io/R``, the hub's image ``ghcr.io/o/r``) whose ``O/R`` is the configured
repository or appears in an install (``git+``), Colab, Binder or a link into this repository's
``book/``, ``exercises/`` or ``solutions/``. Links to other projects are left alone.

Only the address bytes change: notebooks are edited as text, so they stay byte for byte what
``nbgrader generate_assignment`` and the chapter authors wrote; a changed cell that carries an
nbgrader checksum gets its checksum recomputed (as ``generate_assignment`` would). Every new file is
checked (notebooks must still be valid) before any file is written.

>>> address = Address("me", "course", "main")
>>> rewrite_text("pip install 'x @ git+https://github.com/old/repo'", address, {("old", "repo")})[0]
"pip install 'x @ git+https://github.com/me/course'"
>>> rewrite_text("IMAGE ?= ghcr.io/old/repo", Address("Me", "Course"), {("old", "repo")})[0]
'IMAGE ?= ghcr.io/me/course'
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "_config.yml"
#: Folders never scanned: environments, build outputs, nbgrader's working folders, the tests (their
#: fixtures name other repositories on purpose).
SKIP_DIRS = {".git", ".venv", "venv", "_build", "node_modules", ".cache", ".pytest_cache", ".hypothesis",
             "runs", "outputs", "submitted", "autograded", "feedback", "release", "source", ".autograde",
             ".ipynb_checkpoints", "__pycache__", "tests"}
#: This script (its examples name other addresses) is never scanned, in this course or a copy of it.
THIS_SCRIPT = "scripts/set_repository_url.py"
TEXT_SUFFIXES = {".ipynb", ".md", ".yml", ".yaml", ".txt", ".toml", ".cfg", ".py", ".html", ".json", ".sh"}
TEXT_NAMES = {"Makefile", "run", "apt.txt", "postBuild", "runtime.txt", "Dockerfile"}

_NAME = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*"
_BRANCH = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*"
#: Every form an address takes. Named groups: o (owner), r (repository), b (branch, where the form has one).
_FORMS = re.compile(
    r"(?P<colab>https://colab\.research\.google\.com/github/)(?P<co>{n})/(?P<cr>{n})(?:/(?P<ck>blob|tree)/(?P<cb>{b}))?"
    r"|(?P<binder>https://mybinder\.org/v2/gh/)(?P<bo>{n})/(?P<br>{n})/(?P<bb>{b})"
    r"|https://(?P<po>[A-Za-z0-9-]+)\.github\.io/(?P<pr>{n})"
    r"|(?P<git>git\+)?https://github\.com/(?P<go>{n})/(?P<gr>{n})"
    r"(?:/(?P<gk>blob|tree)/(?P<gb>{b})(?P<gpath>/(?:book|exercises|solutions)/)?|(?(git)@(?P<pb>{b})|(?!)))?"
    r"|(?P<ghcr>ghcr\.io/)(?P<io>{n})/(?P<ir>{n})".format(n=_NAME, b=_BRANCH)
)
_GITHUB_URL = re.compile(r"https://github\.com/({n})/({n})".format(n=_NAME))


class UsageError(Exception):
    """A problem the user can fix; printed as one line with what to do."""


@dataclass(frozen=True)
class Address:
    """A GitHub repository and the branch the course's links point at."""

    owner: str
    repo: str
    branch: str = "main"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.owner}/{self.repo}"

    @classmethod
    def parse(cls, url: str, branch: str = "main") -> "Address":
        """``https://github.com/OWNER/REPO`` (a trailing ``/`` or ``.git`` is dropped).

        >>> Address.parse("https://github.com/me/course.git/").url
        'https://github.com/me/course'
        """
        text = str(url).strip().rstrip("/").removesuffix(".git")
        match = _GITHUB_URL.fullmatch(text)
        if not match:
            raise UsageError(f"{url!r} is not a GitHub repository address; write it as https://github.com/OWNER/REPO "
                             "(Colab and Binder open notebooks from GitHub)")
        if not re.fullmatch(_BRANCH, str(branch)):
            raise UsageError(f"branch {branch!r} is not a plain branch name (letters, digits, '.', '_', '-')")
        return cls(match.group(1), match.group(2), str(branch))


@dataclass(frozen=True)
class Copy:
    """One copy of the address in a file: where, what it says and what it should say."""

    path: str
    line: int
    found: str
    expected: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.found} (should be {self.expected})"


def _parts(m: re.Match) -> tuple[str, str, str | None, str]:
    """(owner, repository, branch or None, form) of one match."""
    if m.group("colab"):
        return m.group("co"), m.group("cr"), m.group("cb"), "colab"
    if m.group("binder"):
        return m.group("bo"), m.group("br"), m.group("bb"), "binder"
    if m.group("po"):
        return m.group("po"), m.group("pr"), None, "pages"
    if m.group("ghcr"):
        return m.group("io"), m.group("ir"), None, "ghcr"
    repo = m.group("gr").removesuffix(".git")
    if m.group("git"):
        return m.group("go"), repo, m.group("pb"), "git"
    return m.group("go"), repo, m.group("gb"), "github"


def _key(owner: str, repo: str) -> tuple[str, str]:
    return owner.lower(), repo.lower()


def _anchored(m: re.Match) -> bool:
    """Is this match certainly the course's own address (not a link to another project)?"""
    return bool(m.group("git") or m.group("colab") or m.group("binder") or m.group("gpath"))


def _render(m: re.Match, address: Address) -> str:
    """The match rewritten to ``address``, in the same form."""
    owner, repo, branch, form = _parts(m)
    text = m.group(0)
    if form == "colab":
        tail = f"/{m.group('ck')}/{address.branch}" if branch is not None else ""
        return f"{m.group('colab')}{address.owner}/{address.repo}{tail}"
    if form == "binder":
        return f"{m.group('binder')}{address.owner}/{address.repo}/{address.branch}"
    if form == "pages":
        return f"https://{address.owner.lower()}.github.io/{address.repo}"
    if form == "ghcr":  # the hub's single-user image (make image, deploy/z2jh): image names are lower case
        return f"ghcr.io/{address.owner.lower()}/{address.repo.lower()}"
    if form == "git":
        dotgit = ".git" if m.group("gr").endswith(".git") else ""
        pin = "" if address.branch == "main" else f"@{address.branch}"
        return f"git+{address.url}{dotgit}{pin}"
    # github: keep ".git" and the path marker, change the branch where the link names one
    dotgit = ".git" if m.group("gr").endswith(".git") else ""
    if branch is None:
        return f"{address.url}{dotgit}"
    return f"{address.url}{dotgit}/{m.group('gk')}/{address.branch}{m.group('gpath') or ''}"


def course_keys(texts: dict[str, str], address: Address) -> set[tuple[str, str]]:
    """The (owner, repository) pairs that are the course's: the configured one and every anchored one."""
    keys = {_key(address.owner, address.repo)}
    for text in texts.values():
        for m in _FORMS.finditer(text):
            if _anchored(m):
                owner, repo, _, _ = _parts(m)
                keys.add(_key(owner, repo))
    return keys


def rewrite_text(text: str, address: Address, keys: set[tuple[str, str]]) -> tuple[str, list[tuple[int, str, str]]]:
    """Rewrite every copy in ``text``; return the new text and the (line, found, expected) that changed."""
    changes: list[tuple[int, str, str]] = []

    def replace(m: re.Match) -> str:
        owner, repo, _, _ = _parts(m)
        if _key(owner, repo) not in keys:
            return m.group(0)
        new = _render(m, address)
        if new != m.group(0):
            changes.append((text.count("\n", 0, m.start()) + 1, m.group(0), new))
        return new

    return _FORMS.sub(replace, text), changes


def read_config(root: Path) -> Address:
    """The address in ``_config.yml`` (``repository.url`` and ``repository.branch``)."""
    import yaml  # PyYAML: installed with jupyter-book, transformers and datasets

    path = root / CONFIG
    if not path.is_file():
        raise UsageError(f"{path} not found; run this from a copy of the course (the folder with _config.yml)")
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    repository = config.get("repository") or {}
    if not repository.get("url"):
        raise UsageError(f"{path} has no repository.url; add it (repository:\\n  url: https://github.com/OWNER/REPO)")
    return Address.parse(repository["url"], repository.get("branch") or "main")


def write_config(root: Path, address: Address) -> bool:
    """Set ``repository.url`` and ``repository.branch`` in ``_config.yml``, leaving every other byte as it is."""
    path = root / CONFIG
    text = path.read_text(encoding="utf-8")
    block = re.search(r"(?m)^repository:[ \t]*\n((?:[ \t]+.*\n?|[ \t]*\n)*)", text)
    if not block or not re.search(r"(?m)^[ \t]+url:", block.group(1)):
        raise UsageError(f"{path}: no 'url:' line under 'repository:'; add one, then run this again")
    body = re.sub(r"(?m)^([ \t]+url:[ \t]*)\S+", lambda m: m.group(1) + address.url, block.group(1), count=1)
    if re.search(r"(?m)^[ \t]+branch:", body):
        body = re.sub(r"(?m)^([ \t]+branch:[ \t]*)\S+", lambda m: m.group(1) + address.branch, body, count=1)
    elif address.branch != "main":
        indent = re.search(r"(?m)^([ \t]+)url:", body).group(1)
        body = re.sub(r"(?m)^([ \t]+url:.*\n?)", lambda m: m.group(1) + f"{indent}branch: {address.branch}\n", body, count=1)
    new = text[: block.start(1)] + body + text[block.end(1):]
    if new != text:
        _write(path, new)
    return new != text


def course_files(root: Path) -> list[Path]:
    """Every text file of the course that may hold a copy (``_config.yml`` itself excluded)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(folder) / name
            if path == root / CONFIG or path.relative_to(root).as_posix() == THIS_SCRIPT:
                continue
            if path.suffix in TEXT_SUFFIXES or name in TEXT_NAMES:
                found.append(path)
    return found


def _fix_checksums(old_text: str, new_text: str, path: Path) -> str:
    """Recompute nbgrader's checksum of every cell whose source changed (as generate_assignment does)."""
    import nbformat

    try:
        new_nb = nbformat.reads(new_text, as_version=4)
        nbformat.validate(new_nb)
    except Exception as error:  # noqa: BLE001 - any reason makes the rewrite unsafe
        raise UsageError(f"{path}: the rewritten notebook would not be valid ({error}); nothing was written") from None
    old_nb = json.loads(old_text)
    new_raw = json.loads(new_text)
    for old_cell, new_cell, cell in zip(old_nb["cells"], new_raw["cells"], new_nb.cells):
        checksum = cell.metadata.get("nbgrader", {}).get("checksum")
        if checksum and old_cell["source"] != new_cell["source"]:
            try:
                from nbgrader.utils import compute_checksum
            except ImportError:
                raise UsageError(f"{path}: a graded cell changed and its checksum needs nbgrader; "
                                 "pip install 'nbgrader>=0.9,<0.10', then run this again") from None
            new_text = new_text.replace(f'"checksum": "{checksum}"', f'"checksum": "{compute_checksum(cell)}"', 1)
    return new_text


def _write(path: Path, text: str) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_all(root: Path) -> dict[str, str]:
    texts = {}
    for path in course_files(root):
        try:
            texts[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text
    return texts


def check(root: Path = ROOT) -> list[Copy]:
    """Every copy of the address that disagrees with ``_config.yml`` (empty: all agree)."""
    address = read_config(root)
    texts = _read_all(root)
    keys = course_keys(texts, address)
    return [Copy(rel, line, found, expected)
            for rel, text in texts.items() for line, found, expected in rewrite_text(text, address, keys)[1]]


def copies(root: Path = ROOT) -> dict[str, int]:
    """How many copies of the configured address each file holds (files without any are left out)."""
    address = read_config(root)
    texts = _read_all(root)
    keys = course_keys(texts, address)
    counts = {}
    for rel, text in texts.items():
        n = sum(1 for m in _FORMS.finditer(text) if _key(*_parts(m)[:2]) in keys)
        if n:
            counts[rel] = n
    return counts


def sync(root: Path = ROOT) -> list[Copy]:
    """Rewrite every copy from ``_config.yml``; return what changed. Nothing is written if a file fails."""
    address = read_config(root)
    texts = _read_all(root)
    keys = course_keys(texts, address)
    pending: dict[Path, str] = {}
    changed: list[Copy] = []
    for rel, text in texts.items():
        new, changes = rewrite_text(text, address, keys)
        if not changes:
            continue
        if rel.endswith(".ipynb"):
            new = _fix_checksums(text, new, root / rel)
        pending[root / rel] = new
        changed += [Copy(rel, line, found, expected) for line, found, expected in changes]
    for path, new in pending.items():
        _write(path, new)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Run it from anywhere; it works on the course this script belongs to "
                                            "(or --root).")
    parser.add_argument("url", nargs="?", help="new address https://github.com/OWNER/REPO: written to _config.yml first")
    parser.add_argument("--branch", help="the branch the links point at (repository.branch; default: keep)")
    parser.add_argument("--check", action="store_true", help="only list the copies that disagree; exit status 1 if any")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course folder (default: %(default)s)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.check:
            if args.url or args.branch:
                raise UsageError("--check reads _config.yml and changes nothing; drop the address or --check")
            wrong = check(root)
            for item in wrong:
                print(item)
            address = read_config(root)
            print(f"{len(wrong)} cop{'y' if len(wrong) == 1 else 'ies'} disagree with {CONFIG} ({address.url}, "
                  f"branch {address.branch})" if wrong else f"every copy says {address.url} (branch {address.branch})")
            return 1 if wrong else 0
        if args.url or args.branch:
            current = read_config(root)
            wanted = Address.parse(args.url or current.url, args.branch or current.branch)
            if write_config(root, wanted):
                print(f"{CONFIG}: {wanted.url} (branch {wanted.branch})")
        changed = sync(root)
        files = sorted({c.path for c in changed})
        address = read_config(root)
        print(f"rewrote {len(changed)} copies in {len(files)} files to {address.url} (branch {address.branch})")
        for name in files:
            print(f"  {name}")
        return 0
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

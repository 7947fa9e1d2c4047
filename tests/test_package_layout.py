"""Every module of the library is listed in the table of ``sentiment_lib/__init__.py``."""

from pathlib import Path

import sentiment_lib

HERE = Path(sentiment_lib.__file__).parent
MODULES = sorted([p.stem for p in HERE.glob("*.py") if not p.stem.startswith("__")]
                 + [p.parent.name for p in HERE.glob("*/__init__.py")])   # modules and subpackages (results)


def test_every_module_is_in_the_package_table():
    listed = {line.split("``")[1] for line in sentiment_lib.__doc__.splitlines() if line.startswith("``")}
    assert set(MODULES) <= listed, f"modules missing from __init__'s table: {sorted(set(MODULES) - listed)}"
    assert listed <= set(MODULES), f"the table lists modules that do not exist: {sorted(listed - set(MODULES))}"


ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_a_front_door_and_every_guide_is_one_link_away():
    import re

    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150, "README.md: keep it a front door (at most ~150 lines); move detail to docs/"
    linked = set(re.findall(r"\]\((docs/[a-z-]+\.md)", readme))
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"guides the README does not link to: {sorted(pages - linked)}"
    assert all((ROOT / page).is_file() for page in linked)
    lines = readme.splitlines()
    assert lines[5:9][0] == "```bash" and "make book" in lines[6] and "make test" in lines[7], "the two commands come first"


def test_guides_carry_no_dates_or_commit_hashes_in_prose():
    import re

    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), f"{page.name}: a date in prose"
        assert not re.search(r"\bcommit [0-9a-f]{7,40}\b", text), f"{page.name}: a commit hash in prose"

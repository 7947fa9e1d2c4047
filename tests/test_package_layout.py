"""Every module of the library is listed in the table of ``sentiment_lib/__init__.py``."""

from pathlib import Path

import sentiment_lib

MODULES = sorted(p.stem for p in Path(sentiment_lib.__file__).parent.glob("*.py") if not p.stem.startswith("__"))


def test_every_module_is_in_the_package_table():
    listed = {line.split("``")[1] for line in sentiment_lib.__doc__.splitlines() if line.startswith("``")}
    assert set(MODULES) <= listed, f"modules missing from __init__'s table: {sorted(set(MODULES) - listed)}"
    assert listed <= set(MODULES), f"the table lists modules that do not exist: {sorted(listed - set(MODULES))}"

"""``deploy/z2jh/values.yaml``: the course on Zero to JupyterHub (Kubernetes), on paper.

Validated against ``deploy/z2jh/schema.yaml``, our own JSON schema for the keys the file uses, with
the types of the chart's ``values.schema.json`` (the full schema is not fetched offline). Then the
parts must agree: every pod mounts the exchange where the nbgrader configs look for it, the course
id is the course's, and each role's config sits where the hub's spawn hook points.
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
Z2JH = ROOT / "deploy" / "z2jh"


def _values() -> dict:
    return yaml.safe_load((Z2JH / "values.yaml").read_text())


def test_values_match_the_schema():
    schema = yaml.safe_load((Z2JH / "schema.yaml").read_text())
    jsonschema.validate(_values(), schema)


def test_the_schema_rejects_a_misspelt_key():
    schema = yaml.safe_load((Z2JH / "schema.yaml").read_text())
    values = _values()
    values["singleuser"]["extraVolumeMount"] = []  # belongs under singleuser.storage
    try:
        jsonschema.validate(values, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("a misspelt key passed the schema")


def test_exchange_mount_course_id_and_role_configs_agree():
    values = _values()
    mounts = {m["mountPath"] for m in values["singleuser"]["storage"]["extraVolumeMounts"]}
    files = values["singleuser"]["extraFiles"]
    course_id = re.search(r'course_id = "([^"]+)"', (ROOT / "nbgrader_config.py").read_text()).group(1)
    for key in ("learner-nbgrader-config", "instructor-nbgrader-config"):
        text = files[key]["stringData"]
        assert re.search(r'Exchange.root = "([^"]+)"', text).group(1) in mounts
        assert f'course_id = "{course_id}"' in text
    hook = values["hub"]["extraConfig"]["00-course-uids"]
    for role in ("learner", "instructor"):
        assert any(f["mountPath"].startswith(f"/etc/course/{role}/") for f in files.values())
    assert 'f"/etc/course/{role}"' in hook
    assert files["learner-server-config"]["data"]["ServerApp"]["jpserver_extensions"][
        "nbgrader.server_extensions.formgrader"] is False

"""Validate an OSCAL assessment-results document against NIST's published JSON schema.

The schema (``oscal/oscal_complete_schema.json``, OSCAL 1.2.3, see ``oscal/README.md``) writes
its token patterns with Unicode classes (``\\p{L}``, ``\\p{N}``), which Python's ``re`` and so
the ``jsonschema`` package cannot compile; ``jsonschema_rs`` (Rust regex engine) can.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

SCHEMA_FILE = Path(__file__).with_name("oscal") / "oscal_complete_schema.json"
SCHEMA_SHA256 = "384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206"
DEFINITIONS = {
    "assessment-results": "oscal-complete-oscal-ar:assessment-results",
    "plan-of-action-and-milestones": "oscal-complete-oscal-poam:plan-of-action-and-milestones",
}


@cache
def _schema() -> dict[str, Any]:
    raw = SCHEMA_FILE.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    assert digest == SCHEMA_SHA256, f"{SCHEMA_FILE.name} is not the published file ({digest})"
    return json.loads(raw)


@cache
def _validators(model: str = "assessment-results") -> tuple[Any, Any]:
    """The whole schema (the verdict) and the model's own branch (readable errors)."""
    schema = _schema()
    # The root is a oneOf over every OSCAL model, whose failure names no field; the same
    # definition, referenced directly, says which field of the document is wrong.
    branch = {**schema, "oneOf": None, "allOf": [{"$ref": f"#/definitions/{DEFINITIONS[model]}"}]}
    del branch["oneOf"]
    return (
        jsonschema_rs.Draft7Validator(schema, validate_formats=True),
        jsonschema_rs.Draft7Validator(branch, validate_formats=True),
    )


def oscal_errors(document: dict[str, Any], model: str = "assessment-results") -> list[str]:
    """Why ``document`` is not a valid OSCAL ``model``; empty when it is valid."""
    whole, branch = _validators(model)
    if whole.is_valid(document) and isinstance(document, dict) and model in document:
        return []
    inner = document.get(model) if isinstance(document, dict) else None
    details = [
        f"{'/'.join(map(str, error.instance_path)) or '(root)'}: {error.message[:300]}"
        for error in branch.iter_errors(inner if inner is not None else {})
    ]
    return details or ["the document is not one OSCAL model (root keys)"]

"""Every API operation shows an example of its answer (and of its request body), and every
example fits its own schema, so the examples in Swagger UI cannot drift from the serializers.

Examples live next to the serializers (``@extend_schema_serializer(examples=...)``, payloads in
``*/api/examples.py``) or on a view's ``@extend_schema``. The validation is strict on purpose:
an example may not leave out a field the answer always has, nor carry one it never has. Checks
and requirements in examples are real ones, with the titles the registry and catalog give them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from compliance.api.views import check_payload
from compliance.catalog import read_catalogs
from compliance.checks import all_checks

HOW_TO_ADD = (
    "Add one with @extend_schema_serializer(examples=[OpenApiExample(...)]) on the serializer "
    "(payloads in <app>/api/examples.py; status_codes=['202'] for a 202), or in the view's "
    "@extend_schema(examples=...) where the view builds its own answer."
)
# Keys whose example value must be a placeholder such as "<the vCenter password>".
SECRET_KEYS = {"secret", "password", "token", "api_key", "private_key"}

# jsonschema checks date-time only with an optional package; the portal answers ISO 8601.
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is not None


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The document /api/schema/ serves, built in-process (the served one needs a login)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(document, default=str))


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path} ({operation['operationId']})", operation


def _json_media(node: dict[str, Any] | None) -> dict[str, Any] | None:
    return ((node or {}).get("content") or {}).get("application/json")


def _examples(media: dict[str, Any]) -> dict[str, Any]:
    if "example" in media:
        return {"example": media["example"]}
    return {name: example["value"] for name, example in (media.get("examples") or {}).items()}


def _media_objects(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, media object) of every request body and answer with a JSON body."""
    for label, operation in _operations(schema):
        media = _json_media(operation.get("requestBody"))
        if media is not None:
            yield f"{label} request body", media
        for status, response in operation["responses"].items():
            media = _json_media(response)
            if media is not None:
                yield f"{label} {status} answer", media


def _strict(node: Any, components: dict[str, Any]) -> Any:
    """An OpenAPI 3.0 schema as strict JSON Schema.

    ``$ref`` is inlined, ``nullable`` becomes a null alternative, and an object with declared
    properties allows no others (OpenAPI leaves that open; an example key the serializer does
    not have is drift).
    """
    if isinstance(node, list):
        return [_strict(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = components[node["$ref"].rsplit("/", 1)[-1]]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return _strict({**target, **rest}, components)
    node = {k: _strict(v, components) for k, v in node.items() if k != "example"}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def test_every_operation_has_an_example_of_its_answer_and_its_request_body(schema):
    missing = []
    for label, operation in _operations(schema):
        body = _json_media(operation.get("requestBody"))
        if body is not None and not _examples(body):
            missing.append(f"{label}: no example of its request body")
        for status, response in operation["responses"].items():
            media = _json_media(response)
            if status.startswith("2") and media is not None and not _examples(media):
                missing.append(f"{label}: no example of its {status} answer")
    assert not missing, (
        f"{len(missing)} operation(s) without an example:\n  "
        + "\n  ".join(missing)
        + f"\n{HOW_TO_ADD}"
    )


def test_every_example_fits_its_schema(schema):
    components = schema["components"]["schemas"]
    wrong = []
    for label, media in _media_objects(schema):
        validator = Draft202012Validator(
            _strict(copy.deepcopy(media["schema"]), components), format_checker=FORMATS
        )
        for name, value in _examples(media).items():
            for error in validator.iter_errors(value):
                where = "/".join(str(p) for p in error.absolute_path) or "(top)"
                # A nullable value fails as "not valid under any of anyOf": name the real cause.
                cause = best_match(error.context) if error.context else error
                wrong.append(f"{label}, example {name!r} at {where}: {cause.message}")
    assert not wrong, "examples that do not fit their schema:\n  " + "\n  ".join(wrong)


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
    else:
        yield key, value


def _all_example_values(schema: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    for label, media in _media_objects(schema):
        for name, value in _examples(media).items():
            for key, leaf in _walk(value):
                yield f"{label}, example {name!r}", key, leaf


def test_no_example_shows_a_secret(schema):
    """Secrets are write-only: a request shows a placeholder, an answer never has the key."""
    shown = [
        f"{where}: {key}={leaf!r}"
        for where, key, leaf in _all_example_values(schema)
        if key.lower() in SECRET_KEYS
        and not (isinstance(leaf, str) and leaf.startswith("<") and leaf.endswith(">"))
    ]
    shown += [
        f"{where}: an API key"
        for where, _, leaf in _all_example_values(schema)
        if "vsp_" in str(leaf)
    ]
    assert not shown, "examples with something that looks like a secret:\n  " + "\n  ".join(shown)


CHECK_ID = re.compile(r"\b[A-Z]{3,4}-\d{3}\b")
REQUIREMENT_REF = re.compile(r"\b(?:M4349\.[A-Z_]+|SYS\.1\.5\.A\d+|M\d\.\d+)\b")


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _objects(item)


def test_examples_name_only_checks_and_requirements_that_exist(schema):
    checks = {spec.id for spec in all_checks()}
    requirements = {item["ref"] for item in read_catalogs()[0]}
    unknown = set()
    for where, _, leaf in _all_example_values(schema):
        text = str(leaf)
        unknown |= {f"{where}: check {c}" for c in CHECK_ID.findall(text) if c not in checks}
        unknown |= {
            f"{where}: requirement {r}"
            for r in REQUIREMENT_REF.findall(text)
            if r not in requirements
        }
    assert not unknown, "examples name checks or requirements the portal does not have:\n  " + (
        "\n  ".join(sorted(unknown))
    )


COMPARED = ("title_de", "title_en", "level", "text", "note")
COMPARED += ("title", "description", "requirements", "severity", "target", "platforms")


def test_examples_of_checks_and_requirements_say_what_the_registry_and_catalog_say(schema):
    """A title, level or text in an example is the real one (catalog and checks change)."""
    catalog = {item["ref"]: item for item in read_catalogs()[0]}
    registry = {spec.id: check_payload(spec, None) for spec in all_checks()}
    differ = set()
    for label, media in _media_objects(schema):
        for name, value in _examples(media).items():
            for obj in _objects(value):
                ref, check = obj.get("ref"), obj.get("check_id") or obj.get("id")
                if ref in catalog:
                    real = {"note": "", "text": "", **catalog[ref]}
                elif isinstance(check, str) and check in registry:
                    real = registry[check]
                else:
                    continue
                differ |= {
                    f"{label}, example {name!r}: {ref or check} {key}={obj[key]!r}, "
                    f"really {real[key]!r}"
                    for key in COMPARED
                    if key in obj and key in real and obj[key] != real[key]
                }
    assert not differ, "examples that no longer say what the portal says:\n  " + "\n  ".join(
        sorted(differ)
    )


def _example_names(schema: dict[str, Any]) -> dict[str, list[str]]:
    return {label: sorted(_examples(media)) for label, media in _media_objects(schema)}


def test_the_served_schema_swagger_ui_reads_has_the_same_examples(schema, api_for, auditor):
    answer = api_for(auditor).get("/api/schema/?format=json")
    assert answer.status_code == 200
    assert _example_names(answer.json()) == _example_names(schema)

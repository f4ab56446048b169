"""Schemathesis against the OpenAPI schema, once per role: no 5xx, no answer off the schema.

In-process and in one database transaction: the schema is built once at import, each request
goes straight into Django's WSGI handler (no server thread, no sockets), each test (operation x
role) runs in the transaction of pytest-django's ``db`` fixture and each example in a savepoint
that is rolled back, so every example sees the same estate and nothing is flushed.
Requests carry API tokens (write tokens, so the role alone decides), like other tools do;
``anonymous`` sends none. Path ids point at real objects half the time (``fuzz_estate``).

Examples per operation: ``PORTAL_FUZZ_EXAMPLES``, 100 with ``make fuzz``; without it the CI size
below (``make test``). Schemathesis' coverage phase (boundary and invalid values of every
parameter) runs in both, whatever the number. ``PORTAL_FUZZ_REPORT=FILE`` writes the requests
and answers per operation and role as JSON. Timings: docs/security.md.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import time
import traceback

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from portal.security.throttles import OperationThrottle
from portal.tokens import api_token_create
from tests.factories import UserFactory
from tests.security.fuzz_estate import make_fuzz_estate, real_parameters

CI_EXAMPLES = 25  # make test: about 3 minutes on the 2-core CI machine; 100 take about 7
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES") or CI_EXAMPLES)
ROLES = ("anonymous", "auditor", "security_officer", "administrator")
# 429 (the operation throttle) is allowed: these checks only look at documented answers.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

# The served schema needs a login; build the same document in-process, once.
_document = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(_document, default=str)))
schema.app = WSGIHandler()  # schemathesis calls a WSGI app in-process (Django is set up)

_answers: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
_seconds: dict[str, float] = collections.defaultdict(float)  # whole test, setup to teardown


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    path = os.environ.get("PORTAL_FUZZ_REPORT")
    if not path or not _answers:
        return
    tests = {
        test: {"requests": sum(codes.values()), "seconds": round(_seconds[test], 2),
               "status": dict(sorted(codes.items()))}
        for test, codes in sorted(_answers.items())
    }  # fmt: skip
    roles = {
        role: {
            "tests": len(mine),
            "requests": sum(t["requests"] for t in mine),
            "seconds": round(sum(t["seconds"] for t in mine), 1),
        }
        for role in ROLES
        if (mine := [t for name, t in tests.items() if name.endswith(f" {role}")])
    }
    summary = {"examples": EXAMPLES, "tests": len(tests), "roles": roles, "per_test": tests}
    summary["requests"] = sum(r["requests"] for r in roles.values())
    with open(path, "w") as out:
        json.dump(summary, out, indent=1)


@pytest.fixture
def in_process():
    """Like Django's test client: the request must not close the test's connection.

    Yields the exceptions views raise, so a 500 comes with its traceback.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    errors: list[BaseException] = []

    def record(sender, request=None, **kwargs):
        errors.append(sys.exc_info()[1])

    signals.got_request_exception.connect(record, weak=False)
    yield errors
    signals.got_request_exception.disconnect(record)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def fuzz_role(request, db, in_process, monkeypatch):
    """Headers of the role's requests and the real objects of the estate."""
    # 30 changes a minute would turn most examples of an operation into 429 after the first
    # 30 (the limit has its own tests). DRF binds the rates when the class is made, so
    # override_settings would not reach them.
    started = time.perf_counter()
    monkeypatch.setattr(OperationThrottle, "THROTTLE_RATES", {"operation": "1000000/s"})
    real = make_fuzz_estate()
    headers = {}
    if request.param != "anonymous":
        user = UserFactory(username=f"fuzz-{request.param}", role=request.param)
        token, key = api_token_create(user=user, name="fuzz", can_write=True)
        # Used just now: the lookup's once-a-minute write of last use stays out of every request.
        token.last_used_at = timezone.now()
        token.save(update_fields=["last_used_at"])
        headers = {"Authorization": f"Token {key}"}
    yield request.param, headers, real
    operation = request.node.name.split("[", 1)[1].split("][")[0]  # test[GET /api/x/][role]
    _seconds[f"{operation} {request.param}"] += time.perf_counter() - started


def _steer_to_real_objects(case, real) -> None:
    """Generated ids that are even numbers (string keys: of even length) become real objects.

    So do the coverage phase's bodies, which all go to id 0; ids that are no number at all
    stay as generated, for the routing to refuse.
    """
    parameters = real_parameters(case.operation.path, real)
    for name, value in (parameters or {}).items():
        generated = (case.path_parameters or {}).get(name)
        if isinstance(value, str):
            steer = isinstance(generated, str) and len(generated) % 2 == 0
        else:
            try:
                steer = int(str(generated)) % 2 == 0
            except ValueError:
                steer = False
        if steer:
            case.path_parameters[name] = value


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_its_schema_for_every_role(case, fuzz_role, in_process):
    role, headers, real = fuzz_role
    _steer_to_real_objects(case, real)
    in_process.clear()
    # Each example in a savepoint of its own: what one example changes, the next never sees.
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    _answers[f"{case.operation.label} {role}"][response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except BaseException as failure:
        for error in in_process:
            failure.add_note("".join(traceback.format_exception(error)))
        raise


@pytest.mark.django_db
def test_every_path_parameter_names_a_real_object():
    """A new detail route needs its object in fuzz_estate, or it is fuzzed against 404s only."""
    real = make_fuzz_estate()
    missing = [
        f"{operation.method.upper()} {operation.path}"
        for operation in (result.ok() for result in schema.get_all_operations())
        if "{" in operation.path and real_parameters(operation.path, real) is None
    ]
    assert missing == []

"""Schemathesis against the OpenAPI schema, once per role: no 5xx, no answer off the schema.

Slow (100 examples per operation and role), so opt-in: ``make security`` sets PORTAL_FUZZ=1.
Requests carry API tokens (write tokens for writers), like the other tools that use the API.
"""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.skipif(
    not os.environ.get("PORTAL_FUZZ"), reason="API fuzzing runs with `make security`"
)

if os.environ.get("PORTAL_FUZZ"):
    import schemathesis
    from drf_spectacular.generators import SchemaGenerator
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from portal.tokens import api_token_create
    from tests.factories import UserFactory
    from tests.security.objects import make_estate

    # The served schema needs a login; build the same document in-process instead.
    _document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(_document, default=str)))

    @pytest.fixture(params=["auditor", "security_officer", "administrator"])
    def token_header(request, transactional_db):
        make_estate()
        user = UserFactory(username=f"fuzz-{request.param}", role=request.param)
        _, key = api_token_create(user=user, name="fuzz", can_write=True)
        return {"Authorization": f"Token {key}"}

    @schema.parametrize()
    @settings(
        max_examples=int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "100")),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def test_the_api_keeps_its_schema_for_every_role(case, token_header, live_server):
        # Over real HTTP to a live server thread, as another tool would call it.
        case.call_and_validate(
            base_url=live_server.url,
            headers=token_header,
            checks=[not_a_server_error, response_schema_conformance],
        )

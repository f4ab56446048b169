"""The waiver list names each waiver's scope, whatever the scope (a 500 before, found by the
permission matrix once it used real waivers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance.services import waiver_create
from tests.inventory.factories import ClusterFactory, EndpointFactory

pytestmark = pytest.mark.django_db


def test_endpoint_and_cluster_waivers_are_listed_with_their_scope(client_for, officer, auditor):
    endpoint = EndpointFactory(name="vc-prod")
    cluster = ClusterFactory(endpoint=endpoint, name="gold")
    later = timezone.now() + dt.timedelta(days=30)
    for scope, kw in (("endpoint", {"endpoint": endpoint}), ("cluster", {"cluster": cluster})):
        waiver_create(
            check_id="SNAP-001", scope=scope, reason=f"{scope} accepted", expires_at=later,
            actor=officer, **kw,
        )  # fmt: skip
    page = client_for(auditor).get("/compliance/waivers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "endpoint: vc-prod" in html and "cluster: gold" in html

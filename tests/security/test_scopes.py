"""Object scopes: scope_queryset narrows querysets; the API answers 404 outside the scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory, force_authenticate

from inventory.api.endpoints import EndpointViewSet
from inventory.models import Cluster, Endpoint
from portal.models import ObjectScope
from portal.security.scopes import ScopeFilterBackend, scope_fields_for, scope_queryset
from tests.factories import UserFactory
from tests.security.objects import make_estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    return make_estate()


def test_a_user_without_scopes_sees_everything(admin_user, estate):
    assert scope_queryset(admin_user, Endpoint.objects.all(), "pk").count() == 2


def test_an_endpoint_scope_narrows_endpoints_and_their_objects(admin_user, estate):
    ObjectScope.objects.create(user=admin_user, endpoint=estate.inside)
    assert list(scope_queryset(admin_user, Endpoint.objects.all(), "pk")) == [estate.inside]
    clusters = scope_queryset(admin_user, Cluster.objects.all(), "endpoint", "pk")
    assert list(clusters) == [estate.inside_cluster]


def test_a_cluster_scope_narrows_by_cluster(admin_user, estate):
    ObjectScope.objects.create(user=admin_user, cluster=estate.outside_cluster)
    clusters = scope_queryset(admin_user, Cluster.objects.all(), "endpoint", "pk")
    assert list(clusters) == [estate.outside_cluster]
    # Endpoints are not widened by a cluster scope: the user sees no endpoint row.
    assert not scope_queryset(admin_user, Endpoint.objects.all(), "pk").exists()


def test_anonymous_sees_nothing(estate):
    assert not scope_queryset(AnonymousUser(), Endpoint.objects.all(), "pk").exists()


def test_the_filter_backend_finds_the_fields_of_each_model():
    assert scope_fields_for(Endpoint) == ("pk", None)
    assert scope_fields_for(Cluster) == ("endpoint", "pk")
    from inventory.models import Host, VirtualMachine
    from portal.models import AuditEvent

    assert scope_fields_for(Host) == ("endpoint", "cluster")
    assert scope_fields_for(VirtualMachine) == ("endpoint", "cluster")
    assert scope_fields_for(AuditEvent) is None


def test_the_filter_backend_is_a_default_of_every_api_view(settings):
    assert (
        "portal.security.scopes.ScopeFilterBackend"
        in settings.REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]
    )
    assert ScopeFilterBackend in EndpointViewSet.filter_backends


@pytest.mark.parametrize(
    ("action", "method", "detail"),
    [
        ("list", "get", False),
        ("retrieve", "get", True),
        ("partial_update", "patch", True),
        ("destroy", "delete", True),
        ("sync", "post", True),
    ],
)
def test_outside_its_scope_an_endpoint_answers_404_in_every_api_action(
    admin_user, estate, action, method, detail
):
    ObjectScope.objects.create(user=admin_user, endpoint=estate.inside)
    view = EndpointViewSet.as_view({method: action})
    factory = APIRequestFactory()
    request = getattr(factory, method)("/api/endpoints/", {"name": "renamed"}, format="json")
    force_authenticate(request, admin_user)
    if detail:
        answer = view(request, pk=estate.outside.pk)
        assert answer.status_code == 404
        assert Endpoint.objects.get(pk=estate.outside.pk).name == "vc-outside"
    else:
        answer = view(request)
        assert [row["name"] for row in answer.data["results"]] == ["vc-inside"]


def test_a_taken_endpoint_name_tells_a_scoped_administrator_nothing(admin_user, estate, api_for):
    """A scoped administrator renaming its endpoint, or adding one, to the name of an endpoint
    outside the scope is refused without being told that endpoint exists."""
    scoped_admin = UserFactory(username="scoped-namer", role="administrator")
    ObjectScope.objects.create(user=scoped_admin, endpoint=estate.inside)
    api = api_for(scoped_admin)
    answer = api.patch(f"/api/endpoints/{estate.inside.pk}/", {"name": "vc-outside"}, format="json")
    assert answer.status_code == 400
    said = str(answer.json()["error"]["fields"]["name"])
    assert "exist" not in said and "vc-outside" not in said
    assert Endpoint.objects.get(pk=estate.inside.pk).name == "vc-inside"
    unscoped = api_for(admin_user).patch(
        f"/api/endpoints/{estate.inside.pk}/", {"name": "vc-outside"}, format="json"
    )
    assert "exists already" in str(unscoped.json()["error"]["fields"]["name"])

"""A scoped administrator sees and manages only policies whose whole selection is in scope."""

from __future__ import annotations

import pytest

from operations.models import SnapshotPolicy
from operations.services.policies import policy_create
from portal.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import ClusterFactory, EndpointFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(admin_user):
    mine, other = EndpointFactory(name="vc-mine"), EndpointFactory(name="vc-other")
    scoped_admin = UserFactory(username="sam-scoped", role="administrator")
    ObjectScope.objects.create(user=scoped_admin, endpoint=mine)
    vm_mine = VirtualMachineFactory(endpoint=mine, name="web01")
    vm_other = VirtualMachineFactory(endpoint=other, name="db01")
    inside = policy_create(label="inside", actor=admin_user)
    inside.endpoints.set([mine])
    inside.vms.set([vm_mine])
    reaching_out = policy_create(label="reach", actor=admin_user)
    reaching_out.vms.set([vm_mine, vm_other])
    tagged = policy_create(label="tagged", tag="gold", actor=admin_user)
    return {
        "mine": mine, "other": other, "scoped_admin": scoped_admin, "vm_other": vm_other,
        "inside": inside, "reach": reaching_out, "tagged": tagged,
    }  # fmt: skip


def test_a_scoped_administrator_lists_only_policies_inside_the_scope(estate, api_for, admin_user):
    scoped = api_for(estate["scoped_admin"])
    labels = [p["label"] for p in scoped.get("/api/snapshot-policies/").json()["results"]]
    assert labels == ["inside"]
    everyone = [
        p["label"] for p in api_for(admin_user).get("/api/snapshot-policies/").json()["results"]
    ]
    assert sorted(everyone) == ["inside", "reach", "tagged"]


@pytest.mark.parametrize("name", ["reach", "tagged"])
def test_a_policy_reaching_outside_the_scope_does_not_exist_for_a_scoped_administrator(
    estate, api_for, client_for, name
):
    pk = estate[name].pk
    api = api_for(estate["scoped_admin"])
    assert api.get(f"/api/snapshot-policies/{pk}/").status_code == 404
    assert api.post(f"/api/snapshot-policies/{pk}/run/").status_code == 404
    assert api.patch(f"/api/snapshot-policies/{pk}/", {"enabled": False}).status_code == 404
    assert api.delete(f"/api/snapshot-policies/{pk}/").status_code == 404
    page = client_for(estate["scoped_admin"])
    assert page.get(f"/snapshot-policies/{pk}/edit/").status_code == 404
    assert page.post(f"/snapshot-policies/{pk}/run/").status_code == 404
    assert SnapshotPolicy.objects.filter(pk=pk, enabled=True).exists()


def test_a_scoped_administrator_cannot_write_a_selection_outside_the_scope(estate, api_for):
    api = api_for(estate["scoped_admin"])
    answer = api.post(
        "/api/snapshot-policies/",
        {"label": "sneak", "vms": [estate["vm_other"].pk]},
        format="json",
    )
    assert answer.status_code == 400 and "vms" in str(answer.json())
    answer = api.post("/api/snapshot-policies/", {"label": "wide", "tag": "gold"}, format="json")
    assert answer.status_code == 400 and "leave the tag empty" in str(answer.json())
    answer = api.patch(
        f"/api/snapshot-policies/{estate['inside'].pk}/",
        {"endpoints": [estate["other"].pk]},
        format="json",
    )
    assert answer.status_code == 400
    assert list(estate["inside"].endpoints.all()) == [estate["mine"]]
    made = api.post(
        "/api/snapshot-policies/", {"label": "ok", "endpoints": [estate["mine"].pk]}, format="json"
    )
    assert made.status_code == 201, made.json()


def test_a_cluster_scoped_administrator_may_select_its_cluster_but_not_the_whole_endpoint(
    estate, api_for
):
    cluster = ClusterFactory(endpoint=estate["other"], name="gold")
    user = UserFactory(username="cleo-cluster", role="administrator")
    ObjectScope.objects.create(user=user, cluster=cluster)
    api = api_for(user)
    ok = api.post(
        "/api/snapshot-policies/", {"label": "c1", "clusters": [cluster.pk]}, format="json"
    )
    assert ok.status_code == 201, ok.json()
    wide = api.post(
        "/api/snapshot-policies/", {"label": "c2", "endpoints": [estate["other"].pk]}, format="json"
    )
    assert wide.status_code == 400


def test_a_taken_label_tells_a_scoped_administrator_nothing_about_the_policy_holding_it(
    estate, api_for, client_for, admin_user
):
    """Same words for a label held in the scope ("inside") and outside it ("reach"), through
    the API and the page; nothing is created; an unscoped administrator is told plainly."""
    api = api_for(estate["scoped_admin"])
    mine = [estate["mine"].pk]
    said = {}
    for label in ("inside", "reach"):
        answer = api.post("/api/snapshot-policies/", {"label": label, "endpoints": mine})
        assert answer.status_code == 400, answer.content
        said[label] = answer.json()["error"]["fields"]["label"]
        assert "exist" not in str(said[label]) and label not in str(said[label])
    assert said["inside"] == said["reach"]
    page = client_for(estate["scoped_admin"]).post(
        "/snapshot-policies/new/",
        {
            "label": "reach",
            "endpoints": mine,
            "keep_last": 3,
            "min_free_percent": 10,
            "minute": "0",
            "hour": "*",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
        },
    )
    assert page.status_code == 200 and b"choose another" in page.content
    assert b"exists already" not in page.content
    assert SnapshotPolicy.objects.filter(label="reach").count() == 1
    unscoped = api_for(admin_user).post("/api/snapshot-policies/", {"label": "reach"})
    assert "exists already" in str(unscoped.json()["error"]["fields"]["label"])

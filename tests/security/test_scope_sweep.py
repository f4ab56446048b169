"""The scope sweep: no page, export, fragment or API answer names anything outside a scope.

An endpoint outside the users' scope carries a random token in every name it has (VM, host,
cluster, datastore, port group, snapshot, policy, operation reason, finding, waiver, baseline,
audit target; see tests/security/canaries.py). A scoped administrator, security officer and
auditor then request every route of the URL conf (walked with ``get_resolver()``, so a new
route is swept without anyone adding it here), with the ids of objects inside their scope,
with query strings that filter by the outside objects, as CSV and as live fragments, and every
GET operation of the OpenAPI schema. No answer may hold the token. A route whose path
parameters the sweep cannot fill fails the test unless ``UNFILLED`` says why.

PDF text is drawn with a TrueType subset that reportlab keeps ASCII-readable, inside
Flate-compressed content streams: the sweep inflates every stream and searches the raw bytes
too; a positive control (an in-scope VM name must be found in the PDF) shows that this
extraction sees the text at all.
"""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from inventory.models import Endpoint
from portal.audit import audit
from portal.models import AuditEvent, ObjectScope
from tests.factories import UserFactory
from tests.security.canaries import Outside, plant_canaries, plant_cluster_canaries
from tests.security.fuzz_estate import estate_objects
from tests.security.helpers import verify_session
from tests.security.objects import make_estate
from tests.security.sweep import EXPECTED_STATUS, body_text, inside_ids, paths

# (who, role, scope): the three roles limited to the inside endpoint, and an administrator
# limited to the inside cluster (objects outside the cluster, such as the endpoint's own
# datastores, answer 404 for it, so 404 is expected there).
SWEPT = (
    ("administrator", "administrator", "endpoint"),
    ("security_officer", "security_officer", "endpoint"),
    ("auditor", "auditor", "endpoint"),
    ("administrator@cluster", "administrator", "cluster"),
)


def _variants(route: str, names: tuple[str, ...], outside: Outside) -> list[str]:
    """Query strings for list routes: filters naming outside objects, CSV, fragments."""
    if names or route.startswith("admin/"):
        return [""]
    o = outside
    filters = [
        f"endpoint={o.endpoint.pk}",
        f"cluster={o.cluster.pk}",
        f"host={o.host.pk}",
        f"vm={o.vm.pk}",
        "absent=all",
        "sort=-name",
        "format=csv",
        "fragment=rows",
        "q=zq",
    ]
    return ["", *("?" + f for f in filters)]


@pytest.fixture
def world(db):
    from compliance.models import Requirement

    estate = make_estate()
    inside = estate_objects(estate)
    outside = plant_canaries()
    other_cluster = plant_cluster_canaries(estate.inside)
    # An in-scope audit event about an object, and one about no object (a login).
    audit(action="canary.inside", actor="someone", target=estate.vm)
    audit(action="auth.login", actor="someone")
    users, clients = {}, {}
    for who, role, scope in SWEPT:
        users[who] = user = UserFactory(username=f"scoped-{who.replace('@', '-')}", role=role)
        target = (
            {"endpoint": estate.inside}
            if scope == "endpoint"
            else {"cluster": estate.inside_cluster}
        )
        ObjectScope.objects.create(user=user, **target)
        clients[who] = verify_session(Client(raise_request_exception=False), user)
    return {
        "estate": estate,
        "inside": inside,
        "outside": outside,
        "clients": clients,
        "users": users,
        "requirement": Requirement.objects.order_by("ref").first().ref,
        "by_prefix": inside_ids(estate, inside),
        "other_cluster": other_cluster,
    }


def _schema_get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, ops in schema["paths"].items() if "get" in ops)


def _forbidden(world: dict, who: str) -> tuple[str, ...]:
    """The token, the names of the estate's second endpoint (outside every scope too) and, for
    the cluster-scoped user, the token of the other cluster of its endpoint."""
    words = (world["outside"].token, "vc-outside")
    return (*words, world["other_cluster"]) if who.endswith("@cluster") else words


def test_no_page_export_fragment_or_api_answer_names_an_object_outside_the_scope(world):
    outside: Outside = world["outside"]
    leaks: list[str] = []
    unfilled: list[str] = []
    odd_status: list[str] = []
    swept: set[str] = set()
    pdf_seen = requests = 0
    for route, path, names, explained in paths(world, unfilled):
        swept.add(route)
        for role, client in world["clients"].items():
            for query in _variants(route, names, outside):
                requests += 1
                answer = client.get(path + query)
                body = body_text(answer)
                expected = EXPECTED_STATUS | ({404} if role.endswith("@cluster") else set())
                odd = query == "" and answer.status_code not in expected
                if odd and explained is None:
                    odd_status.append(f"{role} GET {path}: {answer.status_code}")
                for word in _forbidden(world, role):
                    if word.lower() in body.lower():
                        at = body.lower().index(word.lower())
                        excerpt = body[max(0, at - 80) : at + 40].replace("\n", " ")
                        leaks.append(f"{role} GET {path}{query}: …{excerpt}…")
                if body.startswith("%PDF") and answer.status_code == 200:
                    pdf_seen += 1
                    assert "app-1" in body, "the PDF text extraction found no in-scope name"
    assert not unfilled, f"routes the sweep cannot fill; fill them or explain: {unfilled}"
    assert not odd_status, odd_status
    assert pdf_seen, "no PDF was swept"
    assert not leaks, "\n".join(leaks)
    # Every GET operation of the API schema is a route the sweep requested.
    schema_routes = {p.lstrip("/").replace("{id}", "{pk}") for p in _schema_get_paths()}
    assert schema_routes - swept == set()
    print(f"scope sweep: {len(swept)} routes, {requests} requests, {len(SWEPT)} users")


def test_api_lists_count_only_what_the_scope_holds(world):
    """``count`` of every API list is the number of rows it returns (one page here), and no
    row is an object of the outside endpoint."""
    outside: Outside = world["outside"]
    wrong: list[str] = []
    for path in _schema_get_paths():
        if "{" in path or not path.endswith("/") or path in ("/api/schema/", "/api/"):
            continue
        for role, client in world["clients"].items():
            answer = client.get(path)
            if answer.status_code != 200:
                continue
            data = answer.json()
            if not isinstance(data, dict) or "count" not in data:
                continue
            if data.get("next") is None and data["count"] != len(data["results"]):
                wrong.append(f"{role} {path}: count {data['count']}, rows {len(data['results'])}")
            kind = path.removeprefix("/api/").rstrip("/")
            ids = {row.get("id") for row in data["results"] if isinstance(row, dict)}
            if kind in outside.ids and outside.ids[kind] in ids:
                wrong.append(f"{role} {path}: lists the outside object {outside.ids[kind]}")
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("who", "vms", "hosts", "snapshots"),
    # Inside endpoint: app-1 and the other cluster's VM, esx-1 and its host, two snapshots.
    # Inside cluster: app-1, esx-1 and the "before" snapshot. Outside: one of each, never counted.
    [("administrator", 2, 2, 2), ("administrator@cluster", 1, 1, 1)],
)
def test_the_dashboard_counts_only_the_scope(world, who, vms, hosts, snapshots):
    from portal.dashboard import dashboard_data

    data = dashboard_data(world["users"][who])
    assert sum(p.total for p in data["vm_states"]) == vms
    assert sum(p.total for p in data["host_states"]) == hosts
    assert sum(b.count for b in data["snapshot_ages"]) == snapshots
    assert not [
        p for p in data["operations"].failing_policies if p.pk == world["outside"].policy.pk
    ]
    assert len(data["endpoints"]) == (1 if who == "administrator" else 0)
    unscoped = dashboard_data(None)
    assert sum(p.total for p in unscoped["vm_states"]) == 3  # the control: all three exist


def test_the_swept_audit_trail_still_shows_what_the_scope_holds(world):
    """The scope hides, it does not blank: in-scope events and events about no object stay."""
    client = world["clients"]["auditor"]
    rows = client.get("/api/audit-events/?page_size=500").json()["results"]
    assert {"canary.inside", "auth.login"} <= {row["action"] for row in rows}
    notes = {row["detail"].get("note") for row in rows if row["action"] == "canary.planted"}
    # The other cluster is on the auditor's endpoint; the outside endpoint is not.
    assert notes == {world["other_cluster"]}
    planted = AuditEvent.objects.filter(
        action="canary.planted", detail__note=world["outside"].token
    )
    assert planted.count() == 9
    assert Endpoint.objects.count() == 3


CONTROL_PATHS = (
    "/", "/operations/", "/snapshot-policies/", "/vms/", "/hosts/", "/datastores/",
    "/networks/", "/snapshots/", "/sync-runs/", "/compliance/findings/",
    "/compliance/waivers/", "/compliance/baselines/", "/audit/", "/api/audit-events/",
    "/compliance/reports/findings.csv", "/compliance/reports/check.pdf",
)  # fmt: skip


def test_without_a_scope_the_canaries_are_on_the_pages_the_sweep_reads(world):
    """The control: an unscoped security officer sees the planted names, so the sweep's
    silence means the scope hid them, not that no page shows such a name."""
    officer = UserFactory(username="unscoped-officer", role="security_officer")
    client = verify_session(Client(raise_request_exception=False), officer)
    missing = []
    for path in CONTROL_PATHS:
        answer = client.get(path)
        if answer.status_code != 200 or world["outside"].token not in body_text(answer):
            missing.append(f"{path}: {answer.status_code}")
    assert not missing

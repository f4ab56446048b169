"""Observing who may do what: one request per role against one route and method."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from compliance.models import Requirement
from portal.models import ApiToken, AuditEvent, ObjectScope
from portal.tokens import api_token_create
from tests.factories import UserFactory
from tests.security.fuzz_estate import ASSESSED_REF, estate_objects
from tests.security.helpers import verify_session
from tests.security.objects import Estate, make_estate
from tests.security.routes import concrete

ROLES = (
    "anonymous",
    "auditor",
    "security_officer",
    "administrator",
    "administrator_out_of_scope",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The administrator acts last: its DELETE may remove the object the others asked about.
_ORDER = ("anonymous", "auditor", "security_officer", "administrator_out_of_scope", "administrator")


@dataclass
class World:
    estate: Estate
    token: ApiToken
    event: AuditEvent
    clients: dict[str, Client]
    objects: dict[str, int]  # API kind -> pk of a real object on the inside endpoint

    def ids_for(self, route: str) -> dict[str, str]:
        """Ids of real objects of the kind ``route`` serves (inside the scoped admin's scope? no:
        the objects are outside it, so its answers show the scope at work)."""
        e, o = self.estate, self.objects
        if route.startswith("compliance/baselines/"):
            return {"object_type": "vm", "object_id": str(e.vm.pk)}
        if "compliance/targets/" in route:
            return {"pk": str(o["compliance/targets"]), "ref": ASSESSED_REF}
        if "requirements/" in route:
            return {"ref": Requirement.objects.order_by("ref").first().ref}
        by_prefix = {
            **{f"api/{kind}/": pk for kind, pk in o.items()},
            "compliance/findings/": o["compliance/findings"],
            "operations/": o["operations"],
            "snapshot-policies/": o["snapshot-policies"],
            "api/endpoints/": e.inside.pk,
            "endpoints/": e.inside.pk,
            "api/clusters/": e.inside_cluster.pk,
            "api/hosts/": e.host.pk,
            "hosts/": e.host.pk,
            "api/vms/": e.vm.pk,
            "vms/": e.vm.pk,
            "api/snapshots/": e.snapshot.pk,
            "snapshots/": e.snapshot.pk,
            "api/audit-events/": self.event.pk,
            "security/tokens/": self.token.pk,
            # A real waiver (and below, a real finding for ``finding_id``): "1" would be a missing
            # id on PostgreSQL (its sequences never restart) and an existing one on SQLite.
            "compliance/waivers/": o["compliance/waivers"],
            "notifications/receivers/": o["notifications/receivers"],
            "notifications/subscriptions/": o["notifications/subscriptions"],
        }
        if route.startswith("tasks/"):  # a check run on the inside endpoint
            return {"kind": "check", "pk": str(o["compliance/runs"])}
        if route.startswith("api/compliance/checks/"):
            return {"check_id": "SNAP-001"}
        for prefix, pk in by_prefix.items():
            if route.startswith(prefix):
                return {"pk": str(pk), "id": str(pk), "finding_id": str(pk)}
        return {}


def make_world() -> World:
    """Users of every role with verified sessions, and objects whose ids the routes use.

    ``administrator_out_of_scope`` is limited to the *other* endpoint, so every object of the
    ``inside`` endpoint is outside its scope.
    """
    estate = make_estate()
    users = {
        "auditor": UserFactory(username="m-auditor", role="auditor"),
        "security_officer": UserFactory(username="m-officer", role="security_officer"),
        "administrator": UserFactory(username="m-admin", role="administrator"),
        "administrator_out_of_scope": UserFactory(username="m-admin-out", role="administrator"),
    }
    ObjectScope.objects.create(user=users["administrator_out_of_scope"], endpoint=estate.outside)
    token, _ = api_token_create(user=users["auditor"], name="matrix")
    event = AuditEvent.objects.create(action="matrix.seed", source="command")
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role, user in users.items():
        clients[role] = verify_session(Client(raise_request_exception=False), user)
    return World(estate, token, event, clients, {**estate_objects(estate), **_notifications()})


def _notifications() -> dict[str, int]:
    """A webhook receiver and a role subscription (unscoped objects: officers and unscoped
    administrators manage them, a scoped administrator gets 403)."""
    from notifications.models import Receiver, Subscription

    receiver = Receiver.objects.create(
        name="matrix",
        url="https://hooks.example.test/x",
        url_display="https://hooks.example.test/…",
    )
    sub = Subscription.objects.create(role="auditor", kind="operation_failed")
    return {"notifications/receivers": receiver.pk, "notifications/subscriptions": sub.pk}


def observe(world: World, route: str, regex: str, names: tuple[str, ...], method: str):
    """Status codes of ``method`` on the route for each role, in ROLES order (None: no path)."""
    path = concrete(regex, names, world.ids_for(route))
    if path is None:
        return None
    seen: dict[str, int] = {}
    for role in _ORDER:
        client = world.clients[role]
        answer = client.generic(method, path, "{}", content_type="application/json")
        seen[role] = answer.status_code
    return tuple(seen[role] for role in ROLES)

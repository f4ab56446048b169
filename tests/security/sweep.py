"""Walking every page route with real ids: shared by the scope sweep and the German sweep.

``fill`` gives the path parameters of a route from a ``world`` dict (``estate`` and
``by_prefix``, see ``inside_ids``); ``paths`` yields every route of the URL conf as a concrete
path (routes it cannot fill are named, unless ``UNFILLED`` says why); ``body_text`` is an
answer's text with the content streams of a PDF inflated.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterator

from tests.security.fuzz_estate import ASSESSED_REF, CHECK_ID
from tests.security.objects import Estate
from tests.security.routes import all_routes, concrete

# Routes whose parameters the sweep does not fill, and why; each is still requested once with
# "1" for every parameter and must not leak either.
UNFILLED = {
    "admin/": "Django admin: only staff may enter; every portal role is redirected to login "
    "before a parameter is read (permission matrix: 302 for every role)",
    "endpoints/new/{pk}/": "the second step of adding an endpoint shows one certificate fetch, "
    "which belongs to the administrator who asked for it (another user's is 404 by design)",
    "endpoints/probes/{pk}/status.json": "the state of one certificate fetch, for the "
    "administrator who asked for it only (another user's is 404 by design)",
    "endpoints/{pk}/certificate/{probe}/": "a certificate fetch belongs to the administrator "
    "who asked for it and is used once within 30 minutes; another user's is 404 by design "
    "(tests/inventory/test_endpoint_pages.py), and it names only the server's certificate",
    "notifications/receivers/": "webhook receivers belong to no endpoint: every scoped user "
    "gets 403 on them (permission matrix), and they name no inventory object",
    "notifications/subscriptions/": "deleting a subscription is POST only (GET answers 405 "
    "before the id is read); subscriptions belong to a user, role or receiver, not to an endpoint",
    # Not a parameter, a status: these answer 404 while OIDC is off (as in the suite).
    "sso/oidc/": "the single sign-on start and callback are the login's round trip to the "
    "provider; they show no inventory object to anyone (tests/browser/test_single_sign_on.py)",
    "security/tokens/": "revoking a token is POST only (GET answers 405 before the id is read) "
    "and API tokens belong to users, not to an endpoint",
}

# Status codes a swept GET may answer. 404 is not among them: with in-scope ids it means the
# sweep filled a parameter wrongly and looked at an error page instead of the real one.
EXPECTED_STATUS = {200, 301, 302, 403, 405}


def inside_ids(estate: Estate, inside: dict[str, int]) -> dict[str, str]:
    """Path parameters by route prefix: objects inside the scope."""
    return {
        **{f"api/{kind}/": str(pk) for kind, pk in inside.items()},
        "compliance/findings/": str(inside["compliance/findings"]),
        "compliance/waivers/": str(inside["compliance/waivers"]),
        "compliance/targets/": str(inside["compliance/targets"]),
        "operations/": str(inside["operations"]),
        "snapshot-policies/": str(inside["snapshot-policies"]),
        "hosts/": str(estate.host.pk),
        "vms/": str(estate.vm.pk),
        "snapshots/": str(estate.snapshot.pk),
        "endpoints/": str(estate.inside.pk),
        "tasks/": str(inside["compliance/runs"]),  # a check run (``kind`` below)
    }


def fill(route: str, names: tuple[str, ...], world: dict) -> dict[str, str] | None:
    """Values for every parameter of ``route``, or None when the sweep does not know them."""
    if not names:
        return {}
    values: dict[str, str] = {}
    for name in names:
        if name == "check_id":
            values[name] = CHECK_ID
        elif name == "ref" and "targets/" in route:
            values[name] = ASSESSED_REF  # one the in-scope target has an assessment of
        elif name == "ref":
            values[name] = world["requirement"]
        elif name == "object_type" and route.startswith("compliance/baselines/"):
            values[name] = "vm"
        elif name == "object_id" and route.startswith("compliance/baselines/"):
            values[name] = str(world["estate"].vm.pk)
        elif name == "kind" and route.startswith("tasks/"):
            values[name] = "check"
        elif name == "finding_id":
            values[name] = world["by_prefix"]["compliance/findings/"]
        elif name in ("pk", "id"):
            prefix = max(
                (p for p in world["by_prefix"] if route.startswith(p)), key=len, default=None
            )
            if prefix is None:
                return None
            values[name] = world["by_prefix"][prefix]
        else:
            return None
    return values


_PDF_STREAM = re.compile(
    rb"<<(?P<dict>(?:(?!<<|>>).)*?/Length (?P<length>\d+)[^>]*)>>\s*stream\r?\n", re.S
)


def body_text(response) -> str:
    """The body as text; PDF content streams inflated."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    parts = [raw.decode("latin-1")]
    if raw.startswith(b"%PDF"):
        for m in _PDF_STREAM.finditer(raw):
            data = raw[m.end() : m.end() + int(m.group("length"))]
            if b"ASCII85Decode" in m.group("dict"):
                data = base64.a85decode(data.strip().removesuffix(b"~>"), adobe=False)
            if b"FlateDecode" in m.group("dict"):
                data = zlib.decompress(data)
            parts.append(data.decode("latin-1"))
    return "\n".join(parts)


def paths(
    world: dict, unfilled: list[str]
) -> Iterator[tuple[str, str, tuple[str, ...], str | None]]:
    """(route, concrete path, parameter names, why unfilled or None) of every route but logout;
    routes that cannot be filled and are not explained are appended to ``unfilled``."""
    for route, regex, names in all_routes():
        if "logout" in route:
            continue  # GET answers 405; a POST would end the session the sweep uses
        values = fill(route, names, world)
        explained = next((p for p in UNFILLED if route.startswith(p)), None)
        if values is None:
            if explained is None:
                unfilled.append(route)
                continue
            values = {n: "portal" if n == "app_label" else "1" for n in names}
        path = concrete(regex, names, values)
        if path is None:
            unfilled.append(route)
            continue
        yield route, path, names, explained

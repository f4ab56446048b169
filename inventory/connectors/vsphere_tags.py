"""vSphere tags of VMs, read from vCenter's vAPI (REST) service.

Tags are not part of the SOAP API that :mod:`inventory.connectors.vcenter` speaks: they live in
the vAPI tagging service. We use its ``/rest`` form (vCenter 6.5 to 8, and govmomi's
simulator, which offers only that form):

1. ``POST /rest/com/vmware/cis/session`` with HTTP basic authentication (the endpoint's own
   user and password) gives a session id;
2. ``POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects``
   with up to :data:`BATCH` VMs per request gives the tag ids attached to each VM;
3. ``GET .../tagging/tag/id:<id>`` for each attached tag and ``GET .../tagging/category/id:<id>``
   for each of their categories give the names;
4. ``DELETE /rest/com/vmware/cis/session`` ends the session.

All requests travel over one keep-alive connection made by the caller's connection factory,
i.e. the same verified TLS as the SOAP session (CA context or pinned fingerprint, checked
after the handshake and before the first byte of HTTP). The session id lives in a local
variable only: never logged, stored or put into a message.

A tag is named ``Category:Tag``: vSphere tag names are unique only within their category, so
the category is part of the name (docs/compliance.md, "Target objects").

Request count: ``2 + ceil(VMs / BATCH) + T + C`` (T attached tags, C their categories),
whatever the number of VMs beyond a batch.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from .base import AuthenticationError, ConnectorError

BATCH = 1000  # VMs per list-attached-tags-on-objects request
PREFIX = "/rest/com/vmware/cis"
SESSION_HEADER = "vmware-api-session-id"
MAX_BODY = 64 * 1024 * 1024


class _NotFound(ConnectorError):
    """HTTP 404: the object (or, for the session, the whole /rest service) is not there."""


class _Vapi:
    """One vAPI session over one connection; see the module docstring."""

    def __init__(
        self, connection: http.client.HTTPConnection, url: str, username: str, secret: str
    ) -> None:
        self._conn = connection
        self._url = url
        self._username = username
        self._secret = secret
        self._session = ""

    def request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        if self._session:
            headers[SESSION_HEADER] = self._session
        else:
            pair = f"{self._username}:{self._secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        self._conn.request(method, PREFIX + path, body=data, headers=headers)
        resp = self._conn.getresponse()
        raw = resp.read(MAX_BODY)
        where = f"{self._url} vAPI {method} {path.split('?')[0]}"
        if resp.status == 401 and not self._session:
            raise AuthenticationError(
                f"{where}: the vAPI service rejected the user name or password "
                f"for {self._username!r}"
            )
        if resp.status in (401, 403):
            raise ConnectorError(
                f"{where}: user {self._username!r} may not read tags (HTTP {resp.status})"
            )
        if resp.status == 404:
            if path == "/session":
                raise _NotFound(f"{where}: no vAPI /rest service at this address (HTTP 404)")
            raise _NotFound(f"{where}: HTTP 404")
        if resp.status != 200:
            raise ConnectorError(f"{where}: HTTP {resp.status}")
        if not raw:
            return None
        try:
            return json.loads(raw).get("value")
        except (ValueError, AttributeError):
            raise ConnectorError(f"{where}: the answer is not vAPI JSON") from None

    def login(self) -> None:
        session = self.request("POST", "/session")
        if not isinstance(session, str) or not session:
            raise ConnectorError(f"{self._url} vAPI: the login gave no session id")
        self._session = session

    def logout(self) -> None:
        if self._session:
            # The session times out on the server anyway; never fail a read on the way out.
            with contextlib.suppress(ConnectorError, OSError, http.client.HTTPException):
                self.request("DELETE", "/session")
            self._session = ""


def _attached(api: _Vapi, vm_ids: list[str]) -> dict[str, list[str]]:
    """Tag ids per VM moref, BATCH VMs per request."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(vm_ids), BATCH):
        body = {
            "object_ids": [
                {"type": "VirtualMachine", "id": vm} for vm in vm_ids[start : start + BATCH]
            ]
        }
        answer = api.request(
            "POST", "/tagging/tag-association?~action=list-attached-tags-on-objects", body
        )
        for item in answer or []:
            obj = item.get("object_id") or {}
            if obj.get("type") == "VirtualMachine" and obj.get("id"):
                found[str(obj["id"])] = [str(t) for t in item.get("tag_ids") or []]
    return found


def _names(api: _Vapi, tag_ids: Iterable[str]) -> dict[str, str]:
    """``Category:Tag`` per tag id; a tag deleted meanwhile is left out."""
    tags: dict[str, tuple[str, str]] = {}
    for tag_id in sorted(set(tag_ids)):
        try:
            tag = api.request("GET", f"/tagging/tag/id:{quote(tag_id, safe=':')}") or {}
        except _NotFound:
            continue
        tags[tag_id] = (str(tag.get("category_id") or ""), str(tag.get("name") or ""))
    categories: dict[str, str] = {}
    for category_id in sorted({c for c, _ in tags.values() if c}):
        category = api.request("GET", f"/tagging/category/id:{quote(category_id, safe=':')}")
        categories[category_id] = str((category or {}).get("name") or "")
    return {
        tag_id: f"{categories.get(cat, '')}:{name}" if categories.get(cat) else name
        for tag_id, (cat, name) in tags.items()
        if name
    }


def read_vm_tags(
    connect: Callable[[], http.client.HTTPConnection],
    url: str,
    username: str,
    secret: str,
    vm_ids: list[str],
) -> dict[str, list[str]]:
    """The ``Category:Tag`` names attached to each VM in ``vm_ids`` (sorted; [] for none).

    ``connect`` returns a new, not yet connected, verified HTTPS connection to the vCenter.
    Raises ConnectorError (AuthenticationError for rejected credentials); transport errors
    (OSError, TLS, a pin mismatch) are left to the caller to translate.
    """
    if not vm_ids:
        return {}
    conn = connect()
    api = _Vapi(conn, url, username, secret)
    try:
        api.login()
        try:
            attached = _attached(api, vm_ids)
            names = _names(api, (t for ids in attached.values() for t in ids))
        finally:
            api.logout()
    except http.client.HTTPException as exc:
        raise ConnectorError(f"{url} vAPI: not an HTTP answer ({type(exc).__name__})") from None
    finally:
        conn.close()
    return {vm: sorted({names[t] for t in attached.get(vm, []) if t in names}) for vm in vm_ids}

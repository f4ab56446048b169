"""OpenLDAP's slapd (Debian's) on free ports with TLS from a test CA, filled with a small tree.

``RunningSlapd`` writes a slapd.conf into a temporary directory, starts ``slapd -d stats`` (in the
foreground, so the fixture owns the process) listening on ``ldap://`` (StartTLS) and ``ldaps://``
on 127.0.0.1, waits for it, and adds the entries below as the root DN. ``stop()`` and ``start()``
let a test take the directory away and bring it back.

The tree: people alice (administrator through a nested group), bob (security officer), carol
(auditor limited to endpoint ``vc-ldap``), frank (auditor limited to ``vc-ldap``, both only
through nested groups), dave (locked with ppolicy's pwdAccountLockedTime: the
OpenLDAP form of a disabled account), erin (in no portal group); the service account
``cn=portal-svc,ou=services``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import ldap
import ldap.modlist

from .process import PeerProcess
from .tlsca import CertAuthority, free_port

SLAPD = "/usr/sbin/slapd"
BASE = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{BASE}"
SERVICE_DN = f"cn=portal-svc,ou=services,{BASE}"
PASSWORD = "Directory-Passw0rd!"  # every test account's; the service account's is its own
SERVICE_PASSWORD = "Service-Acc0unt-Secret"
GROUPS = f"ou=groups,{BASE}"
PEOPLE = f"ou=people,{BASE}"

_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 16777216
suffix "{base}"
rootdn "{root}"
rootpw {rootpw}
directory {dir}/data
overlay ppolicy
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="{service}" read
  by self read
  by * none
"""


def _user(uid: str, given: str, surname: str, **extra: list[bytes]) -> tuple[str, dict]:
    attrs = {
        "objectClass": [b"inetOrgPerson"],
        "uid": [uid.encode()],
        "cn": [f"{given} {surname}".encode()],
        "givenName": [given.encode()],
        "sn": [surname.encode()],
        "mail": [f"{uid}@example.org".encode()],
        "userPassword": [PASSWORD.encode()],
        **extra,
    }
    return f"uid={uid},{PEOPLE}", attrs


def _group(name: str, *members: str) -> tuple[str, dict]:
    return f"cn={name},{GROUPS}", {
        "objectClass": [b"groupOfNames"],
        "cn": [name.encode()],
        "member": [m.encode() for m in members],
    }


def entries() -> list[tuple[str, dict]]:
    alice, bob, carol = (f"uid={u},{PEOPLE}" for u in ("alice", "bob", "carol"))
    dave, erin, frank = (f"uid={u},{PEOPLE}" for u in ("dave", "erin", "frank"))
    return [
        (BASE, {"objectClass": [b"dcObject", b"organization"], "dc": [b"example"], "o": [b"Example"]}),
        (PEOPLE, {"objectClass": [b"organizationalUnit"], "ou": [b"people"]}),
        (GROUPS, {"objectClass": [b"organizationalUnit"], "ou": [b"groups"]}),
        (f"ou=services,{BASE}", {"objectClass": [b"organizationalUnit"], "ou": [b"services"]}),
        (SERVICE_DN, {
            "objectClass": [b"organizationalRole", b"simpleSecurityObject"],
            "cn": [b"portal-svc"], "userPassword": [SERVICE_PASSWORD.encode()],
        }),
        _user("alice", "Alice", "Admin"),
        _user("bob", "Bob", "Officer"),
        _user("carol", "Carol", "Auditor"),
        _user("dave", "Dave", "Disabled", pwdAccountLockedTime=[b"000001010000Z"]),
        _user("erin", "Erin", "Nobody"),
        _user("frank", "Frank", "Nested"),
        # alice is an administrator only through vsphere-operators, a member of portal-admins.
        _group("vsphere-operators", alice),
        _group("portal-admins", f"cn=vsphere-operators,{GROUPS}", dave),
        _group("portal-officers", bob),
        # frank gets role and scope only through vc-ldap-ops, nested two levels deep.
        _group("vc-ldap-ops", frank),
        _group("vc-ldap-team", f"cn=vc-ldap-ops,{GROUPS}"),
        _group("portal-auditors", carol, f"cn=vc-ldap-team,{GROUPS}"),
        _group("vc-ldap-readers", carol, f"cn=vc-ldap-team,{GROUPS}"),
        _group("unrelated", erin),
    ]  # fmt: skip


class RunningSlapd(PeerProcess):
    name = "slapd"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="portal-slapd-"))
        self.ca = CertAuthority.create(self.dir / "tls")
        self.cert, self.key = self.ca.server("localhost")
        self.ldap_port, self.ldaps_port = free_port(), free_port()
        (self.dir / "data").mkdir()
        (self.dir / "slapd.conf").write_text(
            _CONF.format(
                dir=self.dir, ca=self.ca.ca_file, cert=self.cert, key=self.key, base=BASE,
                root=ROOT_DN, rootpw=SERVICE_PASSWORD + "-root", service=SERVICE_DN,
            )
        )  # fmt: skip
        self.service_password_file = self.dir / "service-password"
        self.service_password_file.write_text(SERVICE_PASSWORD + "\n")
        self.service_password_file.chmod(0o600)

    @property
    def ldap_uri(self) -> str:
        return f"ldap://127.0.0.1:{self.ldap_port}"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    def start(self) -> None:
        urls = f"ldap://127.0.0.1:{self.ldap_port}/ ldaps://127.0.0.1:{self.ldaps_port}/"
        self.spawn(
            [SLAPD, "-f", str(self.dir / "slapd.conf"), "-h", urls, "-d", "stats"],
            ready=lambda: self._admin().unbind_s(),
            errors=(ldap.SERVER_DOWN,),
            timeout=30,
        )

    def _admin(self) -> ldap.ldapobject.LDAPObject:
        conn = ldap.initialize(self.ldaps_uri, bytes_mode=False)
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, str(self.ca.ca_file))
        conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
        conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
        conn.simple_bind_s(ROOT_DN, SERVICE_PASSWORD + "-root")
        return conn

    def fill(self) -> None:
        conn = self._admin()
        try:
            for dn, attrs in entries():
                conn.add_s(dn, ldap.modlist.addModlist(attrs))
        finally:
            conn.unbind_s()

    def modify(self, dn: str, changes: list[tuple[int, str, list[bytes] | None]]) -> None:
        conn = self._admin()
        try:
            conn.modify_s(dn, changes)
        finally:
            conn.unbind_s()

    def __enter__(self) -> RunningSlapd:
        self.start()
        self.fill()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

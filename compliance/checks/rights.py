"""SYS.1.5.A2 and A12: the rights review (issue 15, item 3).

The connectors read who holds which role where (vCenter: roles and permissions; Proxmox: the
ACL, roles, groups, users and API tokens) into ``PlatformAccount`` rows, one per principal, each
with its ``grants`` (inventory.connectors.records.grant: entity path and platform id, role,
propagation, whether the role is the platform's all-powerful one and which VM-administration
and infrastructure-administration privileges it holds, as the platform traits define them).
Every finding names the principal and each grant by entity path, platform id and role.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import PROXMOX

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import Param, days_param, failed, not_applicable, passed, register, verdict

REQ = ("M4349.ADMIN",)

# The platforms' own superusers, which exist by design and cannot be removed: PVE's root@pam
# (its rights are implicit, not in the ACL) and vCenter's SSO administrator. They are the
# break-glass accounts; the checks pass them and say so.
BUILT_IN_SUPERUSERS = frozenset(
    {"root@pam", "vsphere.local\\administrator", "administrator@vsphere.local"}
)


def _where(grants: list[dict]) -> str:
    """ "Admin on /DC0/vm/web01 (vm-42), propagating; ..." for a message."""
    parts = []
    for g in grants:
        place = g.get("entity_path") or "?"
        if g.get("entity_id") and g.get("entity_id") != place:
            place = f"{place} ({g['entity_id']})"
        text = f"{g.get('role')} on {place}"
        if g.get("propagate"):
            text += ", propagating"
        if g.get("via"):
            text += f", via {g['via']}"
        parts.append(text)
    return "; ".join(parts)


def _evidence(grants: list[dict]) -> list[dict]:
    keys = ("entity_path", "entity_id", "role", "role_id", "propagate", "via")
    return [{k: g.get(k) for k in keys} for g in grants]


def _principal_na(account):
    """Not applicable for a disabled principal or one the platform gave no grants."""
    if account.enabled is False:
        return not_applicable(msg("The account is disabled."))
    return None


def _superuser(account) -> bool:
    return account.name.lower() in BUILT_IN_SUPERUSERS


def _admin_rights(g: dict) -> bool:
    """The grant makes its holder an administrator of the platform: the all-powerful role or a
    role with infrastructure-administration privileges."""
    return bool(g.get("admin") or g.get("infra_admin"))


@register(
    "RGT-001",
    title=_("Administrator role granted to an individual user"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.MEDIUM,
)
def admin_role_to_user(account, params, ctx):
    """Administrator rights granted to groups follow the role concept: who administers is
    decided once, in the directory, and leaves with the group membership; rights given to a
    person directly stay behind when the person changes jobs."""
    if account.kind == "token":
        return not_applicable(msg("API tokens are judged by RGT-004, HRD-103 and HRD-104."))
    if account.kind == "group":
        return passed(msg("A group: administrator rights granted to groups are the rule."))
    if (na := _principal_na(account)) is not None:
        return na
    direct = [g for g in account.grants or [] if g.get("admin") and not g.get("via")]
    if direct and _superuser(account):
        return passed(
            msg("%(principal)s is the platform's built-in superuser.", principal=account.name),
            grants=_evidence(direct),
        )
    if direct:
        return failed(
            msg(
                "The user %(principal)s holds the administrator role directly: %(grants)s.",
                principal=account.name,
                grants=_where(direct),
            ),
            principal=account.name,
            grants=_evidence(direct),
        )
    return passed(
        msg("The user holds no administrator role directly."), grants=len(account.grants or [])
    )


@register(
    "RGT-002",
    title=_("Too many principals hold the administrator role at the root"),
    requirements=REQ,
    target=ObjectType.ENDPOINT,
    severity=Severity.MEDIUM,
    params=(
        Param(
            "max_root_admins",
            3,
            _("Principals allowed the administrator role at the root"),
            minimum=1,
            maximum=100,
        ),
    ),
)
def root_admins(endpoint, params, ctx):
    """The administrator role at the root, propagated, rules every host and VM; it belongs to
    as few principals (break-glass account, the administrators' group) as possible.

    Counted: users, groups and tokens with the platform's all-powerful role on vCenter's root
    folder or PVE's "/" with propagation; PVE's root@pam counts too (its rights are implicit).
    """
    accounts = ctx.accounts_by_endpoint.get(endpoint.pk)
    if accounts is None:
        return not_applicable(msg("The platform's permissions were not read."))
    holders = []
    for account in accounts:
        if account.enabled is False:
            continue
        # Direct grants only: a group's members and a token's user are counted once, as the
        # group (or user) that holds the grant.
        at_root = [
            g for g in account.grants or [] if g.get("admin") and g.get("root") and not g.get("via")
        ]
        if any(g.get("propagate") for g in at_root) or (
            account.name == "root@pam" and account.kind == "user"
        ):
            holders.append(f"{account.name} ({account.kind})")
    evidence = {"holders": sorted(holders), "count": len(holders), "max": params["max_root_admins"]}
    return verdict(
        len(holders) > params["max_root_admins"],
        msg(
            "%(count)s principals hold the administrator role at the root with propagation "
            "(allowed %(max)s): %(holders)s.",
            count=len(holders),
            max=params["max_root_admins"],
            holders=", ".join(sorted(holders)),
        ),
        msg(
            "%(count)s principals hold the administrator role at the root (allowed %(max)s).",
            count=len(holders),
            max=params["max_root_admins"],
        ),
        evidence,
    )


@register(
    "RGT-003",
    title=_("Local account with administrator rights"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.MEDIUM,
)
def local_admin(account, params, ctx):
    """Administrators belong to the central identity management (SYS.1.5.A12): a local account
    (vCenter's vsphere.local or a host's own users, Proxmox's pam and pve realms) escapes the
    directory's joiner-mover-leaver process, its password rules and its lockout."""
    if (na := _principal_na(account)) is not None:
        return na
    if account.directory is None:
        return not_applicable(msg("The platform did not report where the account comes from."))
    admin = [g for g in account.grants or [] if _admin_rights(g)]
    evidence = {"realm": account.realm, "realm_type": account.realm_type, "local": True}
    if account.directory:
        return passed(
            msg("The account comes from the directory %(realm)s.", realm=account.realm),
            **{**evidence, "local": False},
        )
    if not admin:
        return passed(msg("The local account holds no administrator rights."), **evidence)
    if _superuser(account):
        return passed(
            msg("%(principal)s is the platform's built-in superuser.", principal=account.name),
            grants=_evidence(admin),
            **evidence,
        )
    return failed(
        msg(
            "The local account %(principal)s (realm %(realm)s) holds administrator rights: "
            "%(grants)s.",
            principal=account.name,
            realm=account.realm or "-",
            grants=_where(admin),
        ),
        principal=account.name,
        grants=_evidence(admin),
        **evidence,
    )


def _token_na(account):
    if account.kind != "token":
        return not_applicable(msg("Not an API token."))
    return _principal_na(account)


@register(
    "RGT-004",
    title=_("API token without expiry"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.MEDIUM,
    platforms=(PROXMOX,),
    not_applicable_reason="vCenter has no API tokens of its own.",
    params=(days_param("max_lifetime_days", 365, _("Longest token lifetime from now")),),
)
def token_expiry(account, params, ctx):
    """A token is a password that never asks for a second factor; one without an end date stays
    valid long after the script or person that used it is gone."""
    if (na := _token_na(account)) is not None:
        return na
    if account.expires_at is None:
        return failed(
            msg("The API token %(token)s never expires.", token=account.name),
            token=account.name,
            expires_at=None,
        )
    days = (account.expires_at - ctx.now) / dt.timedelta(days=1)
    evidence = {
        "token": account.name,
        "expires_at": account.expires_at.isoformat(),
        "days_left": round(days),
    }
    return verdict(
        days > params["max_lifetime_days"],
        msg(
            "The API token %(token)s expires in %(days)s days (allowed %(max)s).",
            token=account.name,
            days=round(days),
            max=params["max_lifetime_days"],
        ),
        msg("The API token expires on %(date)s.", date=account.expires_at.date().isoformat()),
        evidence,
    )


@register(
    "RGT-007",
    title=_("VM and infrastructure administration held by one principal"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.MEDIUM,
)
def separation_of_duties(account, params, ctx):
    """SYS.1.5.A12: administrators of VMs and of the virtualisation environment are different
    people with different rights. A principal holding both kinds (one role or several, directly,
    through a group or as a token of its user) joins what the role concept keeps apart.

    Which privileges count as which is defined per platform in the connector traits
    (``vm_admin_privileges``, ``infra_admin_privileges``). Grants of the platform's all-powerful
    role (vCenter Admin, PVE Administrator) are left out: such holders are the platform's
    administrators by definition, and who may be one is judged by RGT-001 to RGT-003."""
    if (na := _principal_na(account)) is not None:
        return na
    grants = [g for g in account.grants or [] if not g.get("admin")]
    vm = [g for g in grants if g.get("vm_admin")]
    infra = [g for g in grants if g.get("infra_admin")]
    evidence = {
        "vm_admin_grants": _evidence(vm),
        "infra_admin_grants": _evidence(infra),
        "vm_admin_privileges": sorted({p for g in vm for p in g.get("vm_admin") or []}),
        "infra_admin_privileges": sorted({p for g in infra for p in g.get("infra_admin") or []}),
    }
    if vm and infra:
        if _superuser(account):
            return passed(
                msg("%(principal)s is the platform's built-in superuser.", principal=account.name),
                **evidence,
            )
        return failed(
            msg(
                "%(principal)s administers VMs (%(vm)s) and the infrastructure (%(infra)s).",
                principal=account.name,
                vm=_where(vm),
                infra=_where(infra),
            ),
            principal=account.name,
            **evidence,
        )
    if vm:
        return passed(msg("VM administration only."), **evidence)
    if infra:
        return passed(msg("Infrastructure administration only."), **evidence)
    return passed(msg("Neither VM nor infrastructure administration rights."), **evidence)

"""SYS.1.5.A13 and A19: patch level and vendor support of the virtualization layer.

ESXi hosts and vCenter are judged against ``compliance/data/vmware_lifecycle.json`` (minimum
patched build and end of general support per major version, with its sources and the day they
were checked, ``as_of``); PAT-003 warns when that file is older than an officer allows. Proxmox
VE nodes are judged by what they report themselves: the packages ``apt/update`` lists.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import PROXMOX, VCENTER

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import (
    Param,
    days_param,
    failed,
    not_applicable,
    passed,
    register,
    verdict,
    warning,
)

REQ = ("M4349.OPERATING",)
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "vmware_lifecycle.json"
PRODUCT_LABELS = {"esxi": "ESXi", "vcenter": "vCenter Server"}


class LifecycleDataError(ValueError):
    """The lifecycle data file cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Release:
    product: str
    major: str
    minimum_build: int | None
    minimum_release: str
    advisory: str
    end_of_general_support: dt.date
    source: str


@dataclass(frozen=True, slots=True)
class LifecycleData:
    path: str
    as_of: dt.date
    releases: dict[tuple[str, str], Release]


def lifecycle_file() -> Path:
    return Path(getattr(settings, "COMPLIANCE_LIFECYCLE_FILE", None) or DEFAULT_FILE)


def lifecycle_data() -> LifecycleData:
    """The data file, read once per version of it (path and modification time)."""
    path = lifecycle_file()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise LifecycleDataError(f"lifecycle data file {path}: {exc.strerror}") from None
    return _read(str(path), stamp)


def _date(path: str, where: str, value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise LifecycleDataError(f"{path}: {where} {value!r} is not a date (YYYY-MM-DD)") from None


@cache
def _read(path: str, stamp: int) -> LifecycleData:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LifecycleDataError(f"lifecycle data file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        raise LifecycleDataError(f"{path}: expected an object with a list 'products'")
    releases = {}
    for n, item in enumerate(data["products"]):
        where = f"products[{n}]"
        try:
            product, major = str(item["product"]), str(item["major"])
            build = item.get("minimum_build")
            releases[(product, major)] = Release(
                product=product,
                major=major,
                minimum_build=None if build is None else int(build),
                minimum_release=str(item.get("minimum_release") or ""),
                advisory=str(item.get("advisory") or ""),
                end_of_general_support=_date(
                    path, f"{where}.end_of_general_support", item["end_of_general_support"]
                ),
                source=str(item.get("source") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, LifecycleDataError):
                raise
            raise LifecycleDataError(f"{path}: {where} is incomplete or wrong ({exc!r})") from None
    return LifecycleData(
        path=path, as_of=_date(path, "as_of", data.get("as_of")), releases=releases
    )


def _major(version: str) -> str:
    """``8.0.3`` -> ``8.0``."""
    return ".".join(version.split(".")[:2])


def _judge(product: str, name: str, ident: str, version: str, build: str, params, ctx):
    """One ESXi host or vCenter against the data file's line for its major version."""
    label = PRODUCT_LABELS[product]
    if not version:
        return not_applicable(msg("The platform did not report the product version."))
    data = lifecycle_data()
    release = data.releases.get((product, _major(version)))
    evidence: dict[str, Any] = {
        "product": label,
        "version": version,
        "build": build,
        "data_file": Path(data.path).name,
        "data_as_of": data.as_of.isoformat(),
    }
    values = {
        "name": name,
        "ident": ident,
        "product": label,
        "version": version,
        "build": build or "?",
    }
    if release is None:
        return warning(
            msg(
                "%(name)s (%(ident)s) runs %(product)s %(version)s (build %(build)s), a version the "
                "lifecycle data file (as of %(as_of)s) does not list.",
                as_of=data.as_of.isoformat(),
                **values,
            ),
            **evidence,
        )
    evidence.update(
        minimum_build=release.minimum_build,
        minimum_release=release.minimum_release,
        advisory=release.advisory,
        end_of_general_support=release.end_of_general_support.isoformat(),
        source=release.source,
    )
    today = ctx.now.date()
    if release.end_of_general_support < today:
        return failed(
            msg(
                "%(name)s (%(ident)s) runs %(product)s %(version)s (build %(build)s), whose general support "
                "ended on %(end)s (source %(source)s, as of %(as_of)s).",
                end=release.end_of_general_support.isoformat(),
                source=release.source,
                as_of=data.as_of.isoformat(),
                **values,
            ),
            **evidence,
        )
    if release.minimum_build is not None:
        if not build.isdigit():
            return warning(
                msg(
                    "%(name)s (%(ident)s) runs %(product)s %(version)s with build %(build)s, which cannot be "
                    "compared with the minimum build %(minimum)s.",
                    minimum=release.minimum_build,
                    **values,
                ),
                **evidence,
            )
        if int(build) < release.minimum_build:
            return failed(
                msg(
                    "%(name)s (%(ident)s) runs %(product)s %(version)s build %(build)s, below the patched "
                    "minimum build %(minimum)s (%(release)s, %(advisory)s; as of %(as_of)s).",
                    minimum=release.minimum_build,
                    release=release.minimum_release,
                    advisory=release.advisory,
                    as_of=data.as_of.isoformat(),
                    **values,
                ),
                **evidence,
            )
    days_left = (release.end_of_general_support - today).days
    evidence["days_to_end_of_support"] = days_left
    if days_left <= params["warn_days"]:
        return warning(
            msg(
                "%(name)s (%(ident)s) runs %(product)s %(version)s (build %(build)s), whose general support "
                "ends on %(end)s, in %(days)s days.",
                end=release.end_of_general_support.isoformat(),
                days=days_left,
                **values,
            ),
            **evidence,
        )
    return passed(
        msg(
            "%(name)s (%(ident)s) runs %(product)s %(version)s build %(build)s: at or above the minimum "
            "build %(minimum)s, supported until %(end)s (as of %(as_of)s).",
            minimum=release.minimum_build if release.minimum_build is not None else "-",
            end=release.end_of_general_support.isoformat(),
            as_of=data.as_of.isoformat(),
            **values,
        ),
        **evidence,
    )


WARN_DAYS = days_param("warn_days", 180, _("Warn before end of general support"), minimum=0)


@register(
    "PAT-001",
    title=_("ESXi host below the patched build or out of support"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.HIGH,
    platforms=(VCENTER,),
    not_applicable_reason="Proxmox VE nodes are judged by their pending updates (PAT-004, PAT-005).",
    params=(WARN_DAYS,),
)
def esxi_patch_level(host, params, ctx):
    """A host below the build that fixed the last critical advisory, or past the vendor's end of
    general support, runs known vulnerabilities that no patch will close."""
    return _judge("esxi", host.name, host.external_id, host.version, host.build, params, ctx)


@register(
    "PAT-002",
    title=_("vCenter below the patched build or out of support"),
    requirements=REQ,
    target=ObjectType.ENDPOINT,
    severity=Severity.HIGH,
    platforms=(VCENTER,),
    not_applicable_reason="A Proxmox VE cluster has no management server apart from its nodes.",
    params=(WARN_DAYS,),
)
def vcenter_patch_level(endpoint, params, ctx):
    """vCenter holds the keys to every host; an unpatched or unsupported vCenter is the
    shortest way to all of them."""
    return _judge(
        "vcenter", endpoint.name, endpoint.url, endpoint.version, endpoint.build, params, ctx
    )


@register(
    "PAT-003",
    title=_("Lifecycle data file out of date"),
    requirements=REQ,
    target=ObjectType.ENDPOINT,
    severity=Severity.MEDIUM,
    platforms=(VCENTER,),
    not_applicable_reason="Proxmox VE nodes report their pending updates themselves.",
    params=(days_param("max_age_days", 90, _("Oldest lifecycle data")),),
)
def lifecycle_data_fresh(endpoint, params, ctx):
    """PAT-001 and PAT-002 know only the advisories in the data file: an old file passes builds
    that later advisories call vulnerable."""
    data = lifecycle_data()
    age = (ctx.now.date() - data.as_of).days
    evidence = {
        "data_file": Path(data.path).name,
        "data_as_of": data.as_of.isoformat(),
        "age_days": age,
        "threshold_days": params["max_age_days"],
    }
    if age > params["max_age_days"]:
        return warning(
            msg(
                "The lifecycle data file %(file)s is as of %(as_of)s, %(age)s days old (allowed "
                "%(max_age_days)s): the builds and support dates PAT-001 and PAT-002 use for "
                "%(endpoint)s may be out of date.",
                file=Path(data.path).name,
                as_of=data.as_of.isoformat(),
                age=age,
                max_age_days=params["max_age_days"],
                endpoint=endpoint.name,
            ),
            **evidence,
        )
    return passed(
        msg(
            "The lifecycle data file %(file)s is as of %(as_of)s, %(age)s days old.",
            file=Path(data.path).name,
            as_of=data.as_of.isoformat(),
            age=age,
        ),
        **evidence,
    )


@register(
    "PAT-004",
    title=_("Security updates pending on a Proxmox VE node"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason="ESXi hosts are judged by their build (PAT-001).",
)
def node_security_updates(host, params, ctx):
    """A package update from a security repository fixes a published vulnerability; until it is
    installed, the node runs it."""
    if host.updates_pending is None:
        return not_applicable(msg("The platform did not report pending updates."))
    evidence = {
        "updates_pending": host.updates_pending,
        "security_updates": host.security_updates,
        "version": host.version,
        "build": host.build,
    }
    return verdict(
        bool(host.security_updates),
        msg(
            "Node %(host)s (%(host_id)s) has %(count)s security updates pending: %(packages)s.",
            host=host.name,
            host_id=host.external_id,
            count=len(host.security_updates or ()),
            packages=", ".join((host.security_updates or [])[:10]),
        ),
        msg(
            "Node %(host)s (%(host_id)s) has no security updates pending.",
            host=host.name,
            host_id=host.external_id,
        ),
        evidence,
    )


@register(
    "PAT-005",
    title=_("Updates left pending on a Proxmox VE node"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.LOW,
    platforms=(PROXMOX,),
    not_applicable_reason="ESXi hosts are judged by their build (PAT-001).",
    params=(
        Param("max_pending", 20, _("Most pending updates"), minimum=0, maximum=10000),
        days_param("max_age_days", 30, _("Longest time updates wait")),
    ),
)
def node_pending_updates(host, params, ctx):
    """Updates that pile up or wait for weeks make the next one large and risky, and keep the
    node away from the version its vendor supports."""
    if host.updates_pending is None:
        return not_applicable(msg("The platform did not report pending updates."))
    since = host.updates_pending_since
    age = (ctx.now - since).days if since else 0
    evidence = {
        "updates_pending": host.updates_pending,
        "pending_since": since.isoformat() if since else None,
        "age_days": age,
        "max_pending": params["max_pending"],
        "max_age_days": params["max_age_days"],
        "version": host.version,
        "build": host.build,
    }
    values = {"host": host.name, "host_id": host.external_id, "count": host.updates_pending}
    if host.updates_pending > params["max_pending"]:
        return warning(
            msg(
                "Node %(host)s (%(host_id)s) has %(count)s updates pending (allowed "
                "%(max_pending)s).",
                max_pending=params["max_pending"],
                **values,
            ),
            **evidence,
        )
    if host.updates_pending and age > params["max_age_days"]:
        return warning(
            msg(
                "Node %(host)s (%(host_id)s) has had updates pending for %(age)s days "
                "(allowed %(max_age_days)s).",
                age=age,
                max_age_days=params["max_age_days"],
                **values,
            ),
            **evidence,
        )
    return passed(
        msg("Node %(host)s (%(host_id)s) has %(count)s updates pending.", **values), **evidence
    )

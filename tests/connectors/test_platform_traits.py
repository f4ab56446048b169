"""Platform traits: one object per platform, importable without its SDK, asked instead of
branching on the platform's name anywhere outside ``inventory/connectors/``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from inventory.connectors.base import Connector, ConnectorError, EndpointConfig, get_connector
from inventory.connectors.platforms import (
    PLATFORMS,
    PROXMOX,
    VCENTER,
    platform_label,
    running_power_states,
    state_choices,
    traits_for,
)
from inventory.connectors.traits import BAD, GOOD, SnapshotNameError
from inventory.labels import state_label
from inventory.models import Endpoint

ROOT = Path(__file__).resolve().parents[2]
# What ``grep -rn "platform ==\|== .vcenter.\|== .proxmox."`` looks for (issue 13), and a
# comparison with a platform constant.
PLATFORM_BRANCH = re.compile(
    r"platform ==|== .vcenter.|== .proxmox.|[!=]=\s*(VCENTER|PROXMOX)\b|\b(VCENTER|PROXMOX)\s*[!=]="
)
# The enum members name a platform too; product code asks the traits instead.
PLATFORM_MEMBER = re.compile(r"Kind\.(VCENTER|PROXMOX)\b")
SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", "connectors", "migrations"}


def _source_files(*tops: str) -> list[Path]:
    files = []
    for top in tops:
        for path in (ROOT / top).rglob("*"):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] == ("inventory", "connectors"):
                continue
            if path.suffix in (".py", ".html", ".txt", ".js") and not (
                set(rel.parts[:-1]) & (SKIP_DIRS - {"connectors"})
            ):
                files.append(path)
    return files


def _matches(pattern: re.Pattern[str], files: list[Path]) -> list[str]:
    me = Path(__file__).resolve()
    hits = []
    for path in files:
        if path.resolve() == me:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return hits


def _product_tops() -> list[str]:
    """The project's own Django apps and the templates (not tests, bench or simulators)."""
    from django.apps import apps

    tops = {
        Path(app.path).relative_to(ROOT).parts[0]
        for app in apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(ROOT)
    }
    return sorted(tops | {"templates"})


def test_the_patterns_find_a_platform_branch():
    """The scans below can fail: they recognise the branches they forbid."""
    assert PLATFORM_BRANCH.search('if endpoint.kind == "proxmox":')
    assert PLATFORM_BRANCH.search("{% if host.endpoint.kind == 'vcenter' %}")
    assert PLATFORM_BRANCH.search("if ctx.platform(vm) == PROXMOX:")
    assert PLATFORM_MEMBER.search("if kind == Endpoint.Kind.PROXMOX:")
    assert "inventory" in _product_tops() and "compliance" in _product_tops()


def test_nothing_outside_the_connectors_branches_on_the_platform():
    """No ``if platform == ...`` anywhere in the repository outside ``inventory/connectors/``."""
    tops = [p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in SKIP_DIRS]
    assert _matches(PLATFORM_BRANCH, _source_files(*tops)) == []


def test_product_code_names_no_platform_member():
    assert _matches(PLATFORM_MEMBER, _source_files(*_product_tops())) == []


def test_traits_import_without_any_sdk():
    """Pages, services and checks load the traits; neither pyVmomi nor proxmoxer comes along
    (an import of either fails in this interpreter)."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pyVmomi', 'pyVim', 'proxmoxer'):\n"
        "            raise ImportError('SDK imported: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import inventory.connectors.platforms as p\n"
        "print(sorted(p.PLATFORMS))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['proxmox', 'vcenter']"


def test_every_endpoint_kind_is_a_registered_platform_with_a_connector():
    assert [v for v, _label in Endpoint.Kind.choices] == list(PLATFORMS)
    for kind, traits in PLATFORMS.items():
        assert traits.kind == kind and traits_for(kind) is traits
        module_name, _, class_name = traits.connector.rpartition(".")
        cls = getattr(__import__(module_name, fromlist=[class_name]), class_name)
        missing = [m for m in vars(Connector) if callable(getattr(Connector, m, None))]
        missing = [m for m in missing if not m.startswith("_") and not hasattr(cls, m)]
        assert missing == [], f"{cls.__name__} lacks {missing}"
    with pytest.raises(ConnectorError, match="unknown endpoint kind 'xen'"):
        get_connector(EndpointConfig(name="x", kind="xen", url="https://x"))


def test_an_endpoint_answers_with_its_platforms_traits():
    assert Endpoint(kind="proxmox").traits is PROXMOX
    assert Endpoint(kind="vcenter").traits is VCENTER
    assert platform_label("proxmox") == "Proxmox VE" and platform_label("xen") == "xen"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("1st", "start with a letter"),
        ("a", "start with a letter"),
        ("with space", "start with a letter"),
        ("x" * 41, "start with a letter"),
        ("current", "reserved by Proxmox"),
        ("PENDING", "reserved by Proxmox"),
    ],
)
def test_proxmox_refuses_the_names_pve_refuses(name, message):
    with pytest.raises(SnapshotNameError, match=message):
        PROXMOX.clean_snapshot_name(name)


def test_proxmox_name_pattern_for_the_browser_matches_its_rule():
    for name in ("ok-1", "a_b", "x" * 40, "1st", "a", "with space", "x" * 41, "dot.ted"):
        try:
            PROXMOX.clean_snapshot_name(name)
            accepted = True
        except SnapshotNameError:
            accepted = False
        assert bool(re.fullmatch(PROXMOX.snapshot_name_pattern, name)) is accepted, name


def test_vcenter_names_are_trimmed_and_bounded():
    assert VCENTER.clean_snapshot_name("  before patch 12  ") == "before patch 12"
    assert VCENTER.clean_snapshot_name("x" * 80) == "x" * 80
    for name, message in (
        ("  ", "give the snapshot a name"),
        ("x" * 81, "at most 80"),
        ("a\tb", "control"),
    ):
        with pytest.raises(SnapshotNameError, match=message):
            VCENTER.clean_snapshot_name(name)
    assert VCENTER.snapshot_names_unique is False and PROXMOX.snapshot_names_unique is True


def test_states_are_judged_by_the_platform_that_reports_them():
    assert running_power_states() == ("poweredOn", "running")
    assert VCENTER.is_connected("connected") and not VCENTER.is_connected("notResponding")
    assert PROXMOX.is_connected("online") and not PROXMOX.is_connected("connected")
    assert PROXMOX.state_tone("offline") == BAD and VCENTER.state_tone("poweredOn") == GOOD
    assert VCENTER.tools_running("guest Tools Running") and PROXMOX.tools_running("running")
    assert not VCENTER.tools_running("running")
    assert state_label("notResponding") == "not responding" and state_label("") == "unknown"
    assert state_label("weird") == "weird"  # shown as the platform gave it, never hidden


def test_filter_choices_name_each_value_once_with_its_platform():
    choices = [(v, str(label)) for v, label in state_choices("host_connection_states")]
    assert ("notResponding", "not responding (vCenter)") in choices
    assert ("offline", "offline (Proxmox VE)") in choices
    values = [v for v, _label in state_choices("vm_power_states")]
    assert len(values) == len(set(values))


def test_compliance_checks_name_registered_platforms():
    from compliance.checks.registry import REGISTRY

    kinds = {kind for spec in REGISTRY.values() for kind in spec.platforms}
    assert kinds == set(PLATFORMS)
    assert REGISTRY["LOG-002"].platforms == ("vcenter",)


@pytest.mark.django_db
def test_a_new_platform_is_its_traits_and_checks_do_not_guess_its_ways(monkeypatch):
    """A third platform registered by its traits alone: its states are judged by its own words,
    and a check that does not know how the platform reports a setting finds it not applicable
    (never judged by another platform's rules)."""
    from compliance.checks import get_check
    from compliance.checks.context import InventoryContext
    from inventory.connectors.traits import PlatformTraits, State
    from tests.compliance.factories import EndpointFactory, HostFactory, VmFactory

    class XenTraits(PlatformTraits):
        kind, label, long_label, connector = "xen", "Xen", "Xen", "xen.Connector"
        vm_power_states = (State("Running", "running", GOOD),)
        host_connection_states = (State("enabled", "enabled", GOOD),)

    monkeypatch.setitem(PLATFORMS, "xen", XenTraits())
    endpoint = EndpointFactory(kind="xen")
    host = HostFactory(endpoint=endpoint, connection_state="enabled", advanced_options={})
    vm = VmFactory(endpoint=endpoint, power_state="Running", extra_config={})
    ctx = InventoryContext.load([endpoint.pk])

    def judge(check_id, obj):
        spec = get_check(check_id)
        return spec.func(obj, spec.defaults(), ctx)

    assert judge("OPS-002", host).status == "pass"  # "enabled" is Xen's connected
    assert state_label("enabled") == "enabled" and platform_label("xen") == "Xen"
    clipboard, sharing = judge("CON-003", vm), judge("MEM-005", host)
    assert (clipboard.status, sharing.status) == ("not_applicable", "not_applicable")
    assert "clipboard setting is not read" in clipboard.message
    assert "page sharing is not read" in sharing.message
    # The command that registers an endpoint offers the platform too (no list of names there).
    from inventory.management.commands.add_endpoint import Command

    parser = Command().create_parser("manage.py", "add_endpoint")
    kinds = next(action.choices for action in parser._actions if action.dest == "kind")
    assert list(kinds) == ["proxmox", "vcenter", "xen"]

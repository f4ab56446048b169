"""M 4.349: sufficient processor resources for the virtual IT systems."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType
from ..messages import msg
from .registry import not_applicable, percent_param, ratio_param, register, verdict
from .sustained import judge_host_load, sustain_params

REQ = ("M4349.CPU", "M4349.UTILIZATION")


@register(
    "CPU-001",
    title=_("Host CPU usage above the limit"),
    requirements=REQ,
    target=ObjectType.HOST,
    params=(
        percent_param("max_percent", 80, _("Highest CPU usage")),
        *sustain_params(),
    ),
)
def host_cpu_usage(host, params, ctx):
    """A host near full CPU leaves no room for load peaks or a failed neighbour's VMs.

    Judged over the stored samples (compliance.checks.sustained): above the limit for
    ``sustained_minutes``, cleared only below the limit minus ``hysteresis_points``.
    """
    if host.cpu_usage_percent is None:
        return not_applicable(msg("The platform did not report CPU usage."))
    evidence = {
        "cpu_usage_percent": round(host.cpu_usage_percent, 1),
        "threshold_percent": params["max_percent"],
    }
    high, message, evidence = judge_host_load(
        host, "cpu_percent", host.cpu_usage_percent, params, ctx, _("CPU usage"), evidence
    )
    return verdict(high, message, message, evidence)


def overcommit(host, size: str, capacity: int, params, ctx) -> tuple[int, float, dict]:
    """What the host's running VMs are configured with (their ``size``: vCPUs, memory) against
    the host's ``capacity``: (configured, ratio, the ratio's evidence)."""
    running = ctx.running_vms(host)
    configured = sum(getattr(vm, size) or 0 for vm in running)
    ratio = configured / capacity
    return (
        configured,
        ratio,
        {
            "ratio": round(ratio, 2),
            "threshold_ratio": params["max_ratio"],
            "running_vms": len(running),
        },
    )


@register(
    "CPU-002",
    title=_("Too many vCPUs per physical CPU thread"),
    requirements=REQ,
    target=ObjectType.HOST,
    params=(ratio_param("max_ratio", 4.0, _("Most vCPUs per thread"), maximum=64),),
)
def host_vcpu_ratio(host, params, ctx):
    """Overcommitted CPUs make VMs wait for a physical thread (CPU ready time)."""
    if not host.cpu_threads:
        return not_applicable(msg("The platform did not report the number of CPU threads."))
    vcpus, ratio, load = overcommit(host, "vcpus", host.cpu_threads, params, ctx)
    evidence = {"vcpus_running": vcpus, "cpu_threads": host.cpu_threads, **load}
    return verdict(
        ratio > params["max_ratio"],
        msg(
            "%(vcpus)s vCPUs on %(cpu_threads)s threads is %(ratio).2f per thread (limit %(max_ratio)s).",
            vcpus=vcpus,
            cpu_threads=host.cpu_threads,
            ratio=ratio,
            max_ratio=params["max_ratio"],
        ),
        msg("%(ratio).2f vCPUs per thread.", ratio=ratio),
        evidence,
    )

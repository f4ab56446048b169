"""Compliance services: the only writers of runs, findings, settings, waivers and baselines."""

from .baselines import baseline_approve, baselines_approve_many, config_diff
from .parameters import check_parameters_update
from .runs import check_run_create, check_run_execute
from .status import requirement_statuses
from .waivers import waiver_approve, waiver_create, waiver_revoke, waivers_expire

__all__ = [
    "baseline_approve",
    "baselines_approve_many",
    "check_parameters_update",
    "check_run_create",
    "check_run_execute",
    "config_diff",
    "requirement_statuses",
    "waiver_approve",
    "waiver_create",
    "waiver_revoke",
    "waivers_expire",
]

"""Compliance services: the only writers of runs, findings, settings, waivers and baselines."""

from .baselines import baseline_approve, baselines_approve_many, config_diff
from .parameters import GLOBAL_ONLY, check_parameters_update, may_change_checks
from .runs import check_run_create, check_run_execute
from .status import requirement_statuses
from .waivers import waiver_approve, waiver_create, waiver_revoke, waivers_expire

__all__ = [
    "GLOBAL_ONLY",
    "baseline_approve",
    "baselines_approve_many",
    "check_parameters_update",
    "check_run_create",
    "check_run_execute",
    "config_diff",
    "may_change_checks",
    "requirement_statuses",
    "waiver_approve",
    "waiver_create",
    "waiver_revoke",
    "waivers_expire",
]

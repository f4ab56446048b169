"""Compliance checks, one module per area; ComplianceConfig.ready() imports each to register it."""

from .registry import REGISTRY, CheckSpec, Outcome, Param, all_checks, get_check, register

__all__ = ["REGISTRY", "CheckSpec", "Outcome", "Param", "all_checks", "get_check", "register"]

"""Compliance checks, one module per area. Importing this package registers them all."""

from .registry import REGISTRY, CheckSpec, Outcome, Param, all_checks, get_check, register

__all__ = ["REGISTRY", "CheckSpec", "Outcome", "Param", "all_checks", "get_check", "register"]

"""Start the bundled simulators for the demo and register them (filled in by the inventory work)."""

from __future__ import annotations


def start_simulators(stack) -> list:
    return []

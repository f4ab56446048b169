"""Global search: each app registers what it can find; the page asks each kind once.

``portal`` knows no feature app: inventory and compliance register their kinds in their
``AppConfig.ready()`` with :func:`register_search`. A provider gets the user (it must narrow its
queryset to the user's scopes, like every list) and the text, and answers with at most ``limit``
hits in one query, so a search costs one query per kind whatever the size of the estate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MIN_LENGTH = 2
LIMIT = 10


@dataclass(frozen=True, slots=True)
class Hit:
    name: str
    detail: str  # where it stands and its platform id, e.g. "vc1 · vm-42"
    url: str


Provider = Callable[[Any, str, int], list[Hit]]
PROVIDERS: dict[str, tuple[str, Provider]] = {}


def register_search(kind: str, label: Any) -> Callable[[Provider], Provider]:
    """Register ``func(user, text, limit) -> list[Hit]`` as the search of ``kind``."""

    def decorate(func: Provider) -> Provider:
        PROVIDERS[kind] = (label, func)
        return func

    return decorate


def search(user: Any, text: str, limit: int = LIMIT) -> list[tuple[str, Any, list[Hit]]]:
    """(kind, label, hits) for every kind with hits; nothing for text shorter than 2."""
    text = text.strip()
    if len(text) < MIN_LENGTH:
        return []
    results = []
    for kind, (label, provider) in PROVIDERS.items():
        hits = provider(user, text, limit)
        if hits:
            results.append((kind, label, hits))
    return results

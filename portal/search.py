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

from .registry import labelled

MIN_LENGTH = 2
LIMIT = 10


@dataclass(frozen=True, slots=True)
class Hit:
    name: str
    path: str  # where it stands, e.g. "vc1 / cluster-a / esx07 / web01"
    platform_id: str  # the platform's own id: a moid (vm-42), "qemu/100", "node/pve1"
    url: str
    note: str = ""  # what else matched or matters (addresses, a finding's message)

    @property
    def detail(self) -> str:
        return " · ".join(p for p in (self.path, self.platform_id, self.note) if p)

    def as_dict(self, kind: str) -> dict[str, str]:
        return {
            "kind": kind,
            "name": self.name,
            "path": self.path,
            "platform_id": self.platform_id,
            "url": self.url,
            "note": self.note,
        }


Provider = Callable[[Any, str, int], list[Hit]]
PROVIDERS: dict[str, tuple[str, Provider]] = {}


def register_search(kind: str, label: Any) -> Callable[[Provider], Provider]:
    """Register ``func(user, text, limit) -> list[Hit]`` as the search of ``kind``."""
    return labelled(PROVIDERS, kind, label)


def search(user: Any, text: str, limit: int = LIMIT) -> list[tuple[str, Any, list[Hit], bool]]:
    """(kind, label, hits, more) for every kind with hits; nothing for text shorter than 2.

    ``more``: the kind has more than ``limit`` hits (each provider is asked for one more).
    """
    text = text.strip()
    if len(text) < MIN_LENGTH:
        return []
    results = []
    for kind, (label, provider) in PROVIDERS.items():
        hits = provider(user, text, limit + 1)
        if hits:
            results.append((kind, label, hits[:limit], len(hits) > limit))
    return results

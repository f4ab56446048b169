"""The requirement catalogs as data, and the loader the data migration calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parent
CATALOG_FILES = ("m4349.json", "sys15.json")


def read_catalogs() -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Every requirement (with its ``catalog`` and ``order``) and the M 4.349 -> SYS.1.5 mapping."""
    requirements: list[dict[str, Any]] = []
    for name in CATALOG_FILES:
        data = json.loads((CATALOG_DIR / name).read_text(encoding="utf-8"))
        for order, item in enumerate(data["requirements"]):
            requirements.append({**item, "catalog": data["catalog"], "order": order})
    mapping = json.loads((CATALOG_DIR / "mapping.json").read_text(encoding="utf-8"))["mapping"]
    return requirements, mapping


def load_catalogs(requirement_model) -> None:
    """Create or update the requirements and the mapping (idempotent; used by migrations)."""
    requirements, mapping = read_catalogs()
    by_ref = {}
    for item in requirements:
        obj, _ = requirement_model.objects.update_or_create(
            ref=item["ref"],
            defaults={
                "catalog": item["catalog"],
                "order": item["order"],
                "title_de": item["title_de"],
                "title_en": item["title_en"],
                "level": item.get("level", ""),
                "text": item.get("text", ""),
                "note": item.get("note", ""),
            },
        )
        by_ref[obj.ref] = obj
    for source, targets in mapping.items():
        by_ref[source].maps_to.set([by_ref[t] for t in targets])

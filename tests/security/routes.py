"""Every URL pattern of the portal as a concrete path, with ids of real objects filled in."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from django.urls import URLPattern, URLResolver, get_resolver


def walk(
    patterns=None, prefix: str = "", groups: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Yield (regex source, group names) for every leaf pattern."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        regex = prefix + p.pattern.regex.pattern.lstrip("^")
        names = groups + tuple(p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, regex.rstrip("$").replace("\\Z", ""), names)
        elif isinstance(p, URLPattern):
            yield regex, names


def route_name(regex: str) -> str:
    """A stable, readable key for a pattern: ``api/endpoints/{pk}/sync/``."""
    path = regex.replace("\\Z", "").rstrip("$").lstrip("^")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    path = re.sub(r"\\(.)", r"\1", path)
    return path


def concrete(regex: str, names: tuple[str, ...], ids: Mapping[str, str]) -> str | None:
    """A path the pattern matches, taking ids from ``ids`` by group name ("1" otherwise)."""
    values = {n: ("json" if n == "format" else str(ids.get(n, "1"))) for n in names}
    path = regex.replace("\\Z", "").rstrip("$")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], path)
    path = re.sub(r"\\(.)", r"\1", path)
    path = "/" + path.lstrip("^")
    full = re.compile("^" + regex.lstrip("^"))
    return path if full.match(path[1:]) else None


def all_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(route name, regex, group names) of every pattern, sorted, without format suffixes."""
    seen: dict[str, tuple[str, tuple[str, ...]]] = {}
    for regex, names in walk():
        if "format" in names:
            continue  # DRF's ".json" twins behave as their plain route
        seen.setdefault(route_name(regex), (regex, names))
    return [(name, *seen[name]) for name in sorted(seen)]

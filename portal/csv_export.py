"""The one CSV writer of the portal: list pages (streamed) and the findings report.

Streams row by row (the whole filtered list, not one page), so a large estate never sits in
memory. Cells that a spreadsheet would run as a formula are defused with a leading quote:
those starting with = + - @, and with TAB or CR, which spreadsheets strip before they look for
a formula. A value the source did not give is an empty cell; a dict is written as JSON.
Times are ISO 8601 in UTC. Every CSV download goes through :func:`cell`, so no export can forget the guard.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import StreamingHttpResponse

from portal.timefmt import utc_iso

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # machines read UTC (portal.timefmt)
        return utc_iso(value)
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True)
    elif isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Any], columns: Iterable[Column]) -> Iterator[str]:
    columns = list(columns)
    writer = csv.writer(_Echo())
    yield writer.writerow([c.label for c in columns])
    for row in rows:
        yield writer.writerow([cell(c.value(row)) for c in columns])


def csv_text(rows: Iterable[Any], columns: Iterable[Column]) -> str:
    """The whole CSV at once, for downloads that are small and built in one go."""
    return "".join(csv_lines(rows, columns))


def stream_csv(rows: Iterable[Any], columns: Iterable[Column], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows, columns), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

"""One declaration per list: its columns drive the header, the cells, the sort and the CSV.

A :class:`Table` is a tuple of :class:`Column` (like NetBox's tables). A column shown on the
page has a ``label``; one in the CSV has a ``csv`` header; a sortable one names its ``sort``
field, which the header links to and the list accepts in ``?sort=``. The page's cell is, in
order of preference, ``template`` (a template rendered with ``row``, for the rich cells),
``cell(row, context)`` (HTML), or the ``value`` shown through ``fmt`` (escaped text, "no data"
for a missing value). The CSV writes ``value`` raw (portal.csv_export). ``templates/portal/
_table.html`` draws the table, its empty row spanning every column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from django.template import Context
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .csv_export import Column as CsvColumn


def no_data() -> SafeString:
    """What a page shows for a value the source did not give (never 0 or "0 bytes")."""
    return format_html('<span class="nodata">{}</span>', gettext("no data"))


def text(value: Any) -> Any:
    """The value as a page shows it (localised, escaped on output), or "no data"."""
    return no_data() if value is None or value == "" else localize(value)


def follow(path: str) -> Callable[[Any], Any]:
    """A getter of the dotted ``path`` that gives None where a relation on the way is empty."""
    names = path.split(".")

    def get(row: Any) -> Any:
        for name in names:
            if row is None:
                return None
            row = getattr(row, name)
        return row

    return get


@dataclass(frozen=True)
class Column:
    key: str
    label: Any = None  # the page's header (translatable); None: not on the page
    sort: str | None = None  # the field ``?sort=`` orders by; None: not sortable
    csv: str | None = None  # the CSV header; None: not in the CSV
    accessor: str = ""  # dotted path to the raw value ("cluster.name"); default: ``key``
    value: Callable[[Any], Any] | None = None  # or a function of the row giving it
    fmt: Callable[[Any], Any] = text  # the value on the page
    cell: Callable[[Any, Context], Any] | None = None  # the page's cell, whole
    template: str = ""  # or a template for it, rendered with ``row`` and the page's context
    row_header: bool = False  # <th scope="row">: the cell that names the row
    get: Callable[[Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "get", self.value or follow(self.accessor or self.key))

    def content(self, row: Any, context: Context) -> Any:
        if self.template:
            with context.push(row=row):
                return get_template(self.template).template.render(context)
        if self.cell is not None:
            return self.cell(row, context)
        return self.fmt(self.get(row))

    def render(self, row: Any, context: Context) -> SafeString:
        # Concatenation, not format_html: a list page draws hundreds of cells, and the
        # format machinery cost more than the cell (the content is escaped all the same).
        content = conditional_escape(self.content(row, context))
        if self.row_header:
            return SafeString(f'<th scope="row">{content}</th>')
        return SafeString(f"<td>{content}</td>")


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    caption: Any = ""  # for screen readers: what the rows are
    empty: Any = ""  # the row shown when no row matches
    # Keys in the CSV's order where it differs from the page's (a published export keeps its
    # order); columns not named follow in the page's order.
    csv_order: tuple[str, ...] = ()

    @cached_property
    def page_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.label is not None)

    @cached_property
    def sort_fields(self) -> tuple[str, ...]:
        return tuple(c.sort for c in self.columns if c.sort)

    @cached_property
    def csv_columns(self) -> tuple[CsvColumn, ...]:
        first = {key: i for i, key in enumerate(self.csv_order)}
        columns = sorted(
            (c for c in self.columns if c.csv), key=lambda c: first.get(c.key, len(first))
        )
        return tuple(CsvColumn(c.csv, c.get) for c in columns)

    @property
    def colspan(self) -> int:
        return len(self.page_columns)


@lru_cache(maxsize=512)
def _url_around_pk(view: str, prefix: str) -> tuple[str, str]:
    url = reverse(view, args=[_PK_MARK])
    head, _mark, tail = url.rpartition(str(_PK_MARK))
    return head, tail


_PK_MARK = 918273645  # an id no URL pattern treats specially; replaced by the row's id


def object_url(view: str, pk: int) -> str:
    """``reverse(view, args=[pk])`` for a list's rows: resolved once per view (and script
    prefix), then the id put in. ``reverse`` costs about 50 µs; a page of 50 rows calls it
    for every linked cell."""
    head, tail = _url_around_pk(view, get_script_prefix())
    return f"{head}{int(pk)}{tail}"

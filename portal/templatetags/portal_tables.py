"""Drawing a :class:`portal.tables.Table`: sortable headers and cells (templates/portal/_table.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from portal.tables import Column

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, field: str, label: str) -> SafeString:
    """A column header that sorts by ``field``; a second click reverses. Sets ``aria-sort``."""
    current = context.get("sort", "")
    query = context.get("sort_query", "")
    if current == field:
        target, state, arrow = f"-{field}", "ascending", " ▲"
    elif current == f"-{field}":
        target, state, arrow = field, "descending", " ▼"
    else:
        target, state, arrow = field, "none", ""
    prefix = f"{query}&" if query else ""
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="?{}sort={}">{}{}</a></th>',
        state,
        prefix,
        target,
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def table_header(context: template.Context, column: Column) -> SafeString:
    if column.sort:
        return sort_header(context, column.sort, column.label)
    return format_html('<th scope="col">{}</th>', column.label)


@register.simple_tag(takes_context=True)
def table_cell(context: template.Context, column: Column, row: Any) -> SafeString:
    return column.render(row, context)


@register.simple_tag(takes_context=True)
def table_rows(context: template.Context, table: Any, rows: Any) -> SafeString:
    """Every row's ``<tr>``, drawn in Python: a list page is mostly its cells, and the template
    loop around each cell cost more than the cell."""
    columns = table.page_columns
    return SafeString(
        "".join(
            "<tr>" + "".join(column.render(row, context) for column in columns) + "</tr>\n"
            for row in rows
        )
    )


@register.simple_tag
def select_options(choices: Any, selected: Any) -> SafeString:
    """``<option>`` for each ``(value, label)`` of ``choices``, ``selected`` (a query value, a
    string) marked: one Python pass instead of a template loop per option, which cost the list
    pages several milliseconds with a few hundred hosts in the host filter."""
    chosen = "" if selected is None else str(selected)
    return SafeString(
        "".join(
            f'<option value="{escape(value)}"'
            f"{' selected' if str(value) == chosen else ''}>{escape(label)}</option>"
            for value, label in choices
        )
    )

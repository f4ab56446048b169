"""Filter fields that refuse what no database column holds, the same way on every backend.

django-filter's ``NumberFilter`` takes any decimal. PostgreSQL compares ``-1.5e20`` with a
bigint column and finds nothing; SQLite's driver cannot even bind it ("Python int too large to
convert to SQLite INTEGER") and the request ended in a 500. Bounded to a signed 64-bit integer,
such a value is a 400 naming the parameter on both.
"""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class BoundedDecimalField(forms.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class NumberFilter(filters.NumberFilter):
    field_class = BoundedDecimalField

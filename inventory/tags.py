"""Selecting VMs by the tags they carry on their platform (snapshot policies, target objects)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .models import VirtualMachine


def tagged(tag: str) -> Q:
    """VMs whose ``tags`` list holds ``tag`` exactly, on either database backend.

    PostgreSQL has JSON containment (``@>``, Django's ``contains`` on a JSONField); SQLite has
    none, so there the same question goes to ``json_each`` over the list. Both match the whole
    element only: tag ``db`` does not select a VM tagged ``db-prod``.
    """
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    table = connection.ops.quote_name(VirtualMachine._meta.db_table)
    # Only our own table name is formatted in; the tag is a parameter.
    sql = f"SELECT vm.id FROM {table} AS vm, json_each(vm.tags) AS t WHERE t.value = %s"  # noqa: S608
    return Q(pk__in=RawSQL(sql, [tag]))  # noqa: S611

"""Where an audit event's target can be read: a link per target type, registered by the apps.

``portal`` knows no feature app, so each app says in ``AppConfig.ready()`` which page shows an
object of each of its audited types (:func:`register_audit_link`). The audit trail then links
the readable target (``target_repr``) to that page. The page checks the reader's scope itself;
the trail shows a scoped reader only events about objects in scope anyway
(:mod:`portal.security.audit_scope`). An object deleted since leads to the page's 404.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

_LINKS: dict[str, tuple[str, tuple[str, ...]]] = {}


def register_audit_link(target_type: str, url_name: str, *prefix_args: str) -> None:
    """Events about ``target_type`` link to ``reverse(url_name, args=[*prefix_args, id])``."""
    _LINKS[target_type] = (url_name, prefix_args)


def target_url(target_type: str, target_id: str) -> str:
    """The page of the event's target, or "" when there is none."""
    link = _LINKS.get(target_type)
    if link is None or not target_id.isdigit():
        return ""
    url_name, prefix = link
    try:
        return reverse(url_name, args=[*prefix, int(target_id)])
    except NoReverseMatch:
        return ""

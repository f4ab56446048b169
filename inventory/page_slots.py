"""Places on inventory's pages that apps above inventory fill, without inventory importing them.

An app that builds on inventory adds a template to a slot in its ``AppConfig.ready()``; the page
includes the slot's templates in the order they were added, with the page's context. Slots:

- ``vm_actions``: in the snapshot section of a VM's page (context: ``vm``, ``user_role``).
- ``snapshot_actions``: beside each snapshot of the VM's snapshot tree (context: ``snapshot``,
  ``vm``, ``user_role``).
- ``snapshot_list_actions``: above the snapshot list, for actions on the rows selected by their
  checkboxes (``<input form="snapshot-bulk" name="snapshot">``); the list shows the checkboxes
  to administrators while a template fills this slot (context: the list's).
- ``vm_sections``: sections at the end of a VM's page, before its charts (context: ``vm``,
  ``user_role``, ``request``); a template reads what it shows through its own app's template tags.
- ``host_sections``: the same on a host's page (context: ``host``, ``user_role``, ``request``).
"""

from __future__ import annotations

_SLOTS: dict[str, list[str]] = {
    "vm_actions": [],
    "snapshot_actions": [],
    "snapshot_list_actions": [],
    "vm_sections": [],
    "host_sections": [],
}


def add_template(slot: str, template: str) -> None:
    """Include ``template`` in ``slot`` (once, however often ``ready()`` runs)."""
    if template not in _SLOTS[slot]:
        _SLOTS[slot].append(template)


def slot_templates(slot: str) -> tuple[str, ...]:
    return tuple(_SLOTS[slot])

"""How every form of the portal is drawn (``FORM_RENDERER``).

``{{ form }}`` and ``{{ field.as_field_group }}`` render ``templates/portal/forms/``: each field
with its label, its input, its rules in ``<small class="help">`` (shown before submitting) and
its errors in ``<ul class="errors">``, each error a sentence that starts with the field's label.
Errors that belong to no field come first. Pages that lay fields out themselves (filters, the
login) include ``portal/forms/field.html`` through ``as_field_group`` too.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    """The project's template engine (so ``templates/`` is searched) with the portal's form
    and field templates."""

    form_template_name = "portal/forms/form.html"
    field_template_name = "portal/forms/field.html"

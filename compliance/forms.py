from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .checks.registry import CheckSpec
from .models import Waiver


def parameters_form(spec: CheckSpec, current: dict, data=None) -> forms.Form:
    """A form with one field per parameter; the service validates the ranges."""
    form = forms.Form(data=data)
    for param in spec.params:
        initial = current.get(param.name)
        if param.kind == "cidr_list":
            field = forms.CharField(
                label=param.label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("One network per line in CIDR notation, e.g. 10.0.0.0/24."),
            )
            initial = "\n".join(initial or [])
        else:
            field = forms.CharField(
                label=param.label, help_text=f"{param.range_text} {param.unit}".strip()
            )
        field.initial = initial
        form.fields[param.name] = field
    form.fields["enabled"] = forms.BooleanField(label=_("Check enabled"), required=False)
    return form


class WaiverForm(forms.Form):
    scope = forms.ChoiceField(choices=Waiver.Scope.choices, label=_("Scope"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"))
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Must be in the future."),
    )

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return value


class WaiverRevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Reason"),
        help_text=_("Why the waiver ends early; kept with it and in the audit trail."),
    )


class BaselineApproveForm(forms.Form):
    comment = forms.CharField(required=False, max_length=500, label=_("Comment"))

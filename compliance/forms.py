from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .checks.registry import CheckSpec
from .choices import Implementation, ProtectionNeed, TargetKind
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
        elif param.kind == "choice_list":
            field = forms.CharField(
                label=param.label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("One per line, from: %(choices)s.")
                % {"choices": ", ".join(param.choices)},
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


_NEEDS = [
    ("confidentiality", _("Confidentiality")),
    ("integrity", _("Integrity")),
    ("availability", _("Availability")),
]


def _need_fields(form: forms.Form) -> None:
    for name, label in _NEEDS:
        form.fields[name] = forms.ChoiceField(
            choices=ProtectionNeed.choices, label=label, initial=ProtectionNeed.NORMAL
        )
    form.fields["need_justification"] = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason for the protection need"),
    )


class TargetForm(forms.Form):
    """A new target object; endpoints and clusters offered are those the user may see."""

    kind = forms.ChoiceField(choices=TargetKind.choices, label=_("Target object"))
    name = forms.CharField(
        required=False, max_length=255, label=_("Name"), help_text=_("Empty: named after it.")
    )
    endpoint = forms.ModelChoiceField(queryset=None, required=False, label=_("Endpoint"))
    cluster = forms.ModelChoiceField(queryset=None, required=False, label=_("Cluster"))
    tag = forms.CharField(
        required=False,
        max_length=100,
        label=_("Tag"),
        help_text=_("VMs carrying this tag on their platform; limited to the endpoint if chosen."),
    )

    def __init__(self, *args, endpoints, clusters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].queryset = endpoints
        self.fields["cluster"].queryset = clusters
        _need_fields(self)


class NeedForm(forms.Form):
    """A target's name and protection need."""

    name = forms.CharField(max_length=255, label=_("Name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _need_fields(self)


class AssessmentForm(forms.Form):
    status = forms.ChoiceField(choices=Implementation.choices, label=_("Implementation status"))
    justification = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Justification"),
        help_text=_("Required for dispensable and no."),
    )
    responsible = forms.CharField(required=False, max_length=150, label=_("Responsible"))
    due_date = forms.DateField(
        required=False,
        label=_("Due date (implementation plan)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_review = forms.DateField(
        required=False, label=_("Last review"), widget=forms.DateInput(attrs={"type": "date"})
    )
    next_review = forms.DateField(
        required=False, label=_("Next review"), widget=forms.DateInput(attrs={"type": "date"})
    )

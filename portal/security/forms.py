"""Forms of the login, second-factor and API-token pages. Every field is bounded."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.tokens import parse_networks

# TOTP codes are 6 digits; recovery codes are django-otp static tokens (8 of [a-z0-9]).
_CODE = RegexValidator(r"^(\d{6}|[a-z0-9]{8})$", _("Enter the 6-digit code or a recovery code."))


class LoginForm(AuthenticationForm):
    """Django's form with bounded fields (a megabyte of password is not hashed)."""

    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=256, strip=False, widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=16, validators=[_CODE])

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip().lower()


class TotpCodeForm(forms.Form):
    code = forms.RegexField(regex=r"^\d{6}$", max_length=6, error_messages={
        "invalid": _("Enter the 6-digit code your authenticator app shows."),
    })  # fmt: skip


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    can_write = forms.BooleanField(required=False, label=_("Write access"))
    expires_days = forms.IntegerField(
        min_value=1, max_value=365, initial=90, label=_("Expires in (days)")
    )
    allowed_networks = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One CIDR per line, e.g. 10.0.0.0/24. Empty: any address."),
        label=_("Allowed networks"),
    )

    def clean_allowed_networks(self) -> list[str]:
        lines = [
            line.strip()
            for line in self.cleaned_data["allowed_networks"].splitlines()
            if line.strip()
        ]
        if len(lines) > 20:
            raise forms.ValidationError(_("At most 20 networks."))
        try:
            return parse_networks(lines)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

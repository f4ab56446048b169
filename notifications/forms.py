"""Forms of the notification pages; every error names its field."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.roles import ROLE_LABELS, ROLES

from .kinds import Digest, Kind
from .models import Receiver

MIN_SECRET = 16


class OwnSubscriptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Notify me of"), choices=Kind.choices)
    digest = forms.ChoiceField(label=_("When"), choices=Digest.choices)


class RoleSubscriptionForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(r, _(ROLE_LABELS[r])) for r in ROLES])
    kind = forms.ChoiceField(label=_("Event"), choices=Kind.choices)
    digest = forms.ChoiceField(label=_("When"), choices=Digest.choices)


class ReceiverSubscriptionForm(forms.Form):
    receiver = forms.ModelChoiceField(label=_("Receiver"), queryset=Receiver.objects.all())
    kind = forms.ChoiceField(label=_("Event"), choices=Kind.choices)
    digest = forms.ChoiceField(label=_("When"), choices=Digest.choices)


class ReceiverForm(forms.ModelForm):
    """Name, format, https URL and the signing secret (never shown again; empty keeps it)."""

    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("https only; the certificate is verified (NOTIFY_WEBHOOK_CA_FILE)."),
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "For the generic format: at least 16 characters, shared with the receiver. "
            "It is never shown again; leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = Receiver
        fields = ["name", "format", "url", "secret", "enabled"]
        labels = {"name": _("Name"), "format": _("Format"), "enabled": _("Enabled")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Never put the stored URL (Teams and Mattermost keep their secret in it) or
            # secret into the page: empty keeps them.
            self.initial["url"] = ""
            self.initial["secret"] = ""
            self.fields["url"].required = False
            self.fields["url"].help_text = _(
                "Stored: %(url)s. Leave empty to keep it; https only, the certificate is verified."
            ) % {"url": self.instance.url_display}

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url") or ""
        if not url and self.instance.pk:
            return str(self.instance.url)
        if urlsplit(url).scheme != "https":
            raise forms.ValidationError(_("The URL must start with https://."))
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        if not secret and self.instance.pk:
            return str(self.instance.secret or "")
        if secret and len(secret) < MIN_SECRET:
            raise forms.ValidationError(
                _("The secret needs at least %(n)d characters.") % {"n": MIN_SECRET}
            )
        return secret

    def clean(self):
        data = super().clean()
        if data.get("format") == Receiver.Format.GENERIC and not data.get("secret"):
            self.add_error("secret", _("The generic format is signed: give a secret."))
        return data

    def save(self, commit: bool = True) -> Receiver:
        receiver = super().save(commit=False)
        receiver.url_display = Receiver.display_of(str(receiver.url))
        if commit:
            receiver.save()
        return receiver

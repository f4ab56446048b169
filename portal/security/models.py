"""Object scopes: limit a user's role to some endpoints or clusters.

Imported by ``portal/models.py`` so the model belongs to the ``portal`` app (migration 0003).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ObjectScope(models.Model):
    """One endpoint or one cluster a user's role applies to.

    A user without any scope row sees every object; with rows, only objects of those endpoints
    or clusters (see :func:`portal.security.scopes.scope_queryset`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="object_scopes"
    )
    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "portal"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endpoint__isnull=False, cluster__isnull=True)
                | models.Q(endpoint__isnull=True, cluster__isnull=False),
                name="objectscope_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "endpoint", "cluster"], name="objectscope_unique"
            ),
        ]

    def __str__(self) -> str:
        target = (
            f"endpoint {self.endpoint_id}" if self.endpoint_id else f"cluster {self.cluster_id}"
        )
        return f"{self.user} limited to {target}"


# --- Second factor ------------------------------------------------------------------------------
#
# django-otp keeps TOTP seeds in clear hex and recovery codes as they are. The portal keeps both
# like its other secrets: the TOTP seed encrypted with ENCRYPTION_KEYS (the field of the
# hypervisor secrets, re-encrypted by ``manage.py rotate_keys``), recovery codes only as a keyed
# hash. Migration 0005 moved existing rows over.

from binascii import unhexlify  # noqa: E402

from django_otp.models import Device, ThrottlingMixin, TimestampMixin  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from django_otp.util import random_hex  # noqa: E402

from portal.crypto import EncryptedTextField  # noqa: E402


def new_totp_key() -> str:
    return random_hex(20)


class EncryptedTotpDevice(TimestampMixin, ThrottlingMixin, Device):
    """django-otp's TOTP device with the seed encrypted at rest (same fields and behaviour).

    The verification, the throttle and the provisioning URL are django-otp's own
    (``TOTPDevice``'s methods), so the algorithm is not copied here.
    """

    key = EncryptedTextField(default=new_totp_key)  # hex seed, Fernet-encrypted in the database
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        app_label = "portal"
        verbose_name = "TOTP device"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(str(self.key).encode())

    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


def recovery_code_hash(code: str) -> str:
    """The stored form of a recovery code: a keyed hash (16 hex digits, the column's width)."""
    import hashlib
    import hmac

    from django.conf import settings

    digest = hmac.new(
        settings.API_TOKEN_PEPPER.encode(), f"recovery:{code}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:16]


class RecoveryCodes(StaticDevice):
    """django-otp's static device whose tokens are stored as :func:`recovery_code_hash`.

    A proxy: the same rows; only the comparison hashes the code first. Sessions verified with a
    recovery code name this class, so django-otp loads it (not the plain static device) again.
    """

    class Meta:
        proxy = True
        app_label = "portal"

    def verify_token(self, token: str) -> bool:
        return super().verify_token(recovery_code_hash(str(token).strip().lower()))


class DirectoryAccount(models.Model):
    """A user whose login came from the directory (LDAP), re-checked there while in use.

    Sessions are re-checked by :class:`portal.sso.middleware.DirectoryRecheckMiddleware`; API
    tokens, which have no session, by :func:`portal.sso.ldap.recheck` through this row's
    ``checked_at`` (issue 18: an account disabled in the directory is refused at once).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_account"
    )
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"directory account {self.user_id}"

"""Test support (not the product): a logged-in session that has passed the second factor.

Tests call ``verify_session(client, user)`` instead of ``client.force_login(user)`` when the
user's role must use two-factor login (administrators, security officers). Works for Django's
``Client`` and DRF's ``APIClient``. It gives the user a confirmed TOTP device (if none) and
marks the session verified exactly as django-otp's ``login`` does; nothing here is a bypass
the server honours outside a real, verified device.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from portal.security.models import EncryptedTotpDevice


def totp_device_for(user: AbstractBaseUser) -> EncryptedTotpDevice:
    """The user's confirmed TOTP device, created when missing."""
    device = EncryptedTotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = EncryptedTotpDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def verify_session(client: Client, user: AbstractBaseUser) -> Client:
    """Log ``client`` in as ``user`` with a verified second factor; return the client."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
    session.save()
    return client

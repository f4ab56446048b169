"""Helpers for security tests: current TOTP codes and a full browser login."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django_otp.oath import TOTP

from portal.security.models import EncryptedTotpDevice
from tests.factories import PASSWORD
from tests.second_factor import totp_device_for, verify_session

__all__ = ["code_for", "login_fully", "login_with_password", "totp_device_for", "verify_session"]


def code_for(device: EncryptedTotpDevice) -> str:
    """The code ``device`` accepts now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def login_with_password(client: Client, user: AbstractBaseUser, password: str = PASSWORD):
    return client.post("/login/", {"username": user.get_username(), "password": password})


def login_fully(client: Client, user: AbstractBaseUser) -> Client:
    """Password, then the current TOTP code, through the real pages."""
    device = totp_device_for(user)
    login_with_password(client, user)
    answer = client.post("/login/verify/", {"code": code_for(device)})
    assert answer.status_code == 302, answer.content[:500]
    return client

"""Encryption of hypervisor secrets at rest (Fernet; the first key encrypts, all decrypt)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Only used when DEBUG is on and no key is configured, so a development database still works.
_DEBUG_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci11c2U="


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)"
        ) from None


def fernet() -> MultiFernet:
    keys = tuple(settings.ENCRYPTION_KEYS) or (_DEBUG_KEY,)
    return _fernet(keys)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "a stored secret cannot be decrypted with any key in ENCRYPTION_KEYS: "
            "add the old key back at the end of the list"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the first (current) key."""
    return fernet().rotate(token.encode()).decode()


class Secret(str):
    """A decrypted secret whose repr never shows the value (for logs and tracebacks)."""

    def __repr__(self) -> str:
        return "Secret('***')"


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees a :class:`Secret`. Empty stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return Secret(decrypt(value))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))

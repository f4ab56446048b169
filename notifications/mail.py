"""Django's SMTP backend, verifying the server's certificate against EMAIL_CA_FILE when set."""

from __future__ import annotations

import ssl

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.utils.functional import cached_property


class VerifiedSMTPBackend(EmailBackend):
    """STARTTLS or SMTPS with the certificate and host name checked (never unverified)."""

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=settings.EMAIL_CA_FILE or None)
        if self.ssl_certfile or self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context

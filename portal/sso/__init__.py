"""Directory (LDAP / Active Directory) and single sign-on (OpenID Connect) login.

- :mod:`portal.sso.config` reads the ``LDAP_*`` and ``OIDC_*`` variables (from ``portal/settings``).
- :mod:`portal.sso.grants` turns directory groups or token claims into a role and object scopes.
- :mod:`portal.sso.ldap` is the django-auth-ldap backend; :mod:`portal.sso.oidc` the
  mozilla-django-oidc backend and views (PKCE, keys from the discovery document, logout at the
  provider, ``acr``/``amr`` for the second factor).

Local accounts (those with a password in the portal) are never touched by either: they stay the
break-glass way in when the directory or the provider is down.
"""

"""The portal's own protection: second factor, lockout, session lifetime, rate limits, scopes.

See docs/security.md for what each piece guards against and how other code uses it.
"""

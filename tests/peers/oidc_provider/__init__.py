"""A small OpenID Connect provider (django-oauth-toolkit) for the single sign-on tests.

Its own Django project and SQLite file, run by gunicorn over HTTPS in its own process
(tests/peers/oidc.py). Users, their groups and what the provider says about their second factor
(``acr``/``amr``) come from a JSON file the test writes (``PEER_USERS``).
"""

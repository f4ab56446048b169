"""Create the test users and the portal's client registration (run once after migrate)."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.peers.oidc_provider.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

from tests.peers.oidc_provider.validator import users  # noqa: E402

for name, spec in users().items():
    User.objects.create_user(name, password=spec["password"])
Application.objects.create(
    name="VirtSec Portal",
    client_id=os.environ["PEER_CLIENT_ID"],
    client_secret=os.environ["PEER_CLIENT_SECRET"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=os.environ["PEER_REDIRECT_URI"],
    post_logout_redirect_uris=os.environ["PEER_POST_LOGOUT_URI"],
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True,
)
print(json.dumps({"users": len(users())}))

"""``manage.py create_api_token USER [--write] [--expires-days N] [--network CIDR ...]``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portal.roles import role_of
from portal.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USER and print it once (it is stored only as a keyed hash)."

    def add_arguments(self, parser):
        parser.add_argument("user")
        parser.add_argument("--write", action="store_true", help="allow changes, not only reads")
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--name", default="")
        parser.add_argument("--network", action="append", default=[], help="allowed source CIDR")

    def handle(self, *args, user: str, write: bool, expires_days, name: str, network, **options):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {user!r}; create it with manage.py create_user") from None
        if not role_of(owner):
            raise CommandError(f"user {user!r} has no role; a token would be refused everywhere")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more")
        try:
            _, key = api_token_create(
                user=owner,
                name=name or f"{user} token",
                can_write=write,
                expires_days=expires_days,
                allowed_networks=network,
                actor="manage.py",
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)

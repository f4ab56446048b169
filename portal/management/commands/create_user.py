"""``manage.py create_user NAME --role ROLE [--password-file F]``."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.audit import audit
from portal.roles import ROLES


class Command(BaseCommand):
    help = "Create a portal user with one role. Prints a generated password unless --password-file."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--password-file", help="file whose first line is the password")
        parser.add_argument("--email", default="")

    def handle(self, *args, name: str, role: str, password_file: str | None, email: str, **options):
        User = get_user_model()
        if User.objects.filter(username=name).exists():
            raise CommandError(f"user {name!r} exists already; choose another name")
        generated = password_file is None
        if password_file:
            try:
                password = Path(password_file).read_text().splitlines()[0]
            except (OSError, IndexError):
                raise CommandError(f"cannot read a password from {password_file!r}") from None
        else:
            password = secrets.token_urlsafe(18)
        user = User(username=name, email=email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
            audit(action="user.create", actor="manage.py", target=user, detail={"role": role})
        self.stdout.write(f"created user {name} with role {role}")
        if generated:
            self.stdout.write(f"password: {password}")

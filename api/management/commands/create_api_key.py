"""manage.py create_api_key --user U --name N --scopes a,b [--expires-in DAYS] [--allow-ip CIDR]
[--public-key FILE_OR_BASE64]: prints the key once."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key and print it (it is shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="Username of the key's owner.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", required=True, help="Comma-separated, e.g. offerings:read")
        parser.add_argument("--expires-in", type=int, default=None, help="Days (default 90).")
        parser.add_argument(
            "--allow-ip", action="append", default=[], help="CIDR; repeat for more networks."
        )
        parser.add_argument(
            "--public-key", default=None, help="Ed25519 public key: a file (PEM) or base64."
        )

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"--user {options['user']!r}: no such user")
        public_key = options["public_key"]
        if public_key and Path(public_key).is_file():
            public_key = Path(public_key).read_text()
        networks = [net for value in options["allow_ip"] for net in value.split(",")]
        try:
            api_key, plaintext = api_key_create(
                user=user,
                name=options["name"],
                scopes=options["scopes"].split(","),
                expires_in_days=options["expires_in"],
                allowed_ips=networks,
                public_key=public_key,
            )
        except ValidationError as exc:
            problems = (f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError("; ".join(problems)) from None
        self.stderr.write(
            f"Created {api_key.prefix}_… '{api_key.name}' for {user.get_username()}, "
            f"expires {api_key.expires_at:%Y-%m-%d %H:%M} UTC. Store the key now; it is not kept."
        )
        self.stdout.write(plaintext)

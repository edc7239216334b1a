"""Create a staff account (the first Administrator, typically):

    manage.py staff_create --username alice --role ADMINISTRATOR [--full-name "Alice"] [--password-env VAR]
                           [--superuser]

The password comes from the environment variable named by --password-env, or from a prompt (typed twice)."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from matrix.backoffice.models import Role
from matrix.backoffice.services import StaffError, staff_create


class Command(BaseCommand):
    help = "Create a staff account for the back office (/staff/)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password-env", help="Name of the environment variable that holds the password.")
        parser.add_argument("--superuser", action="store_true", help="Also allow the Django admin (/admin/).")

    def handle(self, *args, **options):
        password = self._password(options["password_env"])
        try:
            member = staff_create(
                username=options["username"], full_name=options["full_name"], role=options["role"],
                password=password, email=options["email"], superuser=options["superuser"],
            )
        except StaffError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Created {member.username} ({member.role}). The first sign-in at /staff/login/ "
                          "enrols an authenticator app.")

    def _password(self, env_name: str | None) -> str:
        if env_name:
            value = os.environ.get(env_name)
            if not value:
                raise CommandError(f"The environment variable {env_name} is empty or not set.")
            return value
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first

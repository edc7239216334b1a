"""`manage.py restore --from DIR`: replace the configured database with a backup's (pg_restore --clean --if-exists,
creating the database when it does not exist; or the SQLite copy), write its objects back into the configured
storage, and check row counts and sha256 against the manifest. Stop the app hosts and workers first."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from matrix.core.backup import BackupError, backup_restore, manifest_read


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the configured database and storage."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path, help="The backup directory.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")

    def handle(self, *args, source: Path, interactive: bool, **options):
        try:
            manifest = manifest_read(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if interactive and sys.stdin.isatty():
            answer = input(
                f"This replaces every row of the database {connection.settings_dict['NAME']!s} with the backup "
                f"of {manifest['created_at']}. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            result = backup_restore(source=source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {source.resolve()}: {result.engine} database ({result.rows} rows), "
            f"{result.objects} stored object(s), all matching the manifest."
        )

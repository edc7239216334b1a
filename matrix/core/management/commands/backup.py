"""`manage.py backup --to DIR`: the database (pg_dump -Fc, or a consistent copy of the SQLite file) and every object
of the default storage, with manifest.json (row counts, each file's size and sha256). See matrix/core/backup.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matrix.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the stored documents into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("--to", dest="to", required=True, type=Path,
                            help="A new (or empty) directory to write the backup into.")

    def handle(self, *args, to: Path, **options):
        try:
            manifest = backup_create(to=to)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {to.resolve()}: {manifest['database']['engine']} database "
            f"({counts['rows']} rows in {counts['tables']} tables), {counts['objects']} stored object(s) "
            f"({counts['object_bytes']} bytes)."
        )

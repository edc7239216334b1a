"""Seed a national-scale data set into PostgreSQL (benchmarks; never on a real deployment's database).

    python manage.py seed_scale --people 100000

Writes N people with their registrations, contributions, payments, FPX messages, receipts and messages with COPY
(matrix.scale.seed), showing a progress bar, then prints what it made and how long it took."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from matrix.accounts.models import User
from matrix.scale.seed import SCALE_PASSWORD, Seeder, scale_id_number


class Command(BaseCommand):
    help = "Seed N people with five years of contributions, payments and receipts (PostgreSQL COPY)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=13, help="Random seed (the same seed makes the same data).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (logs, CI).")

    def handle(self, *args, people: int, seed: int, no_progress: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with PostgreSQL COPY: point DATABASE_URL at PostgreSQL.")
        if people < 1:
            raise CommandError("--people must be at least 1.")
        start_index = 0
        while User.objects.filter(id_number=scale_id_number(start_index)).exists():
            start_index += people  # seeded before: add the next N people after them
        seeder = Seeder(people=people, seed=seed)
        began = time.monotonic()
        if no_progress:
            made = seeder.run(start_index=start_index)
        else:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(TextColumn("seeding people"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          transient=False) as bar:
                task = bar.add_task("people", total=people)
                made = seeder.run(start_index=start_index, progress=lambda n: bar.advance(task, n))
        took = time.monotonic() - began
        self.stdout.write(f"Made in {took:,.1f} s ({people / took:,.0f} people/s, "
                          f"{seeder.rows_written / took:,.0f} rows/s; {seeder.rows_written:,} rows):")
        for name, count in made.counts.items():
            self.stdout.write(f"  {name:<18} {count:>12,}")
        self.stdout.write(f"  paid periods       {made.statuses['PAID']:>12,}")
        self.stdout.write(f"  awaiting payment   {made.statuses['SUBMITTED']:>12,}")
        if seeder.recreated_indexes:
            self.stdout.write(f"  {len(seeder.recreated_indexes)} secondary indexes dropped for the load and "
                              f"built after it in {seeder.index_seconds:,.1f} s.")
        self.stdout.write(f"Loading {seeder.load_seconds:,.1f} s, index builds {seeder.index_seconds:,.1f} s, "
                          f"ANALYZE {seeder.analyze_seconds:,.1f} s.")
        self.stdout.write(
            f"People {scale_id_number(start_index)} .. {scale_id_number(start_index + people - 1)} "
            f"sign in with password {SCALE_PASSWORD!r}."
        )

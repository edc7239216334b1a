"""`seed_scale`: N people across states and sectors with five years of contributions, payments, FPX messages,
receipts and messages, written with PostgreSQL COPY in chunks of people (one transaction per chunk).

Speed (issue 13): a pool of processes (one per core) builds the chunks as COPY text and, outside a transaction,
writes each over its own connection (the COPYs run in as many sessions as there are workers; inside a caller's
transaction the main process writes them); each chunk's primary keys come from its own slice of blocks reserved
from the sequences at the start, so the chunks need nothing from each other and the foreign keys line up. A
large load first drops the tables' indexes other than the primary keys (plain, unique, and unique constraints),
recording how to build each in `scale_dropped_index`, and builds them once after the load (CREATE INDEX over the
loaded table is far cheaper than maintaining it row by row, above all the unique ones in random order), two
sessions at once, largest tables first, then ANALYZEs the same way. The build of a unique index checks every
row, so a duplicate still fails the run. Should the run fail or be killed midway, the next run (or
`recreate_dropped_indexes`) builds whatever is still recorded there first.

The rows obey every constraint of the models (the database checks them as they arrive) and the domain rules:
periods from `matrix.core.coverage` (a registration's cover starts when the bank approved the payment; a renewal
paid while covered starts the day after the latest end, after a lapse at its payment time), amounts = the plan's
monthly rate in force that day x months, receipt numbers and Self-Employed Codes drawn from their running
numbers, one paid payment per contribution, at most one pending. About 9 % of registrations end with a renewal
awaiting payment whose FPX payment is Pending (the re-query benchmark's work), and about 10 % of paid periods had
a failed attempt first (51 Insufficient Funds).

Every seeded person signs in with SCALE_PASSWORD (one Argon2 hash shared by all: hashing a million passwords
would take hours); their IC numbers are `scale_id_number(index)`."""

import json
import multiprocessing
import os
import random
import threading
import time as time_module
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from matrix.core.coverage import coverage_end, renewal_start
from matrix.core.identifiers import receipt_no_format, self_employed_code_format
from matrix.core.kltime import KL, kl
from matrix.reference.models import (
    Bank,
    Branch,
    City,
    Nationality,
    Plan,
    Race,
    Sector,
    SectorClass,
    SelfEmployedStatus,
)
from matrix.scale.people import SCALE_PASSWORD, scale_id_number  # noqa: F401 - re-exported

SCALE_SECRET_PHRASE = "Scale data phrase"
CHUNK_PEOPLE = 2000
BUILD_SESSIONS = 2  # index builds and ANALYZEs after the load run in this many sessions at once (2 cores)
YEARS = 5
PENDING_SHARE = 0.09
FAILED_FIRST_SHARE = 0.10
LAPSED_SHARE = 0.2
FIRST_NAMES = ["AHMAD", "SITI", "MUHAMMAD", "NUR", "TAN", "LIM", "RAJ", "KUMAR", "WONG", "AISYAH", "LEE", "FARAH"]
LAST_NAMES = ["ABDULLAH", "RAHMAN", "HASSAN", "ISMAIL", "CHONG", "SUBRAMANIAM", "ONG", "YUSOF", "NG", "OMAR"]


@lru_cache(maxsize=65536)
def _end_for(day: date, months: int) -> datetime:
    """coverage_end depends only on the start's Kuala Lumpur date: cached, it costs nothing per row."""
    return coverage_end(start=datetime.combine(day, time(12), tzinfo=KL), months=months)


def period_end(start: datetime, months: int) -> datetime:
    return _end_for(start.astimezone(KL).date(), months)


# Random draws as one C call each (Random.randrange/randint/choice cost 3-5x more in Python): the same uniform
# draws, another sequence than those functions would give for the same seed.
def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _pick(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


_HOUR, _HALF_HOUR, _FIVE_MINUTES, _THREE_MINUTES = (timedelta(hours=1), timedelta(minutes=30), timedelta(minutes=5),
                                                      timedelta(minutes=3))
_MINUTE, _HALF_MINUTE, _FORTY_SECONDS = timedelta(minutes=1), timedelta(seconds=30), timedelta(seconds=40)
_FIVE_SECONDS, _TWO_SECONDS = timedelta(seconds=5), timedelta(seconds=2)
_MINUTES = [timedelta(minutes=n) for n in range(61)]


@dataclass
class Reference:
    plans: dict[int, list[Plan]]
    sectors: list[Sector]
    classes: dict[int, list[SectorClass]]
    cities: list[City]
    branches_by_state: dict[int, list[Branch]]
    branches: list[Branch]
    banks: list[Bank]
    statuses: list[SelfEmployedStatus]
    nationalities: list[Nationality]
    races: list[Race]
    plan_numbers: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.plan_numbers = sorted(self.plans)

    @classmethod
    def load(cls) -> "Reference":
        plans: dict[int, list[Plan]] = {}
        for plan in Plan.objects.order_by("number", "effective_from"):
            plans.setdefault(plan.number, []).append(plan)
        classes: dict[int, list[SectorClass]] = {}
        for sector_class in SectorClass.objects.filter(is_active=True):
            classes.setdefault(sector_class.sector_id, []).append(sector_class)
        sectors = [s for s in Sector.objects.filter(is_active=True) if classes.get(s.pk)]
        branches = list(Branch.objects.filter(is_active=True))
        by_state: dict[int, list[Branch]] = {}
        for branch in branches:
            by_state.setdefault(branch.state_id, []).append(branch)
        return cls(
            plans=plans, sectors=sectors, classes=classes, cities=list(City.objects.select_related("state")),
            branches_by_state=by_state, branches=branches, banks=list(Bank.objects.filter(is_active=True)),
            statuses=list(SelfEmployedStatus.objects.all()), nationalities=list(Nationality.objects.all()),
            races=list(Race.objects.all()),
        )

    def plan_on(self, number: int, day: date) -> Plan | None:
        for plan in self.plans.get(number, ()):
            if plan.effective_from <= day and (plan.effective_to is None or day <= plan.effective_to):
                return plan
        return None


def _choice(obj) -> dict | None:
    if obj is None:
        return None
    name_en = getattr(obj, "name_en", None) or obj.name
    return {"id": obj.pk, "en": name_en, "ms": getattr(obj, "name_ms", None) or name_en}


_js = json.encoder.encode_basestring_ascii  # json.dumps' own C encoder of a string (ensure_ascii)
_GENDER_JSON = {gender: json.dumps({"id": gender, "en": en, "ms": ms})
                for gender, en, ms in (("M", "Male", "Lelaki"), ("F", "Female", "Perempuan"))}
_JSON: dict[tuple, str] = {}


def _choice_json(obj) -> str:
    """json.dumps(_choice(obj)), made once per reference row."""
    key = (type(obj), obj.pk) if obj is not None else None
    text = _JSON.get(key)
    if text is None:
        text = _JSON[key] = json.dumps(_choice(obj))
    return text


def _city_json(city) -> str:
    """The particulars' `"state": ..., "city": ..., "postcode": ...` of a city, made once per city."""
    key = ("city-part", city.pk)
    text = _JSON.get(key)
    if text is None:
        text = _JSON[key] = (f'"state": {_choice_json(city.state)}, "city": {_choice_json(city)}, '
                             f'"postcode": {json.dumps(city.postcode)}')
    return text


TABLES = {
    "user": ("accounts_user", [
        "id", "password", "is_superuser", "id_type", "id_number", "full_name", "email", "mobile", "secret_phrase",
        "is_active", "is_staff", "date_joined", "mobile_verified_at", "email_verified_at", "activated_at"]),
    "person": ("registrations_selfemployedperson", [
        "id", "user_id", "self_employed_code", "status_id", "nationality_id", "race_id", "gender", "address_line_1",
        "address_line_2", "state_id", "city_id", "postcode", "house_phone", "mobile", "email", "branch_id",
        "created_at", "updated_at"]),
    "code": ("core_self_employed_code_number", ["id", "drawn_at"]),
    "registration": ("registrations_registration", [
        "id", "person_id", "sector_id", "sector_class_id", "particulars", "acknowledged", "submitted_at"]),
    "contribution": ("contributions_contribution", [
        "id", "registration_id", "kind", "state", "plan_id", "monthly_contribution", "months", "amount", "start_at",
        "end_at", "paid_at", "rejected_reason", "created_at"]),
    "payment": ("payments_payment", [
        "id", "contribution_id", "seller_order_no", "seller_ex_order_no", "seller_txn_time", "amount", "bank_id",
        "buyer_bank_id", "status", "debit_auth_code", "credit_auth_code", "fpx_txn_id", "fpx_txn_time", "receipt_no",
        "refund_due", "created_at", "paid_at", "settled_at", "enquiry_count", "attention_reason", "method",
        "counter_method", "counter_reference"]),
    "receipt": ("core_receipt_number", ["id", "drawn_at"]),
    "fpx": ("payments_fpxmessage", [
        "payment_id", "channel", "seller_ex_order_no", "body", "signature_valid", "outcome", "received_at"]),
    "message": ("notifications_message", [
        "reference", "channel", "recipient", "user_id", "kind", "language", "subject", "body_encrypted", "status",
        "attempts", "last_error", "provider_id", "created_at", "sent_at"]),
}


# Upper bound of the rows of one table per person: 2 registrations, 13 periods each (12 + a pending renewal),
# 2 payments per period. Each chunk owns CHUNK_PEOPLE x this many ids of every table.
IDS_PER_PERSON = {"user": 1, "code": 1, "person": 1, "registration": 2, "contribution": 28, "payment": 56,
                  "receipt": 28}


def reserve_ids(cursor, table: str, bound: int) -> int:
    """Reserve a block of `bound` primary keys from a table's identity sequence (an upper bound of what the run
    writes), so rows can point at each other before they are written, the generators need no database, and
    later inserts by the portal never collide. Returns the block's first id."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + bound])
    return first


class Ids:
    """The next id of one table within a chunk's own slice of the reserved block."""

    __slots__ = ("next",)

    def __init__(self, first: int):
        self.next = first

    def take(self) -> int:
        self.next += 1
        return self.next - 1


# -- COPY text format -----------------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """One value in COPY's text format (the commonest types first; a string is escaped only when it holds a
    backslash or a control character, which the generator's strings almost never do)."""
    kind = type(value)
    if kind is str:
        return value if value.isprintable() and "\\" not in value else value.translate(_ESCAPES)
    if kind is datetime:
        return value.isoformat(" ")
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    return str(value)


def copy_text(rows: list[tuple]) -> bytes:
    """Rows as the body of `COPY ... FROM STDIN` (text format)."""
    return "".join(["\t".join([_text(value) for value in row]) + "\n" for row in rows]).encode()


# The generator writes NULLs and booleans as COPY's text already, and only strings that need no escaping (the
# registration's particulars are escaped where they are made), so each row is one %-format in C: str() of an int,
# a Decimal or a datetime (isoformat(" ")) is its COPY text. The same bytes as `copy_text` of the same values.
_NULL, _T, _F = "\\N", "t", "f"
_FORMATS = {key: "\t".join(["%s"] * len(columns)) + "\n" for key, (_table, columns) in TABLES.items()}


_DAYS: dict[int, str] = {}
_CLOCK = [f"{hour:02d}:{minute:02d}:{second:02d}" for hour in range(24) for minute in range(60) for second in range(60)]
_OFFSETS = {UTC: "+00:00", KL: "+08:00"}  # Malaysia has kept +08:00, without summer time, since 1982


def _dt(value: datetime) -> str:
    """str(value) (isoformat(" ")), two to three times faster for the generator's datetimes (UTC or Kuala Lumpur,
    all after 1990): the date's text cached per day, the clock's from a table."""
    offset = _OFFSETS.get(value.tzinfo)
    if offset is None or value.year < 1990:
        return str(value)
    ordinal = value.toordinal()
    day = _DAYS.get(ordinal)
    if day is None:
        day = _DAYS[ordinal] = value.date().isoformat() + " "
    clock = _CLOCK[value.hour * 3600 + value.minute * 60 + value.second]
    micro = value.microsecond
    return f"{day}{clock}.{micro:06d}{offset}" if micro else day + clock + offset


def _copy_rows(key: str, rows: list[tuple]) -> bytes:
    template = _FORMATS[key]
    return "".join([template % row for row in rows]).encode()


# -- secondary indexes ------------------------------------------------------------------------------------------

DROPPED = "scale_dropped_index"
ATTACH = ";\n"  # between a recorded unique constraint's CREATE UNIQUE INDEX and its ADD CONSTRAINT ... USING INDEX


def _dropped_table(cursor) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {DROPPED} (name text PRIMARY KEY, definition text NOT NULL)")


def drop_secondary_indexes(cursor) -> list[str]:
    """Drop the indexes of the tables the seed writes other than the primary keys (which grow at their ends) and
    those a foreign key relies on: the plain ones, the unique ones and the unique constraints (dropped as
    constraints). Each is recorded in `scale_dropped_index` first, with the statement that builds it again, so a
    later run can build it whatever happens to this one. Returns their names.

    A unique constraint is recorded as its unique index's CREATE and an ALTER TABLE that makes the index the
    constraint (the same constraint as before): ADD CONSTRAINT ... UNIQUE would hold an ACCESS EXCLUSIVE lock on
    the table for the whole build, stopping the parallel session's builds on the same table; CREATE INDEX holds
    a SHARE lock, which another CREATE INDEX shares, and the ALTER takes its lock only for a moment.

    Why the unique ones too: several are in random order (message references are UUIDs, FPX order numbers start
    with the order's time), so at a million people each row would update a random page of an index far larger
    than shared_buffers. Building them after the load still checks every row: a duplicate fails the build."""
    _dropped_table(cursor)
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, c.conname IS NOT NULL,
                  CASE WHEN c.conname IS NULL THEN pg_get_indexdef(i.indexrelid)
                       WHEN NOT c.condeferrable THEN
                            pg_get_indexdef(i.indexrelid) || %s || format(
                                'ALTER TABLE %%s ADD CONSTRAINT %%I UNIQUE USING INDEX %%I', t.oid::regclass,
                                c.conname, c.conname)
                       ELSE format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', t.oid::regclass, c.conname,
                                   pg_get_constraintdef(c.oid)) END,
                  CASE WHEN c.conname IS NULL THEN format('DROP INDEX IF EXISTS %%s', i.indexrelid::regclass)
                       ELSE format('ALTER TABLE %%s DROP CONSTRAINT IF EXISTS %%I', t.oid::regclass, c.conname) END
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
             LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = t.oid AND c.contype = 'u'
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint o WHERE o.conindid = i.indexrelid
                                 AND (o.contype <> 'u' OR o.conrelid <> t.oid))""",
        [ATTACH, [table for table, _ in TABLES.values()]],
    )
    found = cursor.fetchall()
    for name, _constraint, definition, drop in found:
        cursor.execute("INSERT INTO scale_dropped_index (name, definition) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                       [name, definition])
        cursor.execute(drop)
    return [name for name, *_ in found]


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def _build(cursor, name: str, definition: str) -> None:
    """Build one recorded index (or constraint) unless a killed run built it already, then forget it."""
    create, _, attach = definition.partition(ATTACH)
    if not _exists(cursor, name):
        cursor.execute(create)
    if attach:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = %s::regclass)", [name])
        if not cursor.fetchone()[0]:
            cursor.execute(attach)
    cursor.execute("DELETE FROM scale_dropped_index WHERE name = %s", [name])


def in_sessions(connect: Callable, jobs: list[tuple[str, str]], sessions: int,
                run: Callable[[object, str, str], None]) -> None:
    """Run `run(cursor, name, statement)` for each job, longest first as given, in `sessions` connections of
    their own (autocommit) at once; the first failure stops the others taking more and is raised."""
    waiting = deque(jobs)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with connect() as conn:
                conn.autocommit = True
                cursor = conn.cursor()
                # Sorts in memory (a million people's payment keys run to hundreds of MB), shared by a build's
                # parallel workers.
                cursor.execute("SET maintenance_work_mem = '1GB'")
                while waiting and not failures:
                    try:
                        name, statement = waiting.popleft()
                    except IndexError:
                        return
                    run(cursor, name, statement)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            failures.append(exc)

    threads = [threading.Thread(target=work, name=f"seed-scale-build-{n}") for n in range(min(sessions, len(jobs)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _by_table_size(cursor, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The recorded indexes, those of the largest tables first (a longest-first order keeps both sessions busy
    to the end)."""
    cursor.execute(
        """SELECT d.name, coalesce(pg_relation_size(
                      (regexp_match(d.definition, ' ON (?:ONLY )?(\\S+) USING '))[1]::regclass), 0)
             FROM scale_dropped_index d""")
    sizes = dict(cursor.fetchall())
    return sorted(found, key=lambda job: (-sizes.get(job[0], 0), job[0]))


def recreate_dropped_indexes(cursor, *, connect: Callable | None = None, sessions: int = 1) -> list[str]:
    """Build every index recorded in `scale_dropped_index` (this run's, or a failed run's) and forget it.

    With `connect` (a new connection to the same database) and more than one session, and this connection in no
    transaction, the builds run in that many sessions at once (each statement its own transaction, so a build
    that fails leaves the others built and itself recorded); otherwise one after another on `cursor`."""
    _dropped_table(cursor)
    cursor.execute("SELECT name, definition FROM scale_dropped_index ORDER BY name")
    found = cursor.fetchall()
    if not found:
        return []
    if connect is not None and sessions > 1 and not _in_transaction(cursor):
        in_sessions(connect, _by_table_size(cursor, found), sessions, _build)
        return [name for name, _ in found]
    # Inside a longer transaction (tests) the deferred foreign-key checks of the rows are still pending, and
    # PostgreSQL builds no index on a table with pending trigger events: run the checks now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Sorts in memory (a million people's payments' index keys run to hundreds of MB), shared by the build's
    # parallel workers.
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for name, definition in found:
        _build(cursor, name, definition)
    cursor.execute("RESET maintenance_work_mem")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return [name for name, _ in found]


def _execute(cursor, _name: str, statement: str) -> None:
    cursor.execute(statement)


def _in_transaction(cursor) -> bool:
    from psycopg.pq import TransactionStatus

    return cursor.connection.info.transaction_status != TransactionStatus.IDLE


@dataclass
class Made:
    counts: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)


def _fpx_stamp(text: str) -> str:
    """YYYYMMDDhhmmss of a Kuala Lumpur time's `_dt` text (cut from it rather than strftime'd)."""
    return text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]


class Seeder:
    def __init__(self, *, people: int, seed: int = 13, now: datetime | None = None,
                 check_foreign_keys: bool = False):
        self.people, self.seed, self.check_foreign_keys = people, seed, check_foreign_keys
        self.now = now or timezone.now()
        self.ref = Reference.load()
        self.password = make_password(SCALE_PASSWORD, hasher="argon2")  # the hasher production checks
        self.made = Made()
        self.rows: dict[str, list[tuple]] = {}
        self.first_ids: dict[str, int] = {}
        self.connection_params: dict = {}
        self.rows_written = 0
        self.dropped_indexes: list[str] = []
        self.recreated_indexes: list[str] = []
        self.load_seconds = self.index_seconds = self.analyze_seconds = 0.0

    # -- one person -------------------------------------------------------------------------------------------

    def _person(self, index: int, rng: random.Random, ids: dict[str, Ids]) -> None:
        ref, now = self.ref, self.now
        user_id = ids["user"].take()
        id_number = scale_id_number(index)
        full_name = f"{_pick(rng, FIRST_NAMES)} {_pick(rng, LAST_NAMES)} {index}"
        email = f"person{index}@scale.example"
        mobile = f"601{index % 100_000_000:08d}"
        joined = _dt(now - timedelta(days=YEARS * 365 + 30 + _below(rng, 60)))
        self.rows["user"].append((
            user_id, self.password, _F, "MYKAD", id_number, full_name, email, mobile, SCALE_SECRET_PHRASE, _T,
            _F, joined, joined, joined, joined))
        city = _pick(rng, ref.cities)
        branch = _pick(rng, ref.branches_by_state.get(city.state_id) or ref.branches) if ref.branches else None
        status, nationality, race = _pick(rng, ref.statuses), _pick(rng, ref.nationalities), _pick(rng, ref.races)
        gender = "M" if int(id_number[-1]) % 2 else "F"
        code_id = ids["code"].take()
        self.rows["code"].append((code_id, joined))
        person_id = ids["person"].take()
        address = f"{1 + index % 200} Jalan Bench {index % 97}"
        self.rows["person"].append((
            person_id, user_id, self_employed_code_format(code_id), status.id, nationality.id, race.id, gender,
            address, "", city.state_id, city.id, city.postcode, "", mobile, email,
            branch.id if branch else _NULL, joined, joined))
        particulars = self._particulars(id_number, full_name, status, nationality, race, gender, address, city,
                                        mobile, email, branch)
        if "\\" in particulars:  # JSON's escapes (\uXXXX for a non-ASCII name) are backslashes to COPY
            particulars = particulars.replace("\\", "\\\\")
        sectors = rng.sample(ref.sectors, k=min(len(ref.sectors), 1 if rng.random() < 0.5 else 2))
        for sector in sectors:
            self._registration(person_id, user_id, email, sector, particulars, rng, ids)
        self.made.counts["people"] += 1

    def _particulars(self, id_number, full_name, status, nationality, race, gender, address, city, mobile, email,
                     branch) -> str:
        """The registration's particulars as json.dumps would write them (the same text), from the JSON of each
        reference row made once: json.dumps of the whole dict per person was a tenth of the generator."""
        text = _js
        return (f'{{"new_ic": {text(id_number)}, "id_type": "MYKAD", "full_name": {text(full_name)}, '
                f'"status": {_choice_json(status)}, "nationality": {_choice_json(nationality)}, '
                f'"race": {_choice_json(race)}, "gender": {_GENDER_JSON[gender]}, '
                f'"address_line_1": {text(address)}, "address_line_2": "", {_city_json(city)}, '
                f'"house_phone": "", "mobile": {text(mobile)}, "email": {text(email)}, '
                f'"branch": {_choice_json(branch)}}}')

    def _registration(self, person_id, user_id, email, sector, particulars, rng, ids) -> None:
        ref, now, random = self.ref, self.now, rng.random
        an_hour_ago = now - _HOUR
        count = 3 + _below(rng, 10)
        max_months = max(1, min(12, 56 // count))
        months = [1 + int(random() * max_months) for _ in range(count)]
        lapses = [random() < LAPSED_SHARE for _ in range(count)]
        gaps = [1 + int(random() * 20) if lapse else 0 for lapse in lapses]
        span = timedelta(days=sum(months) * 30.4 + sum(gaps))
        earliest = max(now - timedelta(days=YEARS * 365), datetime.combine(sector.effective_from, time(9), tzinfo=KL))
        latest_first = now - span + timedelta(days=_below(rng, 391) - 300)
        first_paid = max(earliest, min(latest_first, now - timedelta(days=1)))
        first_paid = first_paid.replace(microsecond=0) + timedelta(seconds=_below(rng, 3600))
        plan_number = _pick(rng, ref.plan_numbers)
        registration_id = ids["registration"].take()
        pending_last = rng.random() < PENDING_SHARE
        periods = []  # (kind, paid_at, start, end, months)
        latest_end = None
        paid_at = first_paid
        for number in range(count):
            if number > 0:
                if lapses[number]:
                    paid_at = latest_end + timedelta(days=gaps[number], seconds=1 + int(random() * 35999))
                else:
                    paid_at = latest_end - timedelta(days=1 + int(random() * 20), seconds=int(random() * 36000))
                    paid_at = max(paid_at, periods[-1][1] + _FIVE_MINUTES)
            if paid_at >= an_hour_ago:
                break
            start = paid_at if number == 0 else renewal_start(latest_end=latest_end, paid_at=paid_at)
            end = period_end(start, months[number])
            periods.append(("REGISTRATION" if number == 0 else "RENEWAL", paid_at, start, end, months[number]))
            latest_end = end
        if pending_last and periods:
            # A renewal asked for and sent to the bank in the last two days, still Pending.
            asked = now - timedelta(minutes=70 + _below(rng, 2 * 24 * 60 - 69))
            periods.append(("RENEWAL", None, asked, None, 1 + _below(rng, max_months)))
        self.rows["registration"].append((
            registration_id, person_id, sector.id, _pick(rng, ref.classes[sector.id]).id, particulars, _T,
            _dt(periods[0][1] - _HALF_HOUR)))
        self.made.counts["registrations"] += 1
        for kind, paid_at, start, end, period_months in periods:
            self._contribution(registration_id, user_id, email, kind, paid_at, start, end, period_months,
                               plan_number, rng, ids)

    def _contribution(self, registration_id, user_id, email, kind, paid_at, start, end, months, plan_number,
                      rng, ids) -> None:
        contribution_id = ids["contribution"].take()
        asked = (paid_at - _MINUTES[2 + int(rng.random() * 29)]) if paid_at else start
        plan = (self.ref.plan_on(plan_number, asked.astimezone(KL).date())
                or self.ref.plan_on(plan_number, kl(self.now).date()))
        amount = plan.monthly_contribution * months
        if paid_at is None:
            self.rows["contribution"].append((
                contribution_id, registration_id, kind, "AWAITING_PAYMENT", plan.id, plan.monthly_contribution,
                months, amount, _NULL, _NULL, _NULL, "", _dt(asked)))
            self._payment(contribution_id, user_id, email, amount, asked + _MINUTE, None, rng, ids)
            self.made.statuses["SUBMITTED"] += 1
        else:
            paid_text = _dt(paid_at)
            self.rows["contribution"].append((
                contribution_id, registration_id, kind, "PAID", plan.id, plan.monthly_contribution, months, amount,
                _dt(start), _dt(end), paid_text, "", _dt(asked)))
            if rng.random() < FAILED_FIRST_SHARE:
                self._payment(contribution_id, user_id, email, amount, asked + _HALF_MINUTE, "51", rng, ids)
            self._payment(contribution_id, user_id, email, amount, paid_at - _FORTY_SECONDS, paid_at, rng, ids,
                          paid_text)
            self.made.statuses["PAID"] += 1
        self.made.counts["contributions"] += 1

    def _payment(self, contribution_id, user_id, email, amount, ordered: datetime, outcome, rng, ids,
                 outcome_text: str = _NULL) -> None:
        """`outcome`: the approval moment (Paid, with its COPY text), a failure code, or None (Pending)."""
        payment_id = ids["payment"].take()
        # The order's moment in Kuala Lumpur time once: its COPY text (the same instant) and the FPX stamp cut
        # from it.
        ordered_text = _dt(ordered.astimezone(KL))
        stamp = _fpx_stamp(ordered_text)
        ex_order_no = f"{stamp}S{payment_id}"
        order_no = f"SKSPS{contribution_id}T{ex_order_no}"
        bank = _pick(rng, self.ref.banks)
        paid = isinstance(outcome, datetime)
        status = "PAID" if paid else ("PENDING" if outcome is None else "FAILED")
        settled = outcome + _TWO_SECONDS if paid else (ordered + _THREE_MINUTES if outcome else _NULL)
        txn_id = f"{stamp[2:]}{payment_id % 10000:04d}" if outcome else ""
        receipt_no = _NULL
        settled_text = _dt(settled) if outcome else _NULL
        if paid:
            receipt_id = ids["receipt"].take()
            self.rows["receipt"].append((receipt_id, outcome_text))
            receipt_no = receipt_no_format(year=outcome.astimezone(KL).year, number=receipt_id)
        self.rows["payment"].append((
            payment_id, contribution_id, order_no, ex_order_no, stamp, amount, bank.id, bank.code, status,
            "00" if paid else (outcome or ""), "00" if paid else "", txn_id, outcome_text,
            receipt_no, _F, ordered_text, outcome_text, settled_text, 0, "", "FPX", "", ""))
        self.rows["fpx"].append((
            payment_id, "AR", ex_order_no, f"fpx_msgType=AR&fpx_sellerExOrderNo={ex_order_no}&fpx_txnAmount={amount}",
            _NULL, "sent", ordered_text))
        self.made.counts["payments"] += 1
        self.made.counts["fpx messages"] += 1
        if outcome is None:
            self.made.counts["pending payments"] += 1
            return
        code = "00" if paid else outcome
        self.rows["fpx"].append((
            payment_id, "AC_DIRECT", ex_order_no,
            f"fpx_msgType=AC&fpx_sellerExOrderNo={ex_order_no}&fpx_debitAuthCode={code}&fpx_fpxTxnId={txn_id}",
            _T, "settled", settled_text))
        self.made.counts["fpx messages"] += 1
        if paid:
            self.made.counts["receipts"] += 1
            self.rows["message"].append((
                _uuid(rng), "EMAIL", email, user_id, "receipt", "ms", f"PERKESO Contribution Receipt {receipt_no}",
                "", "SENT", 1, "", f"scale-{payment_id}", settled_text, _dt(settled + _FIVE_SECONDS)))
            self.made.counts["messages"] += 1

    # -- writing ----------------------------------------------------------------------------------------------

    def make_chunk(self, number: int, start_index: int, size: int) -> tuple[int, dict[str, bytes], Made, int]:
        """Chunk `number` (people start_index .. + size) as COPY text per table, with its ids taken from the
        chunk's own slices of the reserved blocks. Runs in a worker process; touches no database."""
        ids = {key: Ids(self.first_ids[key] + number * CHUNK_PEOPLE * per_person)
               for key, per_person in IDS_PER_PERSON.items()}
        rng = random.Random(self.seed * 1_000_003 + start_index)
        self.rows = {key: [] for key in TABLES}
        self.made = Made()
        for index in range(start_index, start_index + size):
            self._person(index, rng, ids)
        rows = sum(len(table_rows) for table_rows in self.rows.values())
        data = {key: _copy_rows(key, table_rows) for key, table_rows in self.rows.items() if table_rows}
        self.rows = {}
        return size, data, self.made, rows

    def _flush(self, cursor, data: dict[str, bytes]) -> None:
        for key in ("user", "code", "person", "registration", "contribution", "receipt", "payment", "fpx", "message"):
            if key not in data:
                continue
            table, columns = TABLES[key]
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(data[key])

    def _should_drop_indexes(self, cursor) -> bool:
        """Drop and rebuild the indexes when the run at least doubles the people (rebuilding an index over a
        large table for a few more people would cost more than maintaining it)."""
        cursor.execute("SELECT count(*) FROM accounts_user")
        return self.people >= cursor.fetchone()[0]

    def run(self, *, start_index: int = 0, progress: Callable[[int], None] | None = None,
            workers: int | None = None, drop_indexes: bool | None = None) -> Made:
        if connection.vendor != "postgresql":
            raise RuntimeError("seed_scale writes with PostgreSQL COPY: point DATABASE_URL at PostgreSQL")
        people = self.people
        chunks = -(-people // CHUNK_PEOPLE)
        workers = workers or os.cpu_count() or 1

        def connect():
            return connection.get_new_connection(connection.get_connection_params())

        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # psycopg's own cursor, for COPY
            recreate_dropped_indexes(cursor)  # a failed run's, if any
            self.first_ids = {key: reserve_ids(cursor, TABLES[key][0], chunks * CHUNK_PEOPLE * per_person)
                              for key, per_person in IDS_PER_PERSON.items()}
            if drop_indexes is None:
                drop_indexes = self._should_drop_indexes(cursor)
            cursor.execute("SET synchronous_commit = off")
            if not self.check_foreign_keys:
                # The rows point only at rows written before them in the same chunk or at reference data, so the
                # per-row foreign-key triggers (most of COPY's cost) are skipped; CHECK and UNIQUE constraints
                # still hold every row. Needs a superuser; tests run with the checks on.
                cursor.execute("SET session_replication_role = replica")
            began = time_module.monotonic()
            try:
                if drop_indexes:
                    self.dropped_indexes = drop_secondary_indexes(cursor)
                self._load(cursor, start_index, chunks, workers, progress)
            finally:
                # In an aborted transaction (only inside a caller's atomic block) nothing more can run: its
                # rollback restores the indexes anyway. Otherwise they are built again, failure or not.
                if not _failed(cursor):
                    cursor.execute("SET session_replication_role = DEFAULT")
                    cursor.execute("SET synchronous_commit = DEFAULT")
                    self.load_seconds = time_module.monotonic() - began
                    began = time_module.monotonic()
                    self.recreated_indexes = recreate_dropped_indexes(
                        cursor, connect=connect, sessions=BUILD_SESSIONS)
                    self.index_seconds = time_module.monotonic() - began
            began = time_module.monotonic()
            analyze = [(table, f"ANALYZE {table}") for table, _ in TABLES.values()]
            if _in_transaction(cursor):
                for _table, statement in analyze:
                    cursor.execute(statement)
            else:  # both cores: the largest tables first
                in_sessions(connect, analyze[::-1], BUILD_SESSIONS, _execute)
            self.analyze_seconds = time_module.monotonic() - began
        return self.made

    def write_chunk(self, number: int, start_index: int, size: int) -> tuple[int, None, Made, int]:
        """Make chunk `number` and write it over this worker's own connection, in one transaction of its own."""
        global _WORKER_CONNECTION
        if _WORKER_CONNECTION is None:
            import psycopg

            _WORKER_CONNECTION = psycopg.connect(**self.connection_params, autocommit=True)
            _WORKER_CONNECTION.execute("SET synchronous_commit = off")
            if not self.check_foreign_keys:
                _WORKER_CONNECTION.execute("SET session_replication_role = replica")
        size, data, made, rows = self.make_chunk(number, start_index, size)
        with _WORKER_CONNECTION.transaction():
            self._flush(_WORKER_CONNECTION.cursor(), data)
        return size, None, made, rows

    def _load(self, cursor, start_index: int, chunks: int, workers: int, progress) -> None:
        """Workers build chunks in order (at most two per worker ahead, so memory stays bounded), each in its
        own transaction. Outside a transaction each worker writes its chunks over a connection of its own: the
        COPYs run in as many PostgreSQL sessions as there are workers, next to the generators, and the text
        never passes through this process. Inside a caller's transaction (tests) this process writes each chunk,
        in a savepoint, on the caller's connection."""
        made = Made()
        self.rows_written = 0
        direct = not _in_transaction(cursor)
        if direct:
            self.connection_params = connection.get_connection_params()
        global _SEEDER
        _SEEDER = self  # inherited by the forked workers
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                waiting: deque = deque()
                asked = 0
                while waiting or asked < chunks:
                    while asked < chunks and len(waiting) < 2 * workers:
                        begin = asked * CHUNK_PEOPLE
                        size = min(CHUNK_PEOPLE, self.people - begin)
                        waiting.append(pool.apply_async(_write_chunk if direct else _make_chunk,
                                                        (asked, start_index + begin, size)))
                        asked += 1
                    size, data, chunk_made, rows = waiting.popleft().get()
                    if not direct:
                        with transaction.atomic():
                            self._flush(cursor, data)
                    made.counts.update(chunk_made.counts)
                    made.statuses.update(chunk_made.statuses)
                    self.rows_written += rows
                    if progress:
                        progress(size)
        finally:
            _SEEDER = None
        self.made = made


_SEEDER: Seeder | None = None
_WORKER_CONNECTION = None  # a worker process's own connection (opened on its first chunk, after the fork)


def _make_chunk(number: int, start_index: int, size: int):
    return _SEEDER.make_chunk(number, start_index, size)


def _write_chunk(number: int, start_index: int, size: int):
    return _SEEDER.write_chunk(number, start_index, size)


def _failed(cursor) -> bool:
    """Whether the connection's current transaction is aborted (a statement failed inside the caller's atomic
    block): nothing more can run in it."""
    from psycopg.pq import TransactionStatus

    return cursor.connection.info.transaction_status == TransactionStatus.INERROR


def _uuid(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:32]}"


def amount_text(amount: Decimal) -> str:
    return f"RM {amount:,.2f}"

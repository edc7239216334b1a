"""Backups of the whole portal: the database and every object of the default storage (documents, drafts), with a
manifest; and their restore into the configured (possibly fresh) database and storage.

A backup is a directory:

    manifest.json          format, when, the database engine, row counts per table, and every file's size and sha256
    database.dump          PostgreSQL: `pg_dump -Fc` (restored with pg_restore --clean --if-exists)
    database.sqlite3       or the embedded SQLite database, copied with SQLite's online backup API
    objects/<name>         each object of the default storage (local disk or S3), under its storage name

The database is copied first, then the objects: documents are never deleted, so every document row in the copy has
its object in the backup. On PostgreSQL the row counts and pg_dump read the same snapshot (pg_export_snapshot), so the
counts describe exactly the dump. The backup is written to a sibling working folder and renamed into place at the
end: a directory with a manifest is a complete backup.

Restore checks every file against the manifest before it touches anything, then replaces the database, writes
the objects back into the configured storage, and checks the row counts and every object's sha256 again. Stop the
app hosts and workers while restoring.
"""

import hashlib
import json
import logging
import os
import posixpath
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
OBJECTS_DIR = "objects"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot be made, or whose files do not match their manifest."""


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    rows: int
    objects: int


# ---- helpers ----------------------------------------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entry(root: Path, relative: str) -> dict:
    path = root / relative
    return {"path": relative, "bytes": path.stat().st_size, "sha256": file_sha256(path)}


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _tables() -> list[str]:
    """The tables of the installed models (auto-created many-to-many tables included), sorted."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's variables for pg_dump/pg_restore: the password never appears on a command line."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"),
                          ("PGDATABASE", "NAME")):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    options = settings_dict.get("OPTIONS") or {}
    for variable, key in (("PGSSLMODE", "sslmode"), ("PGSSLROOTCERT", "sslrootcert"), ("PGSSLCERT", "sslcert"),
                          ("PGSSLKEY", "sslkey")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools, same major version or newer).")
    # Fixed programs; the arguments are our own paths and the snapshot id, never a shell.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _storage_names(storage, folder: str = ""):
    """Every object name in the storage, walking its folders (local disk) or key prefixes (S3)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # local storage whose root was never created
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from _storage_names(storage, posixpath.join(folder, sub) if folder else sub)


def object_name_is_safe(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and "\\" not in name and "\x00" not in name and not name.startswith("/") and all(
        part not in {"", ".", ".."} for part in parts
    )


# ---- backup -----------------------------------------------------------------------------------------------------

def _pg_backup(work: Path) -> dict[str, int]:
    """pg_dump -Fc from a snapshot; the row counts are read in that same snapshot."""
    snapshot_connection = connections.create_connection("default")
    try:
        snapshot_connection.set_autocommit(False)
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            existing = set(snapshot_connection.introspection.table_names(cursor))
            rows = {}
            for table in _tables():
                if table in existing:
                    # A table of an installed model that exists in the database, quoted.
                    cursor.execute(f"SELECT count(*) FROM {snapshot_connection.ops.quote_name(table)}")  # noqa: S608
                    rows[table] = cursor.fetchone()[0]
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={work / PG_DUMP_FILE}"],
                 env=_pg_env(snapshot_connection.settings_dict))
        snapshot_connection.rollback()
    finally:
        snapshot_connection.close()
    return rows


def _sqlite_counts(path: Path) -> dict[str, int]:
    copy = sqlite3.connect(path)
    try:
        existing = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 (a model's table)
            for table in _tables() if table in existing
        }
    finally:
        copy.close()


def _sqlite_backup(work: Path) -> dict[str, int]:
    """A consistent copy of the live database through SQLite's online backup API."""
    connection.ensure_connection()
    target = sqlite3.connect(work / SQLITE_FILE)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return _sqlite_counts(work / SQLITE_FILE)


def _objects_backup(work: Path, storage) -> list[dict]:
    entries = []
    for name in _storage_names(storage):
        if not object_name_is_safe(name):
            logger.warning("Backup skips an object with an unusable name: %r", name)
            continue
        relative = f"{OBJECTS_DIR}/{name}"
        target = work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(name, "rb") as source, open(target, "wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
        except FileNotFoundError:  # a draft purged or submitted meanwhile
            target.unlink(missing_ok=True)
            continue
        entries.append({"name": name, **_file_entry(work, relative)})
    return entries


def backup_create(*, to: Path, storage=None) -> dict:
    """Write a complete backup into the directory `to` (new, or empty). Returns the manifest."""
    storage = storage if storage is not None else default_storage
    to = Path(to).resolve()
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BackupError(f"{to} already exists and is not an empty directory: choose a new one.")
    engine = _engine()
    to.parent.mkdir(parents=True, exist_ok=True)
    work = to.parent / f".{to.name}.partial-{os.getpid()}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    try:
        started = timezone.now()
        if engine == "postgresql":
            rows, database_file = _pg_backup(work), PG_DUMP_FILE
        else:
            rows, database_file = _sqlite_backup(work), SQLITE_FILE
        objects = _objects_backup(work, storage)
        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(),
            "database": {"engine": engine, **_file_entry(work, database_file)},
            "rows": rows,
            "counts": {
                "tables": len(rows),
                "rows": sum(rows.values()),
                "objects": len(objects),
                "object_bytes": sum(entry["bytes"] for entry in objects),
            },
            "objects": objects,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if to.exists():
            to.rmdir()
        work.rename(to)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    logger.info("Backup written to %s: %d rows in %d tables, %d objects", to, manifest["counts"]["rows"],
                len(rows), len(objects))
    return manifest


# ---- restore ----------------------------------------------------------------------------------------------------

def manifest_read(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r} (this version reads {FORMAT}).")
    return manifest


def backup_verify(source: Path, manifest: dict) -> None:
    """Every file of the backup is there with the size and sha256 the manifest recorded."""
    source = Path(source)
    problems = []
    for entry in [manifest["database"], *manifest["objects"]]:
        relative = entry["path"]
        if not object_name_is_safe(relative) or (entry is not manifest["database"] and (
                not object_name_is_safe(entry["name"]) or relative != f"{OBJECTS_DIR}/{entry['name']}")):
            problems.append(f"{relative}: unusable name")
            continue
        path = source / relative
        if not path.is_file():
            problems.append(f"{relative}: missing")
        elif path.stat().st_size != entry["bytes"] or file_sha256(path) != entry["sha256"]:
            problems.append(f"{relative}: sha256 differs from the manifest")
    if problems:
        raise BackupError("The backup is damaged: " + "; ".join(problems[:20]))


def _pg_database_ensure() -> None:
    """Create the configured database when it does not exist yet (a fresh server)."""
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
        return
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    logger.info("Created database %s", name)


def _pg_restore(source: Path) -> None:
    _pg_database_ensure()
    connection.close()
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
          "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(source / PG_DUMP_FILE)],
         env=_pg_env(connection.settings_dict))


def _sqlite_restore(source: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if not name.startswith("file:") and name != ":memory:":
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    backup = sqlite3.connect(source / SQLITE_FILE)
    try:
        backup.backup(connection.connection)
    finally:
        backup.close()


def _rows_check(manifest: dict) -> int:
    connection.close()
    problems = []
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table, expected in sorted(manifest["rows"].items()):
            if table not in existing:
                problems.append(f"{table}: missing")
                continue
            # Only names found in the database itself reach here (a manifest is not trusted), quoted.
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            found = cursor.fetchone()[0]
            if found != expected:
                problems.append(f"{table}: {found} rows, the backup has {expected}")
    if problems:
        raise BackupError("The restored database differs from the backup: " + "; ".join(problems[:20]))
    return sum(manifest["rows"].values())


def _stored_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _objects_restore(source: Path, manifest: dict, storage) -> int:
    for entry in manifest["objects"]:
        name = entry["name"]
        if storage.exists(name):
            if _stored_sha256(storage, name) == entry["sha256"]:
                continue
            storage.delete(name)
        with open(source / entry["path"], "rb") as handle:
            saved = storage.save(name, File(handle, name=posixpath.basename(name)))
        if saved != name:
            raise BackupError(f"The storage kept {name} as {saved}.")
    problems = [entry["name"] for entry in manifest["objects"]
                if _stored_sha256(storage, entry["name"]) != entry["sha256"]]
    if problems:
        raise BackupError("Objects differ from the backup after restore: " + ", ".join(problems[:20]))
    return len(manifest["objects"])


def backup_restore(*, source: Path, storage=None) -> RestoreResult:
    """Replace the configured database with the backup's, and write its objects into the configured storage."""
    storage = storage if storage is not None else default_storage
    source = Path(source).resolve()
    manifest = manifest_read(source)
    engine = _engine()
    if manifest["database"]["engine"] != engine:
        raise BackupError(f"The backup holds a {manifest['database']['engine']} database; the configured database "
                          f"is {engine}.")
    backup_verify(source, manifest)
    if engine == "postgresql":
        _pg_restore(source)
    else:
        _sqlite_restore(source)
    rows = _rows_check(manifest)
    objects = _objects_restore(source, manifest, storage)
    logger.info("Restored %s: %d rows, %d objects", source, rows, objects)
    return RestoreResult(engine=engine, rows=rows, objects=objects)

"""A private, throwaway PostgreSQL cluster for tests that must stop, start or restart the database server (never
the machine's shared server, which other tests use).

`PgCluster(bin_dir).init()` runs initdb into a fresh directory under /tmp (owned by the `postgres` OS user:
initdb and the server refuse to run as root), `start()` serves it on a free port of 127.0.0.1 with its Unix
socket in that directory; `stop()`, `restart()` and `start()` again are what the test is about; `destroy()` stops
it (immediate mode) and removes the directory. Every wait is on a condition (pg_ctl -w waits for the server to
accept connections or to be gone, with a deadline), never a fixed sleep.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("MATRIX_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
DEADLINE_SECONDS = 60  # for pg_ctl's own waits: a deadline on a condition, not a measured duration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the `postgres` OS user when we are root (initdb and postgres refuse root); as ourselves otherwise."""
    if os.geteuid() == 0:
        return ["runuser", "-u", OS_USER, "--", *args]
    return args


class PgCluster:
    def __init__(self, bin_dir: Path = PG_BIN):
        self.bin_dir = Path(bin_dir)
        self.root = Path(tempfile.mkdtemp(prefix="matrix-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.started = False

    # --- life ----------------------------------------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = DEADLINE_SECONDS + 30) -> subprocess.CompletedProcess:
        result = subprocess.run(_as_postgres([str(self.bin_dir / args[0]), *args[1:]]), cwd=self.root,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                               f"{self.log_text()}")
        return result

    def init(self) -> PgCluster:
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(OS_USER)
            for path in (self.root, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-instructions")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(DEADLINE_SECONDS),
                  "-o", options)
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", str(DEADLINE_SECONDS))
        self.started = False

    def restart(self, mode: str = "fast") -> None:
        """pg_ctl restart: a fast shutdown (every session is terminated, open transactions roll back), then a
        start; returns once the server accepts connections again."""
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "restart", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t",
                  str(DEADLINE_SECONDS), "-o", options)
        self.started = True

    def running(self) -> bool:
        return subprocess.run(_as_postgres([str(self.bin_dir / "pg_ctl"), "status", "-D", str(self.data)]),
                              capture_output=True).returncode == 0

    def destroy(self) -> None:
        """Stop the server if it runs (immediate: nothing here needs keeping) and remove its directory."""
        try:
            if self.data.exists() and self.running():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t",
                          str(DEADLINE_SECONDS))
        finally:
            self.started = False
            shutil.rmtree(self.root, ignore_errors=True)

    # --- use -------------------------------------------------------------------------------------------------------

    def url(self, dbname: str, **query: str) -> str:
        tail = "&".join(f"{key}={value}" for key, value in query.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}" + (f"?{tail}" if tail else "")

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=10,
                               **kwargs)

    def createdb(self, name: str) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

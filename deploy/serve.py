"""`make serve`: the production-like profile on one machine, under config.django.production.

It starts and supervises every piece a deployment runs, with the local values of deploy/local.env:
- a local S3-compatible server (moto's standalone server) and the documents bucket on it;
- the release step: migrate, collectstatic (and the demo account, SERVE_DEMO=1);
- a Celery worker and ONE Celery beat;
- gunicorn (config/gunicorn.py; workers from the core count) serving HTTPS itself with a self-signed certificate
  for localhost made into var/keys/ (production terminates TLS at the load balancer instead).
It prints the URL once /readyz answers 200, and stops everything on Ctrl-C or when one piece exits.

The pieces are also importable (`from deploy.serve import Stack`): tests/deploy/test_stack_pg.py builds the same
stack with two app hosts, a local SMTP server and an SMS gateway stub.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
KEYS_DIR = BASE_DIR / "var" / "keys"


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def database_ensure(url: str) -> None:
    """Create the PostgreSQL database named in `url` when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def bucket_ensure(*, endpoint: str, bucket: str, region: str, access_key: str, secret_key: str) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1",
                          aws_access_key_id=access_key or "local", aws_secret_access_key=secret_key or "local")
    existing = {entry["Name"] for entry in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)


def certificate_ensure(directory: Path = KEYS_DIR) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (var/keys/serve-cert.pem, serve-key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    cert_path, key_path = directory / "serve-cert.pem", directory / "serve-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def url_ok(url: str, *, verify: str | bool = True) -> bool:
    import requests

    try:
        return requests.get(url, timeout=5, verify=verify).status_code == 200
    except requests.RequestException:
        return False


class Stack:
    """The processes of one deployment on this machine, each in its own process group, stopped together."""

    def __init__(self, env: dict[str, str], *, log_dir: Path | None = None, python: str = sys.executable):
        self.env = dict(env)
        self.log_dir = log_dir
        self.python = python
        self.processes: list[tuple[str, subprocess.Popen]] = []

    # -- one-off steps ------------------------------------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 600) -> None:
        subprocess.run([self.python, str(BASE_DIR / "manage.py"), *args], env=self.env, cwd=BASE_DIR,  # noqa: S603
                       check=True, timeout=timeout)

    def release(self, *, demo: bool = False) -> None:
        say("Migrating the database")
        self.manage("migrate", "--noinput", "-v", "0")
        say("Collecting the static files")
        self.manage("collectstatic", "--noinput", "-v", "0")
        if demo:
            self.manage("load_demo")

    # -- long-running pieces -------------------------------------------------------------------------------------
    def start(self, name: str, args: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen:
        output = None
        if self.log_dir is not None:
            output = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open by the child
        process = subprocess.Popen(args, env={**self.env, **(env or {})}, cwd=BASE_DIR, stdout=output,  # noqa: S603
                                   stderr=subprocess.STDOUT if output else None, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        if output is not None:
            output.close()
        self.processes.append((name, process))
        return process

    def start_s3(self, port: int) -> subprocess.Popen:
        return self.start("s3", [self.python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])

    def start_worker(self, *, concurrency: int = 2, name: str = "worker") -> subprocess.Popen:
        return self.start(name, [self.python, "-m", "celery", "-A", "config", "worker", "-l", "info",
                                 "--concurrency", str(concurrency), "-n", f"{name}@%h"])

    def start_beat(self, schedule_file: Path) -> subprocess.Popen:
        """The one beat of the deployment (never start two: every periodic job would run twice)."""
        return self.start("beat", [self.python, "-m", "celery", "-A", "config", "beat", "-l", "info",
                                   "--schedule", str(schedule_file)])

    def start_web(self, port: int, *, name: str = "web", workers: int | None = None,
                  certfile: Path | None = None, keyfile: Path | None = None) -> subprocess.Popen:
        extra = {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "-"}
        if workers is not None:
            extra["WEB_CONCURRENCY"] = str(workers)
        if certfile and keyfile:
            extra.update(GUNICORN_CERTFILE=str(certfile), GUNICORN_KEYFILE=str(keyfile))
        return self.start(name, [self.python, "-m", "gunicorn", "-c", str(BASE_DIR / "config" / "gunicorn.py"),
                                 "config.wsgi"], env=extra)

    def stop(self, name: str, *, timeout: float = 30) -> None:
        for started, process in self.processes:
            if started == name:
                _stop(process, timeout)

    def stop_all(self, *, timeout: float = 30) -> None:
        for _, process in reversed(self.processes):
            _stop(process, timeout)

    def exited(self) -> list[tuple[str, int]]:
        return [(name, process.returncode) for name, process in self.processes if process.poll() is not None]


def _stop(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def main() -> int:
    env = dict(os.environ)
    port = int(env.get("PORT", "8000"))
    s3_port = int(env.get("S3_PORT", "9000"))
    cert, key = certificate_ensure()
    env.setdefault("PORTAL_BASE_URL", f"https://localhost:{port}")
    env.setdefault("AWS_S3_ENDPOINT_URL", f"http://127.0.0.1:{s3_port}")
    # Host-to-host calls (the FPX simulator's direct AC and enquiries) trust the local certificate.
    env.setdefault("REQUESTS_CA_BUNDLE", str(cert))
    stack = Stack(env)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        say(f"PostgreSQL database: {env['DATABASE_URL']}")
        database_ensure(env["DATABASE_URL"])
        if env.get("SERVE_LOCAL_S3", "1") == "1":
            say(f"Local S3 server (moto) on {env['AWS_S3_ENDPOINT_URL']}")
            stack.start_s3(s3_port)
            deadline = time.monotonic() + 60
            while not url_ok(env["AWS_S3_ENDPOINT_URL"] + "/moto-api/"):
                if time.monotonic() > deadline or stack.exited():
                    raise SystemExit("the local S3 server did not start")
                time.sleep(0.2)
        bucket_ensure(endpoint=env["AWS_S3_ENDPOINT_URL"], bucket=env["AWS_STORAGE_BUCKET_NAME"],
                      region=env.get("AWS_S3_REGION_NAME", ""), access_key=env.get("AWS_ACCESS_KEY_ID", ""),
                      secret_key=env.get("AWS_SECRET_ACCESS_KEY", ""))
        stack.release(demo=env.get("SERVE_DEMO", "1") == "1")
        say("Starting a Celery worker, the Celery beat and gunicorn")
        stack.start_worker(concurrency=int(env.get("CELERY_CONCURRENCY", "2")))
        stack.start_beat(BASE_DIR / "var" / "celerybeat-schedule")
        stack.start_web(port, certfile=cert, keyfile=key)
        deadline = time.monotonic() + 120
        while not stopping and not url_ok(f"https://localhost:{port}/readyz", verify=str(cert)):
            if time.monotonic() > deadline or stack.exited():
                raise SystemExit(f"the portal did not become ready: {stack.exited() or 'see the log above'}")
            time.sleep(0.5)
        if not stopping:
            print(f"\n  MATRIX (production profile) is serving https://localhost:{port}/  (self-signed certificate "
                  f"{cert})\n  Demo login: IC 900101145678, password 'matrix-demo-2026'  "
                  f"(outbox: https://localhost:{port}/dev/outbox/ while MESSAGES_OUTBOX=1)\n  Stop with Ctrl-C.\n",
                  flush=True)
        while not stopping:
            if stack.exited():
                print(f"stopping: {stack.exited()} exited", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())

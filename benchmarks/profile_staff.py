"""Profiles of the back office's pages that `make bench` measures (issue 13): the person search by IC and the
reports page, signed in as the bench's Supervisor with a verified second factor (run.staff_session). In process,
under the bench profile's settings and data (run `make bench` first): pyinstrument over N requests of each page,
then one request's statements with their time (CaptureQueriesContext). Text profiles go to var/bench/profiles/.

Each request runs inside a transaction that is rolled back, so the audit rows the pages write (by design: every
staff action writes one) do not pile up in the bench database. The cache is Redis db 8 unless BENCH_REDIS_URL
says otherwise (db 4 is the bench server's).

    .venv/bin/python benchmarks/profile_staff.py [requests per page, default 100]"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")

from benchmarks import run  # noqa: E402


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    os.environ.update(run.profile_env())
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    chosen = run.targets()
    staff_key = run.staff_session()
    pages = {
        "staff-person-search": f"/staff/people/?q={chosen['person'].user.id_number}",
        "staff-reports": "/staff/reports/",
    }
    out = run.JSON_PATH.parent / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = staff_key

    def get(url):
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        return response

    for name, url in pages.items():
        for _ in range(3):  # warm: per-process caches, the connection, the shared cache
            response = get(url)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            get(url)
            one = (time.perf_counter() - began) * 1000
        statements = [q for q in queries.captured_queries
                      if q["sql"] not in ("BEGIN", "ROLLBACK") and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        lines = [f"{float(q['time']) * 1000:7.2f} ms  {q['sql'][:300]}" for q in statements]
        # Wall and CPU time without the profiler: on a shared machine the CPU time is the steadier figure.
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            get(url)
        per_request = (time.perf_counter() - began) / count * 1000
        cpu_per_request = (time.process_time() - cpu) / count * 1000
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(count):
                get(url)
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        (out / f"{name}.txt").write_text(
            f"{url}: {per_request:.1f} ms wall, {cpu_per_request:.1f} ms CPU per request ({count} requests); "
            f"one request {one:.1f} ms, {len(statements)} statements:\n" + "\n".join(lines) + f"\n\n{text}")
        print(f"{name:<22} {per_request:6.1f} ms wall {cpu_per_request:6.1f} ms CPU per request  "
              f"{len(statements)} statements  -> {out / (name + '.txt')}")
        for line in lines:
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

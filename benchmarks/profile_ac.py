"""The FPX direct AC in process: statements and milliseconds per settlement, and a pyinstrument profile, under the
bench profile's settings (config.django.production, PostgreSQL, Redis). Each AC is a distinct pending order made
here (benchmarks/pending.py), signed as the simulator signs it and posted to /payments/fpx/direct/ through Django's
test client, as wrk posts it in `make bench` (FPX's address in X-Forwarded-For).

It writes: it settles the orders it makes and closes every other pending attempt (as `make bench` does), so point
it at a scale database of your own, never at one you must keep:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine BENCH_REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python benchmarks/profile_ac.py [ACs timed, default 500] [ACs profiled, default 200]

(`manage.py seed_scale --people 2000` with DATABASE_URL at that database first.) The profile goes to
var/bench/profiles/direct-ac.txt; the statements of one settlement are printed."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run  # noqa: E402


def main() -> int:
    timed = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    profiled = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    if run.DATABASE_URL.rstrip("/").endswith("/bench"):
        print("profile_ac settles payments: set BENCH_DATABASE_URL to a database of your own, not `bench`.")
        return 2
    os.environ.update(run.profile_env())
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from benchmarks.pending import pending_payments_make
    from matrix.payments.models import Payment

    warm = 20
    made = pending_payments_make(direct=warm + 1 + timed + profiled, requery=0,
                                 base_url=os.environ["PORTAL_BASE_URL"])
    bodies, _ids = run.ac_bodies(made.direct)
    if len(bodies) < warm + 1 + timed + profiled:
        print(f"only {len(bodies)} pending orders could be made: seed more people")
        return 2
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=run.FPX_ADDRESS, HTTP_HOST="127.0.0.1")
    queue = iter(bodies)

    def post() -> None:
        response = client.post("/payments/fpx/direct/", next(queue), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200 and response.content == b"OK", response.content[:200]

    for _ in range(warm):  # caches, the connection, the key and certificate loads
        post()
    with CaptureQueriesContext(connection) as captured:
        post()
    print(f"statements of one direct AC: {len(captured.captured_queries)}")
    for query in captured.captured_queries:
        print(f"  {query['sql'][:160]}")

    # Wall time includes PostgreSQL's share of the same cores (and any other load on them); this process's CPU
    # time is the Python side alone, steadier on a busy machine.
    began, began_cpu = time.perf_counter(), time.process_time()
    for _ in range(timed):
        post()
    per_ac = (time.perf_counter() - began) / timed * 1000
    cpu_per_ac = (time.process_time() - began_cpu) / timed * 1000
    print(f"{per_ac:.2f} ms per direct AC in process over {timed} ACs ({1000 / per_ac:.0f} per second), "
          f"{cpu_per_ac:.2f} ms of it this process's CPU")

    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(profiled):
            post()
    out = run.JSON_PATH.parent / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    flat = "\n".join(profiler.output_text(unicode=False, color=False, flat=True).splitlines()[:60])
    (out / "direct-ac.txt").write_text(f"/payments/fpx/direct/: {per_ac:.2f} ms per AC in process, {cpu_per_ac:.2f} ms "
                                       f"CPU\n\n{tree}\n\nSelf time, top functions:\n{flat}\n")
    print(f"profile of {profiled} ACs -> {out / 'direct-ac.txt'}")
    paid = Payment.objects.filter(pk__in=made.direct, status=Payment.Status.PAID).count()
    assert paid == warm + 1 + timed + profiled, paid
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The FPX direct AC in process: statements and milliseconds per settlement, the time of each part, and a pyinstrument
profile, under the bench profile's settings (config.django.production, PostgreSQL, Redis). Each AC is a distinct
pending order made here (benchmarks/pending.py), signed as the simulator signs it and posted to
/payments/fpx/direct/ through Django's test client, as wrk posts it in `make bench` (FPX's address in
X-Forwarded-For).

It writes: it settles the orders it makes and closes every other pending attempt (as `make bench` does), so point
it at a scale database of your own, never at one you must keep:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine BENCH_REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python benchmarks/profile_ac.py [ACs timed, default 500] [ACs profiled, default 100]

(`manage.py seed_scale --people 2000` with DATABASE_URL at that database first.) Printed: the statements of one
settlement; wall and this process's CPU milliseconds per AC over the timed ACs (wall includes PostgreSQL on the
same cores, and whatever else runs there); the parts, under cProfile (which inflates Python time, so compare
shares). The pyinstrument profile goes to var/bench/profiles/direct-ac.txt."""

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run  # noqa: E402

WARM = 20  # ACs before anything is measured: the connection, the key and certificate loads, Django's caches

# (label, file suffix, function, caller's file suffix and function or None): the cumulative time of the function
# (only when called from that caller).
PARTS = [
    ("the request (test client, middleware, view)", "django/test/client.py", "request", None),
    ("  the view fpx_direct", "matrix/payments/views.py", "fpx_direct", None),
    ("    at the door: parse and verify (_authentic)", "matrix/payments/views.py", "_authentic", None),
    ("    payment_settle_body, transaction and commit", "matrix/payments/services/settle.py", "payment_settle_body",
     None),
    ("      parse the form (door and settlement)", "matrix/payments/fpx/messages.py", "form_parse", None),
    ("      verify the checksum (door and settlement)", "matrix/payments/fpx/checksum.py", "message_verify", None),
    ("        RSA verify (cached per message)", "matrix/payments/fpx/checksum.py", "_signature_verifies", None),
    ("      read the AC (ac_from_fields)", "matrix/payments/fpx/messages.py", "ac_from_fields", None),
    ("      payment_settle (its statements)", "matrix/payments/services/settle.py", "payment_settle", None),
    ("        lock the payment (and registration)", "matrix/payments/services/settle.py", "_payment_locked", None),
    ("        contribution_mark_paid", "matrix/contributions/services.py", "contribution_mark_paid", None),
    ("        receipt_no_next", "matrix/core/identifiers.py", "receipt_no_next", None),
    ("        the payment's UPDATE", "django/db/models/query.py", "update",
     ("matrix/payments/services/settle.py", "payment_approve")),
    ("        _tell_mark", "matrix/payments/services/settle.py", "_tell_mark", None),
    ("        the log row (_log)", "matrix/payments/services/settle.py", "_log", None),
    ("      COMMIT", "django/db/backends/base/base.py", "commit", None),
    ("      on_commit work (the kick)", "django/db/backends/base/base.py", "run_and_clear_commit_hooks", None),
    ("    the response (HttpResponse)", "django/http/response.py", "__init__",
     ("matrix/payments/views.py", "fpx_direct")),
]


def parts_table(stats: pstats.Stats, count: int) -> list[str]:
    """Milliseconds per AC of each of PARTS."""
    lines = []
    for label, suffix, function, caller in PARTS:
        total = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, cumulative, callers) in stats.stats.items():
            if name != function or not filename.endswith(suffix):
                continue
            if caller is None:
                total += cumulative
            else:
                total += sum(values[3] for (caller_file, _l, caller_name), values in callers.items()
                             if caller_name == caller[1] and caller_file.endswith(caller[0]))
        lines.append(f"  {label:<52}{total / count * 1000:8.2f} ms")
    return lines


def main() -> int:
    timed = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    profiled = int(sys.argv[2]) if len(sys.argv) > 2 else 100
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

    wanted = WARM + 1 + timed + 2 * profiled
    made = pending_payments_make(direct=wanted, requery=0, base_url=os.environ["PORTAL_BASE_URL"])
    bodies, _ids = run.ac_bodies(made.direct)
    if len(bodies) < wanted:
        print(f"only {len(bodies)} pending orders could be made: seed more people")
        return 2
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=run.FPX_ADDRESS, HTTP_HOST="127.0.0.1")
    queue = iter(bodies)

    def post() -> None:
        response = client.post("/payments/fpx/direct/", next(queue), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200 and response.content == b"OK", response.content[:200]

    for _ in range(WARM):
        post()
    with CaptureQueriesContext(connection) as captured:
        post()
    print(f"statements of one direct AC: {len(captured.captured_queries)}")
    for query in captured.captured_queries:
        print(f"  {query['sql'][:160]}")

    began, began_cpu = time.perf_counter(), time.process_time()
    for _ in range(timed):
        post()
    per_ac = (time.perf_counter() - began) / timed * 1000
    cpu_per_ac = (time.process_time() - began_cpu) / timed * 1000
    print(f"{per_ac:.2f} ms per direct AC in process over {timed} ACs ({1000 / per_ac:.0f} per second), "
          f"{cpu_per_ac:.2f} ms of it this process's CPU")

    profile = cProfile.Profile(time.process_time)  # CPU time: waits on PostgreSQL (and on other load) left out
    profile.enable()
    for _ in range(profiled):
        post()
    profile.disable()
    parts = parts_table(pstats.Stats(profile), profiled)
    print(f"parts, CPU ms per AC under cProfile ({profiled} ACs):")
    print("\n".join(parts))

    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(profiled):
            post()
    out = run.JSON_PATH.parent / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    flat = "\n".join(profiler.output_text(unicode=False, color=False, flat=True).splitlines()[:60])
    (out / "direct-ac.txt").write_text(
        f"/payments/fpx/direct/: {per_ac:.2f} ms per AC in process, {cpu_per_ac:.2f} ms CPU\n\n"
        + "parts, CPU ms per AC under cProfile:\n" + "\n".join(parts)
        + f"\n\n{tree}\n\nSelf time, top functions:\n{flat}\n")
    print(f"profile of {profiled} ACs -> {out / 'direct-ac.txt'}")
    paid = Payment.objects.filter(pk__in=made.direct, status=Payment.Status.PAID).count()
    assert paid == wanted, paid
    return 0


if __name__ == "__main__":
    sys.exit(main())

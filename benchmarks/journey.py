"""`make bench-journey`: the Locust journey (benchmarks/locustfile.py) of JOURNEY_PEOPLE simulated people (200)
against the production-like profile of `make bench` on its data set, bounded to JOURNEY_SECONDS (120). Prints each
step's requests, failures and p95, and the totals; writes them to var/bench/journey.json. Never fails a build."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run  # noqa: E402

PEOPLE = int(os.environ.get("JOURNEY_PEOPLE", "200"))
SECONDS = int(os.environ.get("JOURNEY_SECONDS", "120"))


def main() -> int:
    env = {**run.profile_env(), "CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}
    os.environ.update(env)
    import django

    django.setup()
    from matrix.registrations.models import SelfEmployedPerson

    if not SelfEmployedPerson.objects.filter(user__email__endswith="@scale.example").exists():
        print("No scale data: run `make bench` (or manage.py seed_scale) first.")
        return 0
    out = run.JSON_PATH.parent
    out.mkdir(parents=True, exist_ok=True)
    # People who have not run the journey yet (each renews once), after those earlier runs used.
    marker = out / "journey-next-person"
    first = int(marker.read_text()) if marker.exists() else 1000
    marker.write_text(str(first + PEOPLE))
    web = run.gunicorn("config.wsgi", run.PORT, env, out / "journey-web.log")
    try:
        run.wait_ready(f"http://127.0.0.1:{run.PORT}/healthz", web)
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
             "-u", str(PEOPLE), "-r", str(max(1, PEOPLE // 10)), "-t", f"{SECONDS}s", "--stop-timeout", "10",
             "--host", f"http://127.0.0.1:{run.PORT}", "--csv", str(out / "journey"), "--only-summary"],
            env={**env, "JOURNEY_FIRST_PERSON": str(first)}, cwd=run.BASE_DIR, timeout=SECONDS + 120)
    finally:
        run.stop(web)
    rows = list(csv.DictReader(open(out / "journey_stats.csv")))
    summary = [{"name": row["Name"], "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "p95_ms": row["95%"], "median_ms": row["50%"]} for row in rows]
    (out / "journey.json").write_text(json.dumps({"people": PEOPLE, "seconds": SECONDS, "steps": summary},
                                                 indent=2))
    print(f"\nLocust journey: {PEOPLE} people, at most {SECONDS} s")
    print(f"{'step':<36}{'requests':>10}{'failures':>10}{'p50 ms':>9}{'p95 ms':>9}")
    for row in summary:
        print(f"{row['name']:<36}{row['requests']:>10}{row['failures']:>10}{row['median_ms']:>9}{row['p95_ms']:>9}")
    failures = out / "journey_failures.csv"
    if failures.exists():
        print(failures.read_text()[:2000])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench-journey`: the Locust journey (benchmarks/locustfile.py) of JOURNEY_PEOPLE simulated people (200)
against the production-like profile of `make bench` on its data set. People arrive over JOURNEY_RAMP_SECONDS (60:
the spawn rate is people / ramp), pause between their own steps (JOURNEY_THINK_MIN..MAX, 1 to 3 s), and the whole
run is bounded to JOURNEY_SECONDS (180). Prints each step's requests, failures, p50 and p95, and overall, the
journeys completed and the target (no failures, p95 <= 300 ms); writes them to var/bench/journey.json. Never fails
a build."""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run  # noqa: E402

PEOPLE = int(os.environ.get("JOURNEY_PEOPLE", "200"))
SECONDS = int(os.environ.get("JOURNEY_SECONDS", "180"))
RAMP_SECONDS = float(os.environ.get("JOURNEY_RAMP_SECONDS", "60"))
TARGET_P95_MS = 300


def main() -> int:
    env = run.profile_env()  # behind the load balancer: X-Forwarded-For carries each person's address
    os.environ.update(env)
    import django

    django.setup()
    from matrix.registrations.models import SelfEmployedPerson

    if not SelfEmployedPerson.objects.filter(user__email__endswith="@scale.example").exists():
        print("No scale data: run `make bench` (or manage.py seed_scale) first.")
        return 0
    run.scale_passwords_current()
    out = run.JSON_PATH.parent
    out.mkdir(parents=True, exist_ok=True)
    # People who have not run the journey yet (each renews once), after those earlier runs used.
    marker = out / "journey-next-person"
    first = int(marker.read_text()) if marker.exists() else 1000
    marker.write_text(str(first + PEOPLE))
    spawn_rate = round(PEOPLE / RAMP_SECONDS, 2) if RAMP_SECONDS > 0 else PEOPLE
    for stale in ("journey_stats.csv", "journey_failures.csv"):
        (out / stale).unlink(missing_ok=True)
    web = run.gunicorn("config.wsgi", run.PORT, env, out / "journey-web.log")
    began = time.monotonic()
    try:
        run.wait_ready(f"http://127.0.0.1:{run.PORT}/healthz", web)
        warm_up(f"http://127.0.0.1:{run.PORT}")
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
             "-u", str(PEOPLE), "-r", str(spawn_rate), "-t", f"{SECONDS}s", "--stop-timeout", "10",
             "--host", f"http://127.0.0.1:{run.PORT}", "--csv", str(out / "journey"), "--only-summary"],
            env={**env, "JOURNEY_FIRST_PERSON": str(first), "JOURNEY_PEOPLE": str(PEOPLE)}, cwd=run.BASE_DIR,
            timeout=SECONDS + 120,
            stdout=subprocess.DEVNULL, stderr=open(out / "journey-locust.log", "w"))  # noqa: SIM115
    finally:
        run.stop(web)
    elapsed = round(time.monotonic() - began, 1)
    rows = list(csv.DictReader(open(out / "journey_stats.csv")))
    summary = [{"name": row["Name"] if row["Name"] != "Aggregated" else "overall",
                "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "p95_ms": _number(row["95%"]), "median_ms": _number(row["50%"])} for row in rows]
    overall = next((row for row in summary if row["name"] == "overall"), {"failures": 0, "p95_ms": None})
    completed = next((row["requests"] for row in summary if row["name"] == "receipt PDF"), 0)
    met = overall["failures"] == 0 and overall["p95_ms"] is not None and overall["p95_ms"] <= TARGET_P95_MS
    result = {"people": PEOPLE, "seconds_bound": SECONDS, "ramp_seconds": RAMP_SECONDS, "spawn_rate": spawn_rate,
              "think_seconds": [float(os.environ.get("JOURNEY_THINK_MIN", "1")),
                                float(os.environ.get("JOURNEY_THINK_MAX", "3"))],
              "first_person": first, "elapsed_seconds": elapsed, "journeys_completed": completed,
              "target": {"failures": 0, "p95_ms": TARGET_P95_MS, "met": met}, "steps": summary}
    (out / "journey.json").write_text(json.dumps(result, indent=2))
    print(f"\nLocust journey: {PEOPLE} people arriving over {RAMP_SECONDS:.0f} s ({spawn_rate}/s), pausing "
          f"{result['think_seconds'][0]:g}-{result['think_seconds'][1]:g} s between their own steps; bounded to "
          f"{SECONDS} s, took {elapsed} s")
    print(f"{'step':<36}{'requests':>10}{'failures':>10}{'p50 ms':>9}{'p95 ms':>9}")
    for row in summary:
        print(f"{row['name']:<36}{row['requests']:>10}{row['failures']:>10}{row['median_ms'] or '-':>9}"
              f"{row['p95_ms'] or '-':>9}")
    print(f"journeys completed (receipt PDF fetched): {completed} of {PEOPLE}; target (no failures, overall p95 <= "
          f"{TARGET_P95_MS} ms): {'met' if met else 'NOT met'}")
    failures = out / "journey_failures.csv"
    if failures.exists() and len(failures.read_text().splitlines()) > 1:
        print(failures.read_text()[:2000])
    return 0


def warm_up(base: str) -> None:
    """A server in production is warm: both workers answer the login page, the home page and a signed-in page
    (someone outside the journey's people) for two seconds each before the first person arrives."""
    person = run.targets()["person"]
    signed_in = {**run.BASE_HEADERS, "Cookie": f"sessionid={run.person_session(person.user)}"}
    for path, headers in (("/accounts/login/", run.BASE_HEADERS), ("/", run.BASE_HEADERS),
                          ("/self-employed/contributions/", signed_in)):
        run.wrk(f"{base}{path}", connections=4, seconds=2, headers=headers)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # "N/A": no request of that step


if __name__ == "__main__":
    sys.exit(main())

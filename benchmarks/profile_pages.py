"""Profiles for benchmarks/NOTES.md: pyinstrument over N requests of each page, in process, under the bench
profile's settings and data (run `make bench` first). Text profiles go to var/bench/profiles/.

    .venv/bin/python benchmarks/profile_pages.py [requests per page, default 50]"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run  # noqa: E402


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    os.environ.update(run.profile_env())
    import django

    django.setup()
    from django.test import Client
    from pyinstrument import Profiler

    chosen = run.targets()
    person_key = run.person_session(chosen["person"].user)
    pages = {
        "history": "/self-employed/contributions/",
        "view-contribution": f"/self-employed/contributions/{chosen['contribution'].pk}/",
        "payment-details": f"/payments/{chosen['payment'].pk}/",
        "self-employed-home": "/self-employed/",
        "dashboard": "/self-employed/dashboard/",
    }
    out = run.JSON_PATH.parent / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = person_key
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        profiler = Profiler(interval=0.0005)
        began = time.perf_counter()
        with profiler:
            for _ in range(count):
                client.get(url)
        per_request = (time.perf_counter() - began) / count * 1000
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        (out / f"{name}.txt").write_text(f"{url}: {per_request:.1f} ms per request in process\n\n{text}")
        print(f"{name:<22} {per_request:7.1f} ms per request  -> {out / (name + '.txt')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

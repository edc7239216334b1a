"""The harness of `make bench` and `make bench-journey` (benchmarks/run.py, locustfile.py): their requests look
like a visitor behind the load balancer, not this machine, and a page too slow for 32 connections is measured one
request at a time within its budget."""

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import RequestFactory

from benchmarks import run
from benchmarks.run import public_address
from matrix.core.client_ip import client_ip
from matrix.core.localonly import request_is_local_or_staff


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}


def test_the_bench_requests_come_from_a_visitor_not_from_this_machine(settings):
    settings.CLIENT_IP_HEADER = run.profile_env()["CLIENT_IP_HEADER"]
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", **_meta(run.BASE_HEADERS))
    assert client_ip(request) == run.CLIENT_ADDRESS
    assert ipaddress.ip_address(run.CLIENT_ADDRESS).is_global and ipaddress.ip_address(run.FPX_ADDRESS).is_global
    # What the outbox rule (and with it the page cache) would have seen without the load balancer's header.
    assert request_is_local_or_staff(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1"))
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    assert not request_is_local_or_staff(request)
    assert f'"X-Forwarded-For"] = "{run.FPX_ADDRESS}"' in run.AC_SCRIPT


def test_each_person_of_the_journey_has_a_public_address_of_their_own():
    addresses = [public_address(index) for index in range(0, 300_000, 7)]
    assert len(set(addresses)) == len(addresses)
    assert all(ipaddress.ip_address(address).is_global for address in addresses[:: 997])


@pytest.fixture
def server():
    """A local HTTP server whose every answer is a 200."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # wrk drops its connections when its time is up

    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join()


def test_a_slow_page_is_asked_one_request_at_a_time_within_its_budget(server, monkeypatch):
    monkeypatch.setattr(run, "SLOW_SECONDS", 0.0)  # every answer counts as slow
    monkeypatch.setattr(run, "SLOW_BUDGET", 1.0)
    measured = run.measure_page(server, {})
    assert measured["slow"] and "c32" not in measured
    assert measured["c1"]["requests"] >= 1 and measured["c1"]["failures"] == 0


def test_a_page_that_answers_quickly_is_measured_at_32_and_4_connections(server, monkeypatch):
    monkeypatch.setattr(run, "SECONDS", 1)
    measured = run.measure_page(server, {})
    assert not measured.get("slow")
    assert measured["c32"]["requests"] > 0 and measured["c4"]["requests"] > 0

"""Issue 9 item 6: Prometheus metrics (restricted; payments and messages by status, Celery queue length), a
request id on every response and log line, carried into Celery tasks, and logs redacted of IC numbers, codes,
passwords and tokens."""

import io
import json
import logging
import os
import re

import pytest
import redis
from django.apps import apps as django_apps
from django.test import Client

from config.celery import app as celery_app
from matrix.core import logging as core_logging
from matrix.core.logging import JsonFormatter, PlainFormatter, RequestIdFilter, redact
from matrix.payments.models import Payment
from tests.factories import contribution_make, person_make, registration_make

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/12")


def _sample(text: str, name: str, label: str) -> float | None:
    match = re.search(rf'^{name}\{{[a-z]+="{re.escape(label)}"\}} (\S+)$', text, flags=re.MULTILINE)
    return float(match.group(1)) if match else None


# --- /metrics ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_refused_to_strangers(settings):
    settings.METRICS_TOKEN = "s3cr3t-metrics-token"
    settings.METRICS_ALLOWED_IPS = ["10.9.0.0/16"]
    stranger = Client(REMOTE_ADDR="203.0.113.7")
    assert stranger.get("/metrics").status_code == 403
    assert stranger.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert stranger.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cr3t-metrics-token").status_code == 200
    assert Client(REMOTE_ADDR="10.9.4.2").get("/metrics").status_code == 200


@pytest.mark.django_db
def test_metrics_count_payments_and_messages_by_status(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    contribution = contribution_make(registration=registration_make(person=person_make()))
    for number, status in enumerate([Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.FAILED]):
        Payment.objects.create(contribution=contribution, status=status, amount=contribution.amount,
                               seller_ex_order_no=f"ORDER{number}", seller_order_no=f"SO{number}",
                               seller_txn_time="20261201120000", debit_auth_code="51" if number else "")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert _sample(text, "matrix_payments", "PENDING") == 1 and _sample(text, "matrix_payments", "FAILED") == 2
    assert "django_http_requests_total_by_method_total" in text  # django-prometheus's own metrics
    assert "# TYPE matrix_messages gauge" in text


@pytest.mark.django_db
def test_metrics_without_the_message_model_still_answer(client, monkeypatch):
    real = django_apps.get_model

    def get_model(app_label, model_name=None, **kwargs):
        if (app_label, model_name) == ("notifications", "Message"):
            raise LookupError("no Message model in this release")
        return real(app_label, model_name, **kwargs)

    monkeypatch.setattr(django_apps, "get_model", get_model)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "matrix_messages{" not in response.content.decode()


@pytest.mark.django_db
def test_metrics_report_the_celery_queue_length(client, settings):
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.METRICS_CELERY_QUEUES = ["matrix-metrics-test"]
    broker = redis.Redis.from_url(BROKER_URL)
    broker.delete("matrix-metrics-test")
    try:
        broker.lpush("matrix-metrics-test", "a", "b", "c")
        text = client.get("/metrics").content.decode()
        assert _sample(text, "matrix_celery_queue_length", "matrix-metrics-test") == 3
    finally:
        broker.delete("matrix-metrics-test")


# --- request id ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_response_carries_a_request_id_and_an_incoming_one_is_kept(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert client.get("/", HTTP_X_REQUEST_ID="lb-1234.abc")["X-Request-ID"] == "lb-1234.abc"
    assert client.get("/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"] != "bad id\nwith newline"


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(client, monkeypatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(message)s %(request_id)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-test")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line["request_id"] == "req-404-test" for line in lines)


def test_the_request_id_travels_in_the_task_message_and_is_current_in_the_task():
    """Publish through a real (in-memory) broker transport: the message's headers carry the id; the worker side
    (task_prerun) makes it current, and task_postrun puts the previous one back."""
    seen = {}

    @celery_app.task(name="tests.core.request_id_probe", bind=True)
    def probe(self):
        seen["inside"] = core_logging.request_id.get()

    published = {}
    from celery import signals

    def capture(headers=None, **kwargs):
        published.update(headers or {})

    signals.before_task_publish.connect(capture, weak=False)
    token = core_logging.request_id.set("req-from-web")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write("memory://localhost/") as connection:
            probe.apply_async(connection=connection)
    finally:
        celery_app.conf.task_always_eager = eager
        core_logging.request_id.reset(token)
        signals.before_task_publish.disconnect(capture)
    assert published["request_id"] == "req-from-web"

    # The worker: the task runs with the id from its message, then the worker's own context comes back.
    probe.push_request(id="t-1", request_id=published["request_id"], headers=published)
    try:
        signals.task_prerun.send(sender=probe, task_id="t-1", task=probe, args=(), kwargs={})
        probe.run()
        signals.task_postrun.send(sender=probe, task_id="t-1", task=probe, args=(), kwargs={}, retval=None)
    finally:
        probe.pop_request()
    assert seen["inside"] == "req-from-web"
    assert core_logging.request_id.get() == "-"


# --- redaction -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "secret"), [
    ("login for 900101145678 failed", "900101145678"),
    ("IC 900101-14-5678 locked", "900101-14-5678"),
    ("Your MATRIX code is 482913", "482913"),
    ("GET /accounts/activate/?token=Zx9_abcDEF123 HTTP/1.1", "Zx9_abcDEF123"),
    ("POST body password=hunter2hunter2&next=/", "hunter2hunter2"),
    ("data {'new_password1': 'correct horse', 'id_number': '900101145678'}", "correct horse"),
    ('{"otp": "654321", "status": "sent"}', "654321"),
    ("Not Found: /accounts/activate/Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cX1234/", "Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cX1234"),
    ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
])
def test_redaction_removes_each_kind_of_secret(text, secret):
    assert secret not in redact(text)


def test_redaction_keeps_ordinary_numbers():
    text = "FPX txn 2512011234560001 for order 20251201123456ABC, receipt 20190000104627, HTTP 200 in 0.123456 s"
    assert redact(text) == text


@pytest.mark.parametrize("formatter", [PlainFormatter("%(message)s"), JsonFormatter("%(message)s")])
def test_formatters_redact_arguments_extras_and_tracebacks(formatter):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sign-up for %s", "900101145678", extra={"password": "hunter2hunter2"})
        try:
            raise ValueError("bad code 112233 for 800202-10-1234")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    for secret in ("900101145678", "112233", "800202-10-1234"):
        assert secret not in output
    if isinstance(formatter, JsonFormatter):
        assert "hunter2hunter2" not in output

"""Fixtures of the message tests: the local SMS gateway, a real SMTP server, and pointing Celery at a broker."""

import os
import socket
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller

from matrix.notifications.devgateway import DevSmsGateway

BROKER_URL = os.environ.get("MESSAGES_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
RECEIPT_SECRET = "receipt-secret-for-tests"


@pytest.fixture
def gateway(settings):
    """The local SMS gateway, and the portal's HTTP adapter pointed at it (1 s timeout, a short retry schedule)."""
    with DevSmsGateway(token="gateway-token") as stub:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = stub.url
        settings.SMS_GATEWAY_TOKEN = "gateway-token"
        settings.SMS_GATEWAY_SENDER = "PERKESO"
        settings.SMS_GATEWAY_TIMEOUT = 1
        settings.MESSAGES_RETRY_SCHEDULE = [60, 300]
        yield stub


class _Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, and Django's SMTP backend pointed at it."""
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield controller, collector
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def celery_broker(url: str):
    """Run Celery as production does for the duration: tasks published to `url` (no eager in-process run)."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def reset_pools():  # forget (without closing: kombu shares them by URL) the pools of the previous broker
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield app
    finally:
        reset_pools()
        app.conf.broker_url, app.conf.task_always_eager = saved


def closed_broker_url() -> str:
    """A Redis URL on a port where nothing listens: the broker is down."""
    return f"redis://127.0.0.1:{free_port()}/0"


class CommittingClient:
    """Wraps Django's test client so each request runs its on-commit callbacks, as a real request does."""

    def __init__(self):
        from django.test import Client

        self._client = Client()

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name not in {"get", "post"}:
            return method

        def call(*args, **kwargs):
            from django.test import TestCase

            with TestCase.captureOnCommitCallbacks(execute=True):
                return method(*args, **kwargs)

        return call

"""The `make serve` stack end to end: PostgreSQL (a database of its own), Redis (own db numbers), the local S3
server, a Celery worker and the one beat, and two gunicorn processes on two ports as two app hosts, all under
config.django.production with the pieces deploy/serve.py starts. Messages leave through a real SMTP server
(aiosmtpd) and the local HTTP SMS gateway. A person walks from sign-up to the receipt in Chromium:

- the OTP SMS and the activation email are delivered by the worker (never by the web process);
- the activation link is opened on the other host (sessions and signed links shared through Redis/PostgreSQL);
- documents uploaded through host A download through host B (object storage, not local disk);
- the payment goes through the FPX simulator, settles, and the receipt downloads from host B.

Redis and the broker: STACK_REDIS_URL (default redis://127.0.0.1:6379/9) and STACK_BROKER_URL (…/10); both
are flushed at the start."""

import email
import email.policy
import re
import sys
from pathlib import Path

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from playwright.sync_api import expect
from psycopg import sql

from deploy.serve import Stack, bucket_ensure, certificate_ensure, url_ok
from matrix.notifications.devgateway import DevSmsGateway
from tests.browser.flows import next_part
from tests.deploy.conftest import BROKER_URL, REDIS_URL, ROOT, clean_env, free_port, wait_for
from tests.registrations.helpers import pdf_bytes, png_bytes

# A whole deployment is started (migrations included) on a shared machine: a generous safety net.
pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.timeout(1200)]

GATEWAY_TOKEN = "stack-gateway-token"
PERSON = {"ic": "790811-08-7654", "ic_compact": "790811087654", "mobile": "60108877665", "email": "ahmad@example.com"}
PASSWORD = "my own long passphrase for MATRIX 2026"


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def text_to(self, address: str) -> str | None:
        for message in self.messages:
            if address in str(message["To"]):
                return message.get_body(preferencelist=("plain",)).get_content()
        return None


def _admin_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


@pytest.fixture
def stack_database():
    name = f"{settings.DATABASES['default']['NAME']}_stack"[:60]
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _admin_url().rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def mail_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def sms_gateway():
    with DevSmsGateway(token=GATEWAY_TOKEN) as gateway:
        yield gateway


@pytest.fixture
def stack(tmp_path, stack_database, mail_server, sms_gateway, request):
    """The make-serve pieces with two app hosts; yields (stack, host_a, host_b)."""
    for url in (REDIS_URL, BROKER_URL):
        redis.Redis.from_url(url).flushdb()
    keys = ROOT / "var" / "keys"
    subprocess_env = clean_env(DJANGO_SETTINGS_MODULE="config.django.test")
    Stack(subprocess_env).manage("fpx_keys")  # the development FPX keys (kept when present), as make test makes
    cert, key = certificate_ensure(tmp_path / "tls")
    s3_port, port_a, port_b = free_port(), free_port(), free_port()
    host_a, host_b = f"https://127.0.0.1:{port_a}", f"https://127.0.0.1:{port_b}"
    controller, _ = mail_server
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.django.production",
        SECRET_KEY="stack-test-8d1f2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0-not-real",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=stack_database,
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=BROKER_URL,
        PORTAL_BASE_URL=host_a,
        FPX_SIMULATOR_ENABLED="1",
        FPX_PRIVATE_KEY_PATH=str(keys / "seller_private.pem"),
        FPX_CERT_PATHS=str(keys / "fpx_simulator_cert.pem"),
        SMS_BACKEND="http",
        SMS_GATEWAY_URL=sms_gateway.url,
        SMS_GATEWAY_TOKEN=GATEWAY_TOKEN,
        SMS_GATEWAY_TIMEOUT="5",
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        EMAIL_USE_TLS="0",
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="matrix-stack-documents",
        AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="stack",
        AWS_SECRET_ACCESS_KEY="stack",
        # The app hosts serve HTTPS themselves (a self-signed certificate); host-to-host calls trust it.
        REQUESTS_CA_BUNDLE=str(cert),
        SECURE_HSTS_SECONDS="0",
        LOG_FORMAT="plain",
        # The beat sends the payment re-query every 2 s, so that the test sees the worker run it.
        FPX_REQUERY_EVERY_SECONDS="2",
    )
    stack = Stack(env, log_dir=tmp_path, python=sys.executable)
    try:
        stack.start_s3(s3_port)
        wait_for(lambda: url_ok(f"http://127.0.0.1:{s3_port}/moto-api/"), timeout=60, what="the S3 server",
                 alive=lambda: _alive(stack))
        bucket_ensure(endpoint=env["AWS_S3_ENDPOINT_URL"], bucket=env["AWS_STORAGE_BUCKET_NAME"],
                      region="us-east-1", access_key="stack", secret_key="stack")
        stack.release()
        stack.start_worker(concurrency=2)
        stack.start_beat(tmp_path / "celerybeat-schedule")
        stack.start_web(port_a, name="web-a", workers=2, certfile=cert, keyfile=key)
        stack.start_web(port_b, name="web-b", workers=2, certfile=cert, keyfile=key)
        for host in (host_a, host_b):
            wait_for(lambda host=host: url_ok(host + "/readyz", verify=str(cert)), timeout=120,
                     what=f"{host}/readyz", alive=lambda: _alive(stack))
        yield stack, host_a, host_b, cert
    finally:
        stack.stop_all()
        failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
        if failed:
            for log in sorted(tmp_path.glob("*.log")):
                print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}")


def _alive(stack: Stack) -> None:
    if stack.exited():
        pytest.fail(f"a piece of the stack exited: {stack.exited()}")


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-GB", ignore_https_errors=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def _captcha_answer(database_url: str, hashkey: str) -> str:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT response FROM captcha_captchastore WHERE hashkey = %s",
                                  [hashkey]).fetchone()[0]


def test_sign_up_to_receipt_through_two_app_hosts(stack, stack_database, browser_page, sms_gateway, mail_server):
    stack_, host_a, host_b, cert = stack
    _, mailbox = mail_server
    page = browser_page

    # Sign up on host A; the CAPTCHA is answered from its row (a person reads the picture).
    page.goto(host_a + "/accounts/signup/")
    page.get_by_label("Select ID Type").select_option("MYKAD")
    page.get_by_label("IC Number (e.g. 790811087654)").fill(PERSON["ic"])
    page.get_by_label("Full Name As In Identity Card Number").fill("AHMAD BIN ALI")
    page.get_by_label("Email (e.g. ahmad@gmail.com)").fill(PERSON["email"])
    page.get_by_label("Mobile Number (e.g. 60108877665)").fill(PERSON["mobile"])
    page.get_by_label("I have read and agree to the Terms and Conditions").check()
    hashkey = page.locator("input[name='captcha_0']").input_value()
    page.get_by_label("Type the text").fill(_captcha_answer(stack_database, hashkey))
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Sign Up - OTP Verification")).to_be_visible()

    # The OTP SMS reaches the gateway through the worker.
    sms = wait_for(lambda: next((m["text"] for m in sms_gateway.messages if m["to"] == PERSON["mobile"]), None),
                   timeout=60, what="the OTP SMS at the gateway", alive=lambda: _alive(stack_))
    code = re.search(r"\b(\d{6})\b", sms).group(1)
    page.get_by_label("OTP Number").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign Up Successful")).to_be_visible()

    # The activation email arrives at the SMTP server; its link opens on host B.
    text = wait_for(lambda: mailbox.text_to(PERSON["email"]), timeout=60, what="the activation email",
                    alive=lambda: _alive(stack_))
    link = re.search(r"https://\S+/accounts/activate/[\w-]+/", text).group(0)
    assert link.startswith(host_a)
    page.goto(host_b + link[len(host_a):])
    expect(page.get_by_role("heading", name="Account Activation")).to_be_visible()
    page.get_by_label("Secret Phrase").fill("Teh tarik after sunset")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password Confirm").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Success! You have joined the MATRIX.")).to_be_visible()

    # Log in on host A.
    page.goto(host_a + "/accounts/login/")
    page.get_by_label("IC Number", exact=True).fill(PERSON["ic"])
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log In", exact=True).click()
    expect(page.get_by_text("Last Login Successful on")).to_be_visible()

    # Register a sector on host A, with the documents uploaded there.
    page.goto(host_a + "/self-employed/")
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Sector").select_option(label="INFORMATION TECHNOLOGY")
    page.get_by_role("button", name="Submit").click()
    page.get_by_label("Status Self-Employed Person").select_option(label="Others")
    page.get_by_label("Nationality").select_option(label="Malaysian")
    page.get_by_label("Race").select_option(label="Malay")
    next_part(page)  # on a phone the form shows one part at a time
    page.get_by_label("Address Line 1").fill("No. 61 1st Floor")
    page.get_by_label("State").select_option(label="Kelantan")
    page.get_by_label("City").select_option(label="Kuala Krai")
    page.get_by_label("Post Code").fill("18000")
    page.get_by_label("House Phone Number").fill("03-9765 4321")
    page.get_by_label("Preferred PERKESO Branch For Services").select_option(label="Pejabat PERKESO Kota Bharu")
    next_part(page)
    page.get_by_label("Class").select_option(label="Mobile Application")
    card = png_bytes()
    page.locator("#id_identification_card").set_input_files(
        files=[{"name": "mykad.png", "mimeType": "image/png", "buffer": card}])
    page.locator("#id_sector_document").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    next_part(page)
    page.get_by_label("RM 232.80 ANNUALLY").check()
    page.get_by_label("Contribution Months").select_option("4")
    next_part(page)
    page.get_by_label("I hereby certify to the best of my knowledge and belief").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit & Pay").click()
    expect(page.get_by_role("heading", name="PAY NOW")).to_be_visible()
    contribution_id = int(re.search(r"/contribution/(\d+)/pay/", page.url).group(1))

    # Pay through the FPX simulator (served by host A, as the AR goes to PORTAL_BASE_URL).
    page.get_by_label("I acknowledge that I have read and agree to the above Terms and Conditions").check()
    page.get_by_role("button", name="Pay with FPX").click()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.get_by_role("button", name="Pay with FPX").click()
    expect(page.get_by_role("heading", name="Affin Bank (FPX simulator)")).to_be_visible()
    page.get_by_label("Username").fill("siti90")
    page.get_by_label("Password").fill("anything goes")
    page.get_by_role("button", name="Log In").click()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("heading", name="PAYMENT DETAILS")).to_be_visible()
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    payment_path = re.search(r"(/payments/\d+/)", page.url).group(1)

    # Host B: the receipt and the document uploaded through host A.
    receipt = page.context.request.get(host_b + payment_path + "receipt.pdf")
    assert receipt.status == 200 and receipt.body().startswith(b"%PDF")
    page.goto(host_b + f"/self-employed/contributions/{contribution_id}/")
    link = page.get_by_role("link", name="mykad.png")
    document = page.context.request.get(host_b + link.get_attribute("href"))
    assert document.status == 200 and document.body() == card

    # The receipt email went out through the worker as well; the beat drives the periodic re-query.
    wait_for(lambda: sum(PERSON["email"] in str(m["To"]) for m in mailbox.messages) >= 2, timeout=60,
             what="the receipt email")
    wait_for(lambda: "payments_requery_pending" in (Path(stack_.log_dir) / "worker.log").read_text(errors="replace")
             and "Sending due task payments-requery-pending" in (Path(stack_.log_dir) / "beat.log").read_text(
                 errors="replace"), timeout=60, what="the beat's re-query to reach the worker")
    # Every SMS and email left from the worker (the message task ran there), none from a web process.
    worker_log = (Path(stack_.log_dir) / "worker.log").read_text(errors="replace")
    assert worker_log.count("matrix.notifications.tasks.message_send") >= 3
    web_logs = "".join((Path(stack_.log_dir) / f"web-{h}.log").read_text(errors="replace") for h in "ab")
    assert "Traceback" not in web_logs and "message_send" not in web_logs, web_logs[-3000:]
    assert url_ok(host_b + "/healthz", verify=str(cert)) and url_ok(host_a + "/readyz", verify=str(cert))

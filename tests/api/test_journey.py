"""The whole journey through the API alone, over HTTP against the live server: sign-up with the CAPTCHA, OTP,
activation, login in two steps, reference data, registration with documents, payment through the FPX simulator
(the application's browser posts the signed form), payment status, receipt, a renewal quote, the renewal and its
payment, the covers and the message history."""

import re
import uuid

import pytest

from matrix.contributions.models import Contribution
from matrix.fpx_simulator import services as simulator
from matrix.notifications.models import OutboxMessage
from tests.api.http import App, outbox_code, pay_in_browser
from tests.browser.conftest import portal_server  # noqa: F401 - the fixture
from tests.concurrency import wait_until
from tests.registrations.helpers import jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

IC = "900101145671"
MOBILE = "601113388378"
EMAIL = "testing@tester.example"
PASSWORD = "a long passphrase for matrix"


@pytest.fixture
def app(portal_server, settings):  # noqa: F811 - the imported fixture
    settings.PORTAL_BASE_URL = portal_server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    simulator.simulator_reset()
    app = App(portal_server)
    yield app
    app.http.close()  # no keep-alive connection outlives the live server
    assert simulator.direct_ac_deliveries_join(timeout=30)


def key() -> str:
    return str(uuid.uuid4())


def latest(channel: str, to: str) -> str:
    message = OutboxMessage.objects.filter(channel=channel, to=to).order_by("-pk").first()
    assert message is not None, f"no {channel} to {to}"
    return message.body


def sign_up_and_log_in(app: App) -> dict:
    captcha = app.get("/auth/captcha").json()
    assert captcha["image_url"].startswith("/captcha/image/")
    signup = app.post("/auth/signup", {
        "id_type": "MYKAD", "id_number": "900101-14-5671", "full_name": "TESTING BIN TESTER", "email": EMAIL,
        "mobile": "011-1338 8378", "terms_accepted": True, "captcha_key": captcha["key"], "captcha_value": "PASSED",
    }, key=key())
    assert signup.status_code == 201, signup.text
    token = signup.json()["signup_token"]

    wrong = app.post("/auth/signup/otp", {"signup_token": token, "code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["fields"]["code"]
    verified = app.post("/auth/signup/otp", {"signup_token": token, "code": outbox_code(latest("SMS", MOBILE))},
                        key=key())
    assert verified.status_code == 200, verified.text

    link = re.search(r"/accounts/activate/([\w-]+)/", latest("EMAIL", EMAIL)).group(1)
    activated = app.post("/auth/activation", {"token": link, "secret_phrase": "Nasi lemak on Sunday",
                                              "password": PASSWORD, "password_confirm": PASSWORD}, key=key())
    assert activated.status_code == 200, activated.text

    step1 = app.post("/auth/login/ic", {"id_number": IC})
    assert step1.json()["secret_phrase"] == "Nasi lemak on Sunday"
    step2 = app.post("/auth/login/password", {"login_token": step1.json()["login_token"], "password": PASSWORD},
                     key=key())
    assert step2.status_code == 200, step2.text
    tokens = step2.json()
    app.access_token = tokens["access_token"]
    return tokens


def register(app: App) -> dict:
    sectors = {s["code"]: s for s in app.get("/reference/sectors").json()}
    sector = sectors["information-technology"]
    assert sector["registered"] is False and sector["open"]
    assert [d["field"] for d in sector["documents"]] == ["identification_card", "sector_document", "other_document"]
    plans = {p["number"]: p for p in app.get("/reference/plans").json()}
    assert plans[2]["annual_contribution"] == "232.80" and plans[2]["monthly_contribution"] == "19.40"
    state = next(s for s in app.get("/reference/states").json() if s["code"] == "KTN")
    city = next(c for c in app.get("/reference/cities", state="KTN").json() if c["name"] == "Kuala Krai")
    branch = next(b for b in app.get("/reference/branches").json() if b["name"] == "Pejabat PERKESO Kota Bharu")
    choices = app.get("/reference/particular-choices").json()
    banks = {b["code"]: b for b in app.get("/reference/banks").json()}
    assert banks["ABB0233"]["available"] is True and banks["HSBC0223"]["available"] is False

    data = {
        "sector": "information-technology",
        "sector_class": next(c["id"] for c in sector["classes"] if c["name"] == "Mobile Application"),
        "status": choices["statuses"][0]["id"], "nationality": choices["nationalities"][0]["id"],
        "race": choices["races"][0]["id"], "address_line_1": "No. 61 1st Floor", "state": state["id"],
        "city": city["id"], "postcode": "18000", "house_phone": "03-9765 4321", "mobile": MOBILE, "email": EMAIL,
        "branch": branch["id"], "plan": plans[2]["id"], "months": 4, "acknowledged": "true",
    }
    files = {
        "identification_card": ("mykad.png", png_bytes(), "image/png"),
        "sector_document": ("certificate.pdf", pdf_bytes(), "application/pdf"),
        "other_document": ("ssm.jpg", jpeg_bytes(), "image/jpeg"),
    }
    check = app.post("/registrations/check", data=data, files=files)
    assert check.status_code == 200, check.text
    assert check.json()["amount_due"] == "77.60"
    created = app.post("/registrations", data=data, files=files, key=key())
    assert created.status_code == 201, created.text
    return created.json()


def pay(app: App, contribution: dict) -> dict:
    start = app.post(f"/contributions/{contribution['id']}/payments",
                     {"bank_code": "ABB0233", "terms_accepted": True}, key=key())
    assert start.status_code == 201, start.text
    form = start.json()
    assert form["fields"]["fpx_msgType"] == "AR" and form["fields"]["fpx_checkSum"]
    landed = pay_in_browser(form)
    assert landed.status_code == 200 and f"/payments/{form['payment_id']}/" in landed.url
    assert simulator.direct_ac_deliveries_join(timeout=30)
    payment = wait_until(lambda: (p := app.get(f"/payments/{form['payment_id']}").json())["status"] == "PAID" and p)
    return payment


def test_sign_up_to_receipt_and_renewal_over_http(app):
    tokens = sign_up_and_log_in(app)
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    profile = app.get("/me").json()
    assert profile["id_number"] == IC and profile["particulars"] is None

    first = register(app)
    assert first["status"] == "SUBMITTED" and first["amount"] == "77.60" and first["can_pay"]
    detail = app.get(f"/contributions/{first['id']}").json()
    kinds = sorted(d["kind"] for d in detail["documents"])
    assert kinds == ["IDENTIFICATION_CARD", "OTHER", "PROFESSIONAL_CERTIFICATE"]
    document = app.get(f"/documents/{detail['documents'][0]['id']}")
    assert document.status_code == 200 and document.content

    payment = pay(app, first)
    assert payment["receipt_no"] and payment["amount"] == "77.60"
    receipt = app.get(f"/payments/{payment['id']}/receipt")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    paid = app.get(f"/contributions/{first['id']}").json()
    assert paid["status"] == "ACTIVE" and paid["start_at"] and paid["end_at"]

    covers = app.get("/covers").json()
    assert [(c["sector_code"], c["state"]) for c in covers] == [("information-technology", "active")]

    registration_id = first["registration_id"]
    quote = app.get(f"/registrations/{registration_id}/renewal-quote", months=3).json()
    assert quote["plan_locked"] is True and [p["number"] for p in quote["plans"]] == [2]
    assert quote["amount"] == "58.20" and quote["period"]["start"].endswith("T00:00:00+08:00")
    renewal = app.post(f"/registrations/{registration_id}/renewals", {"plan_id": quote["plan_id"], "months": 3},
                       key=key())
    assert renewal.status_code == 201, renewal.text
    renewal_payment = pay(app, renewal.json())
    assert renewal_payment["receipt_no"] != payment["receipt_no"]
    renewed = app.get(f"/contributions/{renewal.json()['id']}").json()
    assert renewed["status"] == "RENEWED" and renewed["start_at"] == quote["period"]["start"]

    history = app.get("/contributions").json()
    assert history["count"] == 2 and [r["kind"] for r in history["results"]] == ["RENEWAL", "REGISTRATION"]
    assert Contribution.objects.filter(state=Contribution.State.PAID).count() == 2
    messages = app.get("/me/messages").json()
    assert {m["channel"] for m in messages} >= {"SMS", "EMAIL"}

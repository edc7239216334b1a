from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from matrix.accounts.errors import OtpLimited, OtpRefused
from matrix.accounts.models import OneTimeCode, OtpPurpose
from matrix.accounts.services import otp_issue, otp_verify
from matrix.notifications.models import OutboxMessage
from tests.accounts.helpers import outbox_code, signup_data
from tests.factories import user_make

REFUSED = ("The code is not correct, has expired or has been used. Please check the SMS, or ask for a new code. After "
           "5 wrong tries a code stops working.")

pytestmark = pytest.mark.django_db

NUMBER = "60108877665"
SIGNUP = OtpPurpose.SIGNUP


@pytest.fixture
def pending(db):
    return user_make(is_active=False, activated_at=None, mobile=NUMBER)


@pytest.fixture
def issue(committed):
    def _issue(user, purpose=SIGNUP, sent_to=NUMBER):
        with committed():
            otp_issue(user=user, purpose=purpose, sent_to=sent_to)
        return outbox_code(sent_to)

    return _issue


def test_code_is_six_digits_hashed_and_expires_in_ten_minutes(pending, issue):
    code = issue(pending)
    row = OneTimeCode.objects.get()
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert "expires in 10 minutes" in OutboxMessage.objects.get().body


def test_right_code_is_accepted_once(pending, issue):
    code = issue(pending)
    otp_verify(user=pending, purpose=SIGNUP, code=code)
    with pytest.raises(OtpRefused, match="already been used"):
        otp_verify(user=pending, purpose=SIGNUP, code=code)


def test_wrong_code_is_refused_and_counted(pending, issue):
    code = issue(pending)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(OtpRefused, match="not correct. You have 4 tries left"):
        otp_verify(user=pending, purpose=SIGNUP, code=wrong)
    assert OneTimeCode.objects.get().attempts == 1


def test_expired_code_is_refused(pending, issue):
    code = issue(pending)
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        with pytest.raises(OtpRefused, match="expired"):
            otp_verify(user=pending, purpose=SIGNUP, code=code)


def test_code_of_another_purpose_is_refused(pending, issue):
    code = issue(pending)
    with pytest.raises(OtpRefused, match="No code"):
        otp_verify(user=pending, purpose=OtpPurpose.CHANGE_MOBILE, code=code)


def test_five_wrong_tries_stop_the_code_and_new_codes_for_a_while(pending, issue):
    code = issue(pending)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(OtpRefused, match="(tries|try) left"):
            otp_verify(user=pending, purpose=SIGNUP, code=wrong)
    with pytest.raises(OtpRefused, match="no tries left"):
        otp_verify(user=pending, purpose=SIGNUP, code=wrong)
    # Even the right code no longer works.
    with pytest.raises(OtpRefused, match="Too many wrong codes"):
        otp_verify(user=pending, purpose=SIGNUP, code=code)
    assert OneTimeCode.objects.get().attempts == 5
    # No new code until the lock has passed (15 minutes), then one can be sent.
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        with pytest.raises(OtpLimited, match="Too many wrong codes. Please wait 10 minutes"):
            otp_issue(user=pending, purpose=SIGNUP, sent_to=NUMBER)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        new_code = issue(pending)
        otp_verify(user=pending, purpose=SIGNUP, code=new_code)


def test_resend_cooldown(pending, issue):
    first = issue(pending)
    with pytest.raises(OtpLimited, match="Please wait 60 seconds") as refusal:
        otp_issue(user=pending, purpose=SIGNUP, sent_to=NUMBER)
    assert refusal.value.retry_after == 60
    assert OneTimeCode.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        second = issue(pending)
        # The new code replaces the old one.
        if second != first:
            with pytest.raises(OtpRefused, match="not correct"):
                otp_verify(user=pending, purpose=SIGNUP, code=first)
        otp_verify(user=pending, purpose=SIGNUP, code=second)
    assert OneTimeCode.objects.filter(closed_at__isnull=True).count() == 0


def test_per_account_limit(pending, issue, settings):
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    settings.ACCOUNTS_OTP_PER_NUMBER_PER_HOUR = 100
    for n in range(5):
        issue(pending, sent_to=f"6012300000{n}")
    with pytest.raises(OtpLimited, match="for this account"):
        otp_issue(user=pending, purpose=SIGNUP, sent_to="60123000009")
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        issue(pending)


def test_per_number_limit_across_accounts(issue, settings):
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    for _ in range(5):
        issue(user_make(is_active=False, activated_at=None))
    with pytest.raises(OtpLimited, match="to this mobile number"):
        otp_issue(user=user_make(is_active=False, activated_at=None), purpose=SIGNUP, sent_to=NUMBER)
    assert OutboxMessage.objects.filter(to=NUMBER).count() == 5


def test_sign_up_page_wrong_expired_reused_and_resend(client):
    client.post("/accounts/signup/", signup_data())
    code = outbox_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page = client.post("/accounts/signup/verify/", {"code": wrong}).content.decode()
    # One message for every refusal (wrong, expired, used): the same as for an IC whose sign-up sent no code.
    assert "There is a problem" in page and REFUSED in page
    page = client.post("/accounts/signup/verify/", {"code": "12ab"}).content.decode()
    assert "Enter the 6 digits of the code." in page
    # Resend within the cooldown is refused with a clear message.
    page = client.post("/accounts/signup/resend/", follow=True).content.decode()
    assert "Please wait" in page
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = client.post("/accounts/signup/verify/", {"code": code}).content.decode()
        assert REFUSED in page
        page = client.post("/accounts/signup/resend/", follow=True).content.decode()
        assert "A new code has been sent to 010***7665." in page
        new_code = outbox_code()
        assert client.post("/accounts/signup/verify/", {"code": new_code}).status_code == 302


def test_reused_code_on_sign_up_page(client, settings):
    client.post("/accounts/signup/", signup_data())
    code = outbox_code()
    client.post("/accounts/signup/verify/", {"code": code})
    # The session has moved on; a second sign-up round from the same browser cannot reuse the code.
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    pending = OneTimeCode.objects.get().user
    with pytest.raises(OtpRefused, match="already been used"):
        otp_verify(user=pending, purpose=SIGNUP, code=code)

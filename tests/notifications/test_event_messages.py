"""Event messages through the real services (issue 11): payment approved (SMS, and the email with the receipt PDF),
payment failed (SMS and email with the bank's reason in plain words and how to pay again), payment approved late
after a failure, registration rejected, refund approved and paid, and the account messages; each in the person's
language and once per event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matrix.accounts.services import account_signup_start
from matrix.backoffice.models import RejectReason
from matrix.backoffice.services.refunds import refund_approve, refund_mark_paid
from matrix.backoffice.services.review import registration_reject
from matrix.notifications import events
from matrix.notifications.events import preference_get
from matrix.notifications.models import Message, MessagePreference, OutboxMessage
from matrix.notifications.selectors import message_history
from matrix.payments.models import Payment, Refund
from matrix.payments.services import payment_settle
from tests.backoffice.conftest import make_staff
from tests.factories import contribution_make, next_ic_number, registration_make
from tests.payments.conftest import _fpx_settings, fpx_keys  # noqa: F401 - the FPX keys of the payments tests
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def fpx_signing(fpx_keys):  # noqa: F811 - the imported fixture
    return fpx_keys[0].key


def settle(payment, key, code="00", *, now=None, **overrides):
    fields = ac_fields(payment, key=key, code=code, **overrides)
    return payment_settle(fields=fields, raw_body=body(fields), channel="AC_DIRECT", now=now)


def speaking(language: str, payment=None, registration=None):
    registration = registration or payment.contribution.registration
    MessagePreference.objects.create(user=registration.person.user, language=language)
    return payment or registration


def outbox(channel: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=channel).order_by("pk"))


def test_payment_approved_is_an_sms_and_an_email_with_the_receipt_in_the_persons_language(
        fpx_signing, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    original = events.email_send
    monkeypatch.setattr(events, "email_send", lambda **kw: (sent.append(kw), original(**kw))[1])
    payment = speaking("ms", pending_payment_make())
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(payment, fpx_signing).outcome == "paid"
    payment.refresh_from_db()
    [sms] = outbox("SMS")
    assert sms.body.startswith(f"PERKESO: Bayaran RM 77.60 diluluskan, resit {payment.receipt_no}.")
    assert "Perlindungan Teknologi Maklumat hingga" in sms.body
    [email] = outbox("EMAIL")  # in Malay only, with the receipt PDF attached
    assert email.subject == f"MATRIX PERKESO: bayaran RM 77.60 anda diluluskan, Resit {payment.receipt_no}"
    assert "Terima kasih. Bayaran RM 77.60 anda bagi sektor Teknologi Maklumat telah diluluskan." in email.body
    assert "Resit anda dilampirkan." in email.body and "Thank you" not in email.body
    [(name, content, mime)] = sent[0]["attachments"]
    assert name == f"receipt-{payment.receipt_no}.pdf" and content.startswith(b"%PDF") and mime == "application/pdf"
    user_id = payment.contribution.registration.person.user_id
    messages = Message.objects.filter(kind="payment_approved").order_by("channel")
    assert [(m.channel, m.language, m.user_id) for m in messages] == [("EMAIL", "ms", user_id), ("SMS", "ms", user_id)]
    # The person's message history shows both.
    assert [row.channel for row in message_history(user=user_id)] == ["SMS", "EMAIL"]


def test_payment_failed_gives_the_reason_in_plain_words_and_how_to_pay_again(
        fpx_signing, django_capture_on_commit_callbacks, settings):
    settings.PORTAL_BASE_URL = "https://matrix.perkeso.gov.my"
    payment = pending_payment_make()  # no choice made: English, the language of the account's first message
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(payment, fpx_signing, code="51").outcome.startswith("failed")
    [sms] = outbox("SMS")
    assert sms.body == ("PERKESO: Payment of RM 77.60 failed: not enough money in the account. Please pay again: "
                        "https://matrix.perkeso.gov.my/self-employed/contributions/")
    [email] = outbox("EMAIL")
    assert email.subject == "MATRIX PERKESO: your payment of RM 77.60 was not successful"
    assert "not enough money in the account (bank code 51)" in email.body
    assert f"/self-employed/contributions/{payment.contribution_id}/" in email.body
    assert "Please proceed to make another payment" in email.body
    # The same answer again (FPX repeats its direct AC) tells nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        settle(payment, fpx_signing, code="51")
    assert Message.objects.filter(kind="payment_failed").count() == 2


def test_payment_failed_in_malay(fpx_signing, django_capture_on_commit_callbacks):
    payment = speaking("ms", pending_payment_make())
    with django_capture_on_commit_callbacks(execute=True):
        settle(payment, fpx_signing, code="BC")
    [sms] = outbox("SMS")
    assert sms.body.startswith("PERKESO: Bayaran RM 77.60 gagal: bayaran dibatalkan di bank. Sila bayar semula:")
    [email] = outbox("EMAIL")
    assert "tidak berjaya" in email.subject and "kod bank BC" in email.body


def test_a_late_approval_after_a_failure_says_so(fpx_signing, django_capture_on_commit_callbacks):
    now = timezone.now().replace(microsecond=0)
    payment = pending_payment_make()
    Payment.objects.filter(pk=payment.pk).update(created_at=now - timedelta(hours=3))
    payment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # an enquiry answered 76 after the AR expired
        settle(payment, fpx_signing, code="76", now=now - timedelta(hours=2), fpxTxnId="")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = settle(payment, fpx_signing, now=now).outcome
    assert outcome == "late approval of a failed attempt: paid"
    payment.refresh_from_db()
    kinds = list(Message.objects.order_by("pk").values_list("kind", "channel"))
    assert kinds == [("payment_failed", "SMS"), ("payment_failed", "EMAIL"), ("payment_approved_late", "EMAIL"),
                     ("payment_approved_late", "SMS")]  # the late email (with the receipt) replaces "approved"
    assert not Message.objects.filter(kind="payment_approved").exists()
    email = outbox("EMAIL")[-1]
    assert email.subject == (f"MATRIX PERKESO: your bank approved your payment of RM 77.60 after all, Receipt "
                             f"{payment.receipt_no}")
    assert "although we had told you it was not successful" in email.body and "Your receipt is attached." in email.body
    late = outbox("SMS")[-1].body
    assert late == (f"PERKESO: Your bank approved the payment of RM 77.60 we reported as failed. "
                    f"Receipt {payment.receipt_no}.")


def test_registration_rejected_with_the_reason_in_the_persons_language(django_capture_on_commit_callbacks):
    supervisor = make_staff("supervisor1", "SUPERVISOR")
    registration = speaking("ms", registration=registration_make())
    contribution_make(registration=registration)
    with django_capture_on_commit_callbacks(execute=True):
        registration_reject(registration_id=registration.pk, reason=RejectReason.OTHER,
                            note="Lesen perniagaan telah tamat tempoh.", staff_user=supervisor.user)
    [sms] = outbox("SMS")
    assert sms.body.startswith("PERKESO: Pendaftaran Teknologi Maklumat anda ditolak:")
    [email] = outbox("EMAIL")
    assert email.subject == "MATRIX PERKESO: pendaftaran Teknologi Maklumat anda ditolak"
    assert "Lesen perniagaan telah tamat tempoh." in email.body and "Sebab:" in email.body
    assert set(Message.objects.values_list("kind", "language")) == {("registration_rejected", "ms")}


def test_refund_approved_then_paid(django_capture_on_commit_callbacks):
    from matrix.payments.services.counter import payment_counter_record
    from matrix.payments.services.settle import payment_approve
    from matrix.reference.models import Branch

    supervisor = make_staff("supervisor1", "SUPERVISOR")
    contribution = contribution_make()
    first = payment_counter_record(contribution_id=contribution.pk, amount=contribution.amount,
                                   counter_method="CASH", branch=Branch.objects.first(), reference="1",
                                   recorded_by=None).payment
    first.pk, first.receipt_no = None, None
    first.seller_order_no = first.seller_ex_order_no = "CTRSECOND"
    payment_approve(first, paid_at=timezone.now(), now=timezone.now())  # the contribution cannot take it
    refund = Refund.objects.get(payment=first)
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, staff_user=supervisor.user)
    with django_capture_on_commit_callbacks(execute=True):
        refund_mark_paid(refund_id=refund.pk, bank_reference="MBB-778899", paid_on=timezone.localdate(),
                         staff_user=supervisor.user)
    approved = Message.objects.filter(kind="refund_approved")
    paid = Message.objects.filter(kind="refund_paid")
    assert sorted(approved.values_list("channel", flat=True)) == ["EMAIL", "SMS"]
    assert sorted(paid.values_list("channel", flat=True)) == ["EMAIL", "SMS"]
    sms = [o.body for o in outbox("SMS") if "refund" in o.body]
    assert sms[0] == f"PERKESO: Your refund of RM 77.60 (receipt {first.receipt_no}) is approved. It will be paid to " \
                     "your bank account."
    assert "(bank reference MBB-778899)" in sms[1] and timezone.localdate().strftime("%d-%m-%Y") in sms[1]


def test_account_messages_carry_their_kind_and_owner_and_set_the_default_language():
    from django.utils import translation

    with translation.override("ms"):
        user = account_signup_start(id_type="MYKAD", id_number=next_ic_number(), full_name="ALI BIN ABU",
                                    email="ali@example.com", mobile="60123456780")
    message = Message.objects.get(user=user)
    assert (message.kind, message.channel, message.language) == ("one_time_code", "SMS", "ms")
    assert message.event_key.startswith("one-time-code-")
    assert preference_get(user=user).language == "ms"  # the language they signed up in
    MessagePreference.objects.create(user=user, language="en")
    assert preference_get(user=user).language == "en"

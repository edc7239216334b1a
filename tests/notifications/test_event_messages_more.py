"""Payment messages the first round left out (issue 11): the "payment approved" email is an event message in the
person's language with the receipt PDF attached and shows in their history; "approved after a failure" has its
email too, instead of the plain one (one email per approval in all); "payment failed" is also told when an attempt
is closed outside settlement (a new start closes an attempt FPX never answered; a Supervisor closes one that needed
attention), once per attempt, in the person's language, and not at all when the action rolls back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matrix.backoffice.services.attention import attention_close_failed
from matrix.notifications import events
from matrix.notifications.events import LANGUAGES, texts_render
from matrix.notifications.models import Message, MessagePreference, OutboxMessage
from matrix.notifications.selectors import message_history
from matrix.notifications.senders import CLOSED_REASONS, payment_closed_tell
from matrix.payments.fpx.exceptions import UnableToTakePayment
from matrix.payments.models import Payment
from matrix.payments.receipts import receipt_email_send
from matrix.payments.services import payment_settle, payment_start
from matrix.payments.services.settle import mark_needs_attention
from tests.backoffice.conftest import make_staff
from tests.notifications.test_texts import _context, gsm7_septets
from tests.payments.conftest import _fpx_settings, fpx_keys  # noqa: F401 - the FPX keys of the payments tests
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import aged, contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def fpx_signing(fpx_keys):  # noqa: F811 - the imported fixture
    return fpx_keys[0].key


@pytest.fixture
def attachments(monkeypatch):
    """The attachments of every email queued through the event messages."""
    sent = []
    original = events.email_send
    monkeypatch.setattr(events, "email_send", lambda **kw: (sent.append(list(kw["attachments"])), original(**kw))[1])
    return sent


def settle(payment, key, code="00", *, now=None, **overrides):
    fields = ac_fields(payment, key=key, code=code, **overrides)
    return payment_settle(fields=fields, raw_body=body(fields), channel="AC_DIRECT", now=now)


def speaking(language: str, contribution):
    MessagePreference.objects.create(user=contribution.registration.person.user, language=language)
    return contribution


def emails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="EMAIL").order_by("pk"))


def sms() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="SMS").order_by("pk"))


def kinds() -> list[tuple[str, str]]:
    return list(Message.objects.order_by("pk").values_list("kind", "channel"))


# --- 1. "payment approved": one email, the person's language, the receipt attached, in the history ---------------


def test_the_approved_email_is_in_english_only_for_an_english_speaker(fpx_signing, attachments,
                                                                       django_capture_on_commit_callbacks):
    payment = pending_payment_make(contribution=speaking("en", contribution_for()))
    with django_capture_on_commit_callbacks(execute=True):
        settle(payment, fpx_signing)
    payment.refresh_from_db()
    [email] = emails()
    assert email.subject == f"MATRIX PERKESO: your payment of RM 77.60 is approved, Receipt {payment.receipt_no}"
    assert "Thank you. Your payment of RM 77.60 for the sector INFORMATION TECHNOLOGY is approved." in email.body
    assert "Your cover runs until" in email.body and "/self-employed/contributions/" in email.body
    assert "Terima kasih" not in email.body and "Resit" not in email.body  # no Malay beside it any more
    [[(name, content, _mime)]] = attachments
    assert name == f"receipt-{payment.receipt_no}.pdf" and content.startswith(b"%PDF")
    history = message_history(user=payment.contribution.registration.person.user)
    assert sorted((row.kind, row.channel, row.language) for row in history) == [
        ("payment_approved", "EMAIL", "en"), ("payment_approved", "SMS", "en")]


def test_the_receipt_email_is_sent_once_however_often_it_is_asked_for(fpx_signing,
                                                                      django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        settle(payment, fpx_signing)
    with django_capture_on_commit_callbacks(execute=True):  # a repeated callback (e.g. a retried worker)
        receipt_email_send(payment_id=payment.pk)
        receipt_email_send(payment_id=payment.pk)
    assert len(emails()) == 1 and kinds().count(("payment_approved", "EMAIL")) == 1


def test_an_approval_the_contribution_cannot_take_is_told_as_a_refund_in_malay(fpx_signing, attachments,
                                                                              django_capture_on_commit_callbacks):
    contribution = speaking("ms", contribution_for())
    first = pending_payment_make(contribution=contribution)
    with django_capture_on_commit_callbacks(execute=True):
        settle(first, fpx_signing, fpxTxnId="2512271635080011")
    # A second attempt of the same (now paid) contribution, approved too: FPX took the money, it goes back.
    second = Payment.objects.create(
        contribution=contribution, amount=first.amount, seller_ex_order_no="EXSECOND1", seller_order_no="ORDSECOND1",
        seller_txn_time=first.seller_txn_time, bank=first.bank, created_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(second, fpx_signing, fpxTxnId="2512271635080012").outcome.startswith("paid, refund due")
    second.refresh_from_db()
    refund_email = emails()[-1]
    assert refund_email.subject == f"MATRIX PERKESO: bayaran RM 77.60 anda akan dikembalikan, Resit {second.receipt_no}"
    assert "tetapi ia akan dikembalikan kepada anda: caruman ini telah pun dibayar oleh bayaran lain." in \
           refund_email.body
    assert "Ia tidak memberi perlindungan." in refund_email.body and "hingga" not in refund_email.body
    assert attachments[-1][0][0] == f"receipt-{second.receipt_no}.pdf"  # its receipt carries the refund note
    assert len(emails()) == 2 and Message.objects.filter(kind="payment_approved", channel="EMAIL").count() == 2


# --- 2. "approved after a failure": its own email, with the receipt, instead of the plain one -------------------


def test_a_late_approval_sends_one_email_the_late_one_with_the_receipt_in_malay(fpx_signing, attachments,
                                                                                django_capture_on_commit_callbacks):
    now = timezone.now().replace(microsecond=0)
    payment = aged(pending_payment_make(contribution=speaking("ms", contribution_for())), 3 * 3600)
    with django_capture_on_commit_callbacks(execute=True):  # an enquiry answered 76 after the AR expired: Failed
        settle(payment, fpx_signing, code="76", now=now - timedelta(hours=2), fpxTxnId="")
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(payment, fpx_signing, now=now).outcome == "late approval of a failed attempt: paid"
    with django_capture_on_commit_callbacks(execute=True):  # FPX repeats its approval on the other channels
        settle(payment, fpx_signing, now=now)
    payment.refresh_from_db()
    assert kinds() == [("payment_failed", "SMS"), ("payment_failed", "EMAIL"), ("payment_approved_late", "EMAIL"),
                       ("payment_approved_late", "SMS")]
    late = emails()[-1]
    assert late.subject == f"MATRIX PERKESO: bank anda telah meluluskan bayaran RM 77.60, Resit {payment.receipt_no}"
    assert "walaupun kami telah memaklumkan bahawa ia tidak berjaya" in late.body
    assert "Ia menjelaskan caruman anda: perlindungan anda berterusan hingga" in late.body
    assert attachments[0] == [] and attachments[1][0][0] == f"receipt-{payment.receipt_no}.pdf"


# --- 3. "payment failed" when an attempt is closed outside settlement --------------------------------------------


def _stale(contribution, settings):
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    return aged(pending_payment_make(contribution=contribution), 1801)


def test_a_new_start_that_closes_an_unanswered_attempt_tells_payment_failed_once(
        settings, django_capture_on_commit_callbacks):
    contribution = speaking("ms", contribution_for())
    user = contribution.registration.person.user
    stale = _stale(contribution, settings)
    with django_capture_on_commit_callbacks(execute=True):
        new = payment_start(contribution=contribution, user=user, bank_code="ABB0233").payment
    stale.refresh_from_db()
    assert stale.status == Payment.Status.FAILED and new.status == Payment.Status.PENDING
    [text] = sms()
    assert text.body.startswith("PERKESO: Bayaran RM 77.60 gagal: bank tidak menjawab dalam masa. Sila bayar semula:")
    [email] = emails()
    assert email.subject == "MATRIX PERKESO: bayaran RM 77.60 anda tidak berjaya"
    assert "tidak berjaya: bank tidak menjawab dalam masa." in email.body and "kod bank" not in email.body
    assert "Jika bank anda telah mengambil wang itu juga" in email.body
    assert set(Message.objects.values_list("kind", "language", "user_id", "event_key")) == {
        ("payment_failed", "ms", user.pk, f"payment_failed-{stale.pk}-sms"),
        ("payment_failed", "ms", user.pk, f"payment_failed-{stale.pk}-email")}
    # The next start hands out the new attempt's AR again; the closed attempt is not told twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_start(contribution=contribution, user=user, bank_code="ABB0233").repeated
        payment_closed_tell(payment_id=stale.pk, why="unanswered")
    assert Message.objects.count() == 2


def test_a_start_refused_after_closing_rolls_the_close_back_and_tells_nothing(
        settings, django_capture_on_commit_callbacks):
    contribution = contribution_for()
    stale = _stale(contribution, settings)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(UnableToTakePayment):
        payment_start(contribution=contribution, user=contribution.registration.person.user, bank_code="")
    stale.refresh_from_db()
    assert stale.status == Payment.Status.PENDING and not Message.objects.exists()


def test_a_closed_unanswered_attempt_that_fpx_approves_later_is_told_as_approved_late(
        settings, fpx_signing, django_capture_on_commit_callbacks):
    contribution = contribution_for()
    stale = _stale(contribution, settings)
    with django_capture_on_commit_callbacks(execute=True):
        payment_start(contribution=contribution, user=contribution.registration.person.user, bank_code="ABB0233")
    with django_capture_on_commit_callbacks(execute=True):
        assert settle(stale, fpx_signing).outcome == "late approval of a failed attempt: paid"
    assert kinds() == [("payment_failed", "SMS"), ("payment_failed", "EMAIL"), ("payment_approved_late", "EMAIL"),
                       ("payment_approved_late", "SMS")]
    assert "no answer came from the bank in time" in emails()[0].body
    assert "although we had told you it was not successful" in emails()[1].body


def test_the_supervisors_close_tells_payment_failed_in_the_persons_language(django_capture_on_commit_callbacks):
    supervisor = make_staff("supervisor1", "SUPERVISOR")
    payment = aged(pending_payment_make(contribution=speaking("ms", contribution_for())), 3 * 3600)
    mark_needs_attention(payment, reason="no answer from FPX after 3 hours")
    Payment.objects.filter(pk=payment.pk).update(debit_auth_code="09")  # FPX last said "pending at the bank"
    with django_capture_on_commit_callbacks(execute=True):
        attention_close_failed(payment_id=payment.pk, staff_user=supervisor.user)
    [text] = sms()
    assert text.body.startswith("PERKESO: Bayaran RM 77.60 gagal: bank tidak menyelesaikannya. Sila bayar semula:")
    [email] = emails()
    assert "tidak berjaya: bank tidak menyelesaikannya." in email.body and "kod bank" not in email.body
    assert "Tiada wang diambil untuknya." in email.body
    assert f"/self-employed/contributions/{payment.contribution_id}/" in email.body
    assert set(Message.objects.values_list("kind", "language")) == {("payment_failed", "ms")}
    with django_capture_on_commit_callbacks(execute=True):  # told once per attempt
        payment_closed_tell(payment_id=payment.pk, why="closed")
    assert Message.objects.count() == 2


def test_a_supervisors_close_that_rolls_back_tells_nothing(monkeypatch, django_capture_on_commit_callbacks):
    from matrix.backoffice.services import attention

    supervisor = make_staff("supervisor1", "SUPERVISOR")
    payment = aged(pending_payment_make(), 3 * 3600)
    mark_needs_attention(payment, reason="no answer from FPX after 3 hours")

    def audit_fails(**_kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(attention, "audit_record", audit_fails)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        attention_close_failed(payment_id=payment.pk, staff_user=supervisor.user)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.NEEDS_ATTENTION and not Message.objects.exists()


def test_a_close_told_after_fpx_approved_the_attempt_tells_nothing(fpx_signing, django_capture_on_commit_callbacks):
    """Out of order: the close's message runs after a late approval already committed; the approval tells."""
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        settle(payment, fpx_signing)
    payment_closed_tell(payment_id=payment.pk, why="unanswered")
    assert not Message.objects.filter(kind="payment_failed").exists()
    with pytest.raises(ValueError):
        payment_closed_tell(payment_id=payment.pk, why="because")


def test_the_closing_reasons_fit_one_sms_segment_in_both_languages(settings):
    context = _context(settings)
    for why in CLOSED_REASONS:
        for language in LANGUAGES:
            texts = texts_render(kind="payment_failed", language=language,
                                 context={**context, "reason": why, "code": ""})
            assert gsm7_septets(texts.sms) <= 160, texts.sms
            assert "code" not in texts.email and "kod" not in texts.email
    english = texts_render(kind="payment_failed", language="en", context={**context, "reason": "closed", "code": ""})
    assert "not successful: the bank did not complete it." in english.email

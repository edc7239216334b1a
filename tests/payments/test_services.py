"""payment_start, payment_settle, payment_requery and the re-query task, on whichever database runs the suite."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.notifications import events
from matrix.notifications.models import OutboxMessage
from matrix.payments import receipts, services
from matrix.payments.fpx import checksum, client
from matrix.payments.fpx.exceptions import GatewayError, UnableToTakePayment
from matrix.payments.fpx.messages import form_parse
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_requery, payment_settle, payment_settle_body, payment_start
from matrix.payments.tasks import payments_requery_pending
from tests.factories import contribution_make
from tests.payments.fpxkit import ac_fields, body, tamper
from tests.payments.helpers import aged, contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db

Channel = FpxMessage.Channel


def settle(payment, key, code="00", channel=Channel.AC_DIRECT, **overrides):
    fields = ac_fields(payment, key=key, code=code, **overrides)
    return payment_settle(fields=fields, raw_body=body(fields), channel=channel)


# --- payment_start ------------------------------------------------------------------------------------------

def test_start_opens_a_pending_payment_and_signs_the_ar(seller_keys):
    contribution = contribution_for()
    user = contribution.registration.person.user
    started = payment_start(contribution=contribution, user=user, bank_code="ABB0233")
    payment = started.payment
    assert payment.status == Payment.Status.PENDING and payment.amount == Decimal("77.60")
    assert payment.bank.code == "ABB0233" and payment.buyer_bank_id == "ABB0233"
    assert started.url == "/fpx-simulator/ar/"
    fields = started.fields
    assert fields["fpx_msgType"] == "AR" and fields["fpx_msgToken"] == "01"
    assert fields["fpx_txnAmount"] == "77.60" and fields["fpx_txnCurrency"] == "MYR"
    assert fields["fpx_sellerExOrderNo"] == payment.seller_ex_order_no
    assert fields["fpx_sellerOrderNo"] == payment.seller_order_no
    assert fields["fpx_sellerTxnTime"] == payment.seller_txn_time and len(payment.seller_txn_time) == 14
    assert fields["fpx_buyerName"] == "SITI BINTI HASSAN" and fields["fpx_productDesc"] == "SKSPS Contribution"
    assert checksum.message_verify(fields, "AR", [seller_keys.cert], now=timezone.now())
    log = FpxMessage.objects.get(channel=Channel.AR)
    assert log.payment == payment and form_parse(log.body) == fields


def test_order_numbers_are_unique_per_attempt(fpx_key):
    contribution = contribution_for()
    first = pending_payment_make(contribution=contribution)
    settle(first, fpx_key, code="51")
    second = pending_payment_make(contribution=contribution)
    assert first.seller_ex_order_no != second.seller_ex_order_no
    assert first.seller_order_no != second.seller_order_no


def test_start_opens_no_second_payment_while_one_is_pending():
    contribution = contribution_for()
    first = pending_payment_make(contribution=contribution)
    try:
        again = pending_payment_make(contribution=contribution)
    except UnableToTakePayment:
        again = first
    assert again.pk == first.pk and Payment.objects.count() == 1


def test_start_refuses_paid_rejected_and_other_peoples_contributions(fpx_key, other_user):
    contribution = contribution_for()
    settle(pending_payment_make(contribution=contribution), fpx_key)
    with pytest.raises(UnableToTakePayment, match="already paid"):
        pending_payment_make(contribution=contribution)
    rejected = contribution_for(state=Contribution.State.REJECTED)
    with pytest.raises(UnableToTakePayment):
        pending_payment_make(contribution=rejected)
    with pytest.raises(Contribution.DoesNotExist):
        payment_start(contribution=contribution_for(), user=other_user, bank_code="ABB0233")


# --- payment_settle ------------------------------------------------------------------------------------------

def test_first_approval_pays_fixes_cover_issues_receipt_and_emails(fpx_key, django_capture_on_commit_callbacks,
                                                                   monkeypatch):
    sent = []
    original = events.email_send  # the receipt email is the "payment approved" event message
    monkeypatch.setattr(events, "email_send", lambda **kw: (sent.append(kw), original(**kw)))
    payment = pending_payment_make()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        result = settle(payment, fpx_key)
    assert result.accepted and result.outcome == "paid"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and not payment.refund_due
    assert len(payment.receipt_no) == 14 and payment.fpx_txn_id == "2512271635080001"
    assert payment.debit_auth_code == "00" and payment.credit_auth_code == "00"
    assert payment.settled_at >= before and payment.fpx_txn_time is not None
    # FPX's approval time (in the past here) is bounded below by the AR's time.
    assert payment.paid_at == payment.created_at
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert contribution.state == Contribution.State.PAID
    assert contribution.paid_at == payment.paid_at == contribution.start_at
    email = OutboxMessage.objects.get(channel=OutboxMessage.Channel.EMAIL)
    assert payment.receipt_no in email.subject and "RM 77.60" in email.body
    assert (sent[0]["kind"], sent[0]["language"], sent[0]["user"]) == (
        "payment_approved", "en", payment.contribution.registration.person.user)
    (name, content, mime), = sent[0]["attachments"]
    assert name == f"receipt-{payment.receipt_no}.pdf" and content.startswith(b"%PDF") and mime == "application/pdf"


def test_duplicates_settle_once(fpx_key, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        results = [settle(payment, fpx_key, channel=channel)
                   for channel in (Channel.AC_DIRECT, Channel.AC_DIRECT, Channel.AC_INDIRECT, Channel.AE_REPLY)]
    assert [r.accepted for r in results] == [True] * 4
    assert [r.outcome.split(":")[0] for r in results] == ["paid", "duplicate", "duplicate", "duplicate"]
    assert Payment.objects.filter(receipt_no__isnull=False).count() == 1
    assert OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL).count() == 1
    assert FpxMessage.objects.filter(payment=payment).exclude(channel=Channel.AR).count() == 4


@pytest.mark.parametrize(("code", "meaning"), [("51", "Insufficient Funds"), ("BC", "Cancelled By Customer"),
                                               ("1M", "Buyer timeout")])
def test_refusal_fails_and_no_other_refusal_changes_it(fpx_key, code, meaning):
    payment = pending_payment_make()
    assert settle(payment, fpx_key, code=code).outcome.startswith(f"failed: {code} {meaning}")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.debit_auth_code == code
    assert payment.receipt_no is None and payment.settled_at is not None
    for again in ("09", "51", "XO"):
        assert settle(payment, fpx_key, code=again).outcome.startswith("duplicate")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.debit_auth_code == code
    assert Contribution.objects.get(pk=payment.contribution_id).state == Contribution.State.AWAITING_PAYMENT


@pytest.mark.parametrize("code", ["09", "99"])
def test_pending_codes_leave_the_payment_pending(fpx_key, code):
    payment = pending_payment_make()
    result = settle(payment, fpx_key, code=code)
    payment.refresh_from_db()
    assert result.accepted and payment.status == Payment.Status.PENDING and payment.debit_auth_code == code
    settle(payment, fpx_key, code="00")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def _assert_unchanged_and_logged(payment, result, *, signature_valid, reason):
    payment.refresh_from_db()
    assert not result.accepted and reason in result.outcome
    assert payment.status == Payment.Status.PENDING and payment.receipt_no is None
    assert Contribution.objects.get(pk=payment.contribution_id).state == Contribution.State.AWAITING_PAYMENT
    log = FpxMessage.objects.exclude(channel=Channel.AR).get()
    assert log.signature_valid is signature_valid and log.outcome.startswith("refused") and reason in log.outcome
    return log


def test_forged_signature_changes_nothing_and_is_logged(fpx_key, seller_keys):
    payment = pending_payment_make()
    fields = ac_fields(payment, key=seller_keys.key)  # not FPX's key
    result = payment_settle(fields=fields, raw_body=body(fields), channel=Channel.AC_DIRECT, remote_addr="10.0.0.9")
    log = _assert_unchanged_and_logged(payment, result, signature_valid=False, reason="checksum")
    assert log.payment == payment and log.remote_addr == "10.0.0.9" and log.body == body(fields)


def test_altered_value_after_signing_changes_nothing(fpx_key):
    payment = pending_payment_make()
    fields = tamper(ac_fields(payment, key=fpx_key), "fpx_txnAmount", "7.76")
    result = payment_settle(fields=fields, raw_body=body(fields), channel=Channel.AC_DIRECT)
    _assert_unchanged_and_logged(payment, result, signature_valid=False, reason="checksum")


def test_authentic_message_with_another_amount_is_refused_and_needs_attention_at_once(fpx_key):
    payment = pending_payment_make()
    result = settle(payment, fpx_key, txnAmount="1.00")
    payment.refresh_from_db()
    assert not result.accepted and "amount" in result.outcome
    assert payment.status == Payment.Status.NEEDS_ATTENTION and payment.receipt_no is None
    assert "amount RM1.00 differs" in payment.attention_reason
    assert Contribution.objects.get(pk=payment.contribution_id).state == Contribution.State.AWAITING_PAYMENT
    log = FpxMessage.objects.exclude(channel=Channel.AR).get()
    assert log.payment == payment and log.signature_valid is True and log.outcome.startswith("refused")


@pytest.mark.parametrize(("override", "reason"), [
    ({"sellerOrderNo": "SOMEONE-ELSE"}, "seller order number"),
    ({"sellerExId": "EX99999999"}, "seller exchange"),
    ({"sellerId": "SE99999999"}, "seller exchange"),
])
def test_authentic_message_for_another_order_or_seller_changes_nothing(fpx_key, override, reason):
    payment = pending_payment_make()
    _assert_unchanged_and_logged(payment, settle(payment, fpx_key, **override), signature_valid=True, reason=reason)


def test_unknown_order_changes_nothing_and_is_logged(fpx_key):
    payment = pending_payment_make()
    result = settle(payment, fpx_key, sellerExOrderNo="NOSUCHORDER")
    log = _assert_unchanged_and_logged(payment, result, signature_valid=True, reason="unknown")
    assert log.payment is None and log.seller_ex_order_no == "NOSUCHORDER"


def test_malformed_body_is_logged():
    result = payment_settle_body(raw_body=b"fpx_a=1&fpx_a=2", channel=Channel.AC_DIRECT)
    assert not result.accepted
    assert FpxMessage.objects.get().outcome.startswith("refused: field fpx_a given twice")


def test_log_rows_are_append_only(fpx_key):
    settle(pending_payment_make(), fpx_key)
    row = FpxMessage.objects.exclude(channel=Channel.AR).get()
    row.outcome = "changed"
    with pytest.raises(ValueError):
        row.save()


def test_second_approved_payment_owes_a_refund_and_never_extends_cover(fpx_key):
    contribution = contribution_for()
    first = pending_payment_make(contribution=contribution)
    settle(first, fpx_key)
    contribution.refresh_from_db()
    period = (contribution.start_at, contribution.end_at, contribution.paid_at)
    # A second attempt (e.g. opened in another tab before the first settled) approved later.
    second = Payment.objects.create(
        contribution=contribution, seller_ex_order_no="SECOND1", seller_order_no="SECOND1",
        seller_txn_time="20251227170000", amount=contribution.amount,
    )
    result = settle(second, fpx_key, fpxTxnId="2512271700000002")
    second.refresh_from_db()
    contribution.refresh_from_db()
    assert result.accepted and "refund" in result.outcome
    assert second.status == Payment.Status.PAID and second.refund_due and second.receipt_no
    assert second.receipt_no != Payment.objects.get(pk=first.pk).receipt_no
    assert (contribution.start_at, contribution.end_at, contribution.paid_at) == period
    refund = Refund.objects.get()
    assert refund.payment == second and refund.amount == second.amount and refund.state == Refund.State.DUE
    assert refund.reason == Refund.Reason.ALREADY_PAID


def test_renewal_period_is_fixed_by_settlement(fpx_key):
    first = contribution_for()
    settle(pending_payment_make(contribution=first), fpx_key)
    first.refresh_from_db()
    renewal = contribution_make(registration=first.registration, kind=Contribution.Kind.RENEWAL, months=3)
    settle(pending_payment_make(contribution=renewal), fpx_key)
    renewal.refresh_from_db()
    assert renewal.state == Contribution.State.PAID
    assert renewal.start_at == (first.end_at + timedelta(seconds=1))


# --- re-query ------------------------------------------------------------------------------------------------

@pytest.fixture
def enquiry_answers(monkeypatch, fpx_key):
    """Stand in for FPX's enquiry host: answers each AE with the code given for its order (76 if none)."""
    codes: dict[str, str] = {}
    sent: list[dict] = []

    def enquiry_send(fields):
        sent.append(fields)
        payment = Payment.objects.get(seller_ex_order_no=fields["fpx_sellerExOrderNo"])
        code = codes.get(payment.seller_ex_order_no, "76")
        return body(ac_fields(payment, key=fpx_key, code=code))

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)
    return codes, sent


def test_requery_settles_with_the_answer(enquiry_answers, seller_keys):
    codes, sent = enquiry_answers
    payment = pending_payment_make()
    codes[payment.seller_ex_order_no] = "00"
    result = payment_requery(payment=payment)
    payment.refresh_from_db()
    assert result.accepted and payment.status == Payment.Status.PAID and payment.last_enquiry_at
    ae = sent[0]
    assert ae["fpx_msgType"] == "AE" and ae["fpx_buyerBankId"] == "ABB0233"
    assert checksum.message_verify(ae, "AE", [seller_keys.cert], now=timezone.now())
    channels = list(FpxMessage.objects.filter(payment=payment).values_list("channel", flat=True))
    assert channels == [Channel.AR, Channel.AE, Channel.AE_REPLY]


def test_task_requeries_only_old_pending_payments(enquiry_answers, settings):
    codes, sent = enquiry_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 900
    old, old_pending, young = (pending_payment_make() for _ in range(3))
    aged(old, 1000)
    aged(old_pending, 2000)
    codes[old.seller_ex_order_no] = "00"
    codes[old_pending.seller_ex_order_no] = "09"
    codes[young.seller_ex_order_no] = "00"
    counts = payments_requery_pending.delay().get()
    assert counts == {"queried": 2, "settled": 1, "attention": 0, "errors": 0, "deferred": 0, "busy": 0}
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "PAID", old_pending.pk: "PENDING", young.pk: "PENDING"}


def test_task_survives_an_unreachable_fpx(monkeypatch, settings):
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    payment = pending_payment_make()

    def down(fields):
        raise GatewayError("down")

    monkeypatch.setattr(client, "enquiry_send", down)
    assert payments_requery_pending() == {"queried": 0, "settled": 0, "attention": 0, "errors": 1, "deferred": 0,
                                          "busy": 0}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.last_enquiry_at is not None


def test_requery_answer_76_fails_the_payment_once_its_ar_has_expired(enquiry_answers, settings):
    payment = aged(pending_payment_make(), settings.FPX_AR_VALIDITY_SECONDS + 1)
    payment_requery(payment=payment)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.debit_auth_code == "76"


def test_services_module_exposes_receipt_pdf():
    assert services.receipt_pdf is receipts.receipt_pdf


# --- review fixes ---------------------------------------------------------------------------------------------

def test_approval_after_an_enquiry_failed_the_payment_pays_the_unpaid_contribution(enquiry_answers, fpx_key,
                                                                                    settings):
    """AE answered 76 after the AR expired (FPX did not know the order), then FPX approved it after all: the
    money was taken and the contribution is still unpaid, so the late approval pays it; no refund is owed."""
    payment = aged(pending_payment_make(), settings.FPX_AR_VALIDITY_SECONDS + 60)
    payment_requery(payment=payment)
    Payment.objects.filter(pk=payment.pk).update(fpx_txn_id="")  # FPX's real 76 answer names no transaction
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and not payment.refund_due
    outcomes = [settle(payment, fpx_key, channel=channel, fpxTxnId="2512271700000009").outcome
                for channel in (Channel.AC_DIRECT, Channel.AC_DIRECT, Channel.AC_INDIRECT)]
    assert outcomes[0] == "late approval of a failed attempt: paid"
    assert [outcome.split(":")[0] for outcome in outcomes[1:]] == ["duplicate", "duplicate"]
    payment.refresh_from_db()
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert payment.status == Payment.Status.PAID and not payment.refund_due and payment.receipt_no
    assert payment.fpx_txn_id == "2512271700000009" and payment.debit_auth_code == "00"
    assert contribution.state == Contribution.State.PAID and contribution.start_at == payment.paid_at
    assert not Refund.objects.exists()


def test_task_survives_an_unexpected_error_for_one_payment(enquiry_answers, monkeypatch, settings):
    codes, _sent = enquiry_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    broken, good = pending_payment_make(), pending_payment_make()
    aged(broken, 100)
    codes[good.seller_ex_order_no] = "00"
    answer = client.enquiry_send

    def enquiry_send(fields):
        if fields["fpx_sellerExOrderNo"] == broken.seller_ex_order_no:
            raise RuntimeError("database went away")
        return answer(fields)

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)
    assert payments_requery_pending() == {"queried": 1, "settled": 1, "attention": 0, "errors": 1, "deferred": 0,
                                          "busy": 0}
    assert Payment.objects.get(pk=good.pk).status == Payment.Status.PAID


def test_task_batch_asks_about_the_longest_overdue_first(enquiry_answers, monkeypatch, settings):
    from matrix.payments.services import requery

    codes, sent = enquiry_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    stuck, fresh = pending_payment_make(), pending_payment_make()
    aged(stuck, 1000)
    codes[stuck.seller_ex_order_no] = "09"
    now = timezone.now()
    Payment.objects.filter(pk=stuck.pk).update(last_enquiry_at=now, next_enquiry_at=now, enquiry_count=1)
    monkeypatch.setattr(requery, "BATCH", 1)
    payments_requery_pending()
    assert [fields["fpx_sellerExOrderNo"] for fields in sent] == [fresh.seller_ex_order_no]


def test_nul_characters_are_refused_and_logged_without_them():
    with pytest.raises(Exception, match="NUL"):
        form_parse("fpx_msgType=AC&fpx_sellerExOrderNo=A%00B")
    result = payment_settle_body(raw_body=b"fpx_msgType=AC&fpx_sellerExOrderNo=A\x00B", channel=Channel.AC_DIRECT)
    assert not result.accepted
    row = FpxMessage.objects.get()
    assert "\x00" not in row.body and row.outcome.startswith("refused")


def test_payment_approved_after_the_contribution_was_rejected_is_refunded_without_cover(
        fpx_key, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    Contribution.objects.filter(pk=payment.contribution_id).update(
        state=Contribution.State.REJECTED, rejected_at=timezone.now(), rejected_reason="Not self-employed")
    with django_capture_on_commit_callbacks(execute=True):
        result = settle(payment, fpx_key)
    payment.refresh_from_db()
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert result.accepted and "refund" in result.outcome
    assert payment.status == Payment.Status.PAID and payment.refund_due and payment.receipt_no
    assert contribution.state == Contribution.State.REJECTED and contribution.start_at is None
    [email] = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL)
    assert "refund" in email.subject.lower()

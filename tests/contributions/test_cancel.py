"""The owner cancels an unpaid registration or renewal (issue 8, defect 9): contribution state Cancelled;
refused while a payment is Pending and once paid; a cancelled registration frees its sector; the history shows
Cancelled in English and Malay; a cancel and a settlement of the same contribution never both win."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.services import (
    CancelRefused,
    ContributionNotPayable,
    contribution_cancel,
    contribution_mark_paid,
    contribution_renew,
)
from matrix.core.kltime import kl_datetime
from matrix.payments.models import Payment
from matrix.reference.models import Plan
from matrix.registrations.models import Registration
from matrix.registrations.selectors import registered_sector_ids, sector_covers
from tests.concurrency import race
from tests.contributions.helpers import payment_make, table_rows
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db


def unpaid_registration(user, sector="agent"):
    registration = registration_make(person=person_make(user=user), sector=sector)
    return contribution_make(registration=registration, created_at=kl_datetime(2020, 1, 10))


def paid_sector_with_unpaid_renewal(user):
    first = unpaid_registration(user)
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9))
    renewal = contribution_renew(user=user, registration=first.registration, plan=Plan.objects.get(number=2),
                                 months=2, now=kl_datetime(2020, 2, 1))
    return first, renewal


def test_cancelling_an_unpaid_registration_frees_the_sector(user):
    first = unpaid_registration(user)
    payment_make(contribution=first, at=kl_datetime(2020, 1, 10, 9), status=Payment.Status.FAILED)
    at = kl_datetime(2020, 1, 11, 8)
    cancelled = contribution_cancel(user=user, contribution_id=first.pk, now=at)
    assert (cancelled.state, cancelled.cancelled_at) == ("CANCELLED", at)
    registration = Registration.objects.get(pk=first.registration_id)
    assert registration.cancelled_at == at
    assert cancelled.status_at(at) == "CANCELLED" and cancelled.status_label == "Cancelled"
    assert registered_sector_ids(user=user) == set() and sector_covers(user=user) == []
    # The sector can be registered again (the one-per-sector constraint counts only current registrations).
    again = registration_make(person=registration.person, sector="agent")
    with pytest.raises(IntegrityError), transaction.atomic():
        registration_make(person=registration.person, sector="agent")
    assert registered_sector_ids(user=user) == {again.sector_id}


def test_cancelling_an_unpaid_renewal_keeps_the_cover_and_allows_another_renewal(user):
    first, renewal = paid_sector_with_unpaid_renewal(user)
    contribution_cancel(user=user, contribution_id=renewal.pk, now=kl_datetime(2020, 2, 2))
    renewal.refresh_from_db()
    assert renewal.state == "CANCELLED"
    assert Registration.objects.get(pk=first.registration_id).cancelled_at is None
    another = contribution_renew(user=user, registration=first.registration, plan=Plan.objects.get(number=2),
                                 months=1, now=kl_datetime(2020, 2, 3))
    assert another.state == "AWAITING_PAYMENT"


def test_a_cancelled_contribution_cannot_be_paid(user):
    first = unpaid_registration(user)
    contribution_cancel(user=user, contribution_id=first.pk)
    with pytest.raises(ContributionNotPayable):
        contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 12))
    first.refresh_from_db()
    assert first.state == "CANCELLED" and first.start_at is None


def test_cancel_is_refused_while_a_payment_is_pending_and_once_paid(user):
    first = unpaid_registration(user)
    pending = payment_make(contribution=first, at=kl_datetime(2020, 1, 10, 9), status=Payment.Status.PENDING)
    with pytest.raises(CancelRefused) as error:
        contribution_cancel(user=user, contribution_id=first.pk)
    assert "Pending" in str(error.value.message)
    Payment.objects.filter(pk=pending.pk).update(status=Payment.Status.NEEDS_ATTENTION,
                                                 attention_reason="no answer from FPX")
    with pytest.raises(CancelRefused):
        contribution_cancel(user=user, contribution_id=first.pk)
    Payment.objects.filter(pk=pending.pk).update(status=Payment.Status.FAILED, debit_auth_code="51")
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9, 5))
    with pytest.raises(CancelRefused) as error:
        contribution_cancel(user=user, contribution_id=first.pk)
    assert str(error.value.message) == "This contribution is paid: it can no longer be cancelled."
    first.refresh_from_db()
    assert first.state == "PAID" and first.cancelled_at is None
    assert Registration.objects.get(pk=first.registration_id).cancelled_at is None


def test_another_persons_contribution_cannot_be_cancelled(user, other_user, client):
    first = unpaid_registration(user)
    with pytest.raises(Contribution.DoesNotExist):
        contribution_cancel(user=other_user, contribution_id=first.pk)
    client.force_login(other_user)
    assert client.get(reverse("contributions:cancel_confirm", args=[first.pk])).status_code == 404
    assert client.post(reverse("contributions:cancel", args=[first.pk])).status_code == 404
    first.refresh_from_db()
    assert first.state == "AWAITING_PAYMENT"


def test_the_database_ties_the_cancelled_state_to_its_time(user):
    first = unpaid_registration(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=first.pk).update(state="CANCELLED")


# Pages ------------------------------------------------------------------------------------------------------


def test_view_contribution_offers_cancel_then_a_confirmation_then_cancels(user, user_client):
    first = unpaid_registration(user)
    detail = reverse("contributions:detail", args=[first.pk])
    confirm = reverse("contributions:cancel_confirm", args=[first.pk])
    assert confirm in user_client.get(detail).content.decode()
    page = user_client.get(confirm).content.decode()
    assert "Cancel this registration?" in page and reverse("contributions:cancel", args=[first.pk]) in page
    first.refresh_from_db()
    assert first.state == "AWAITING_PAYMENT"  # the confirmation page changes nothing
    response = user_client.post(reverse("contributions:cancel", args=[first.pk]), follow=True)
    body = response.content.decode()
    assert "The registration is cancelled. You may register this sector again." in body
    assert 'data-contribution-status="CANCELLED"' in body and confirm not in body and "Pay Now" not in body
    rows = table_rows(user_client.get(reverse("contributions:history")).content.decode())
    assert rows[1][6] == "Cancelled"
    user_client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    rows = table_rows(user_client.get(reverse("contributions:history")).content.decode())
    assert rows[1][6] == "Dibatalkan"


def test_cancel_is_post_only_and_checks_csrf(user):
    first = unpaid_registration(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse("contributions:cancel", args=[first.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    first.refresh_from_db()
    assert first.state == "AWAITING_PAYMENT"


def test_the_pages_refuse_with_a_message_while_a_payment_is_pending(user, user_client):
    first = unpaid_registration(user)
    payment_make(contribution=first, at=kl_datetime(2020, 1, 10, 9), status=Payment.Status.PENDING)
    page = user_client.get(reverse("contributions:cancel_confirm", args=[first.pk])).content.decode()
    assert "cannot be cancelled until the payment is settled" in page
    assert reverse("contributions:cancel", args=[first.pk]) not in page
    body = user_client.post(reverse("contributions:cancel", args=[first.pk]), follow=True).content.decode()
    assert "cannot be cancelled until the payment is settled" in body
    first.refresh_from_db()
    assert first.state == "AWAITING_PAYMENT"


def test_a_paid_contribution_offers_no_cancel(user, user_client):
    first = unpaid_registration(user)
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9))
    body = user_client.get(reverse("contributions:detail", args=[first.pk])).content.decode()
    assert reverse("contributions:cancel_confirm", args=[first.pk]) not in body
    body = user_client.post(reverse("contributions:cancel", args=[first.pk]), follow=True).content.decode()
    assert "This contribution is paid: it can no longer be cancelled." in body


def test_a_renewal_cancelled_on_its_page(user, user_client):
    _, renewal = paid_sector_with_unpaid_renewal(user)
    page = user_client.get(reverse("contributions:cancel_confirm", args=[renewal.pk])).content.decode()
    assert "Cancel this renewal?" in page
    body = user_client.post(reverse("contributions:cancel", args=[renewal.pk]), follow=True).content.decode()
    assert "The renewal is cancelled." in body


# Race -------------------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["REGISTRATION", "RENEWAL"])
def test_cancel_and_settlement_of_the_same_contribution_never_both_win(kind):
    user = user_make()
    if kind == "REGISTRATION":
        contribution = unpaid_registration(user)
    else:
        _, contribution = paid_sector_with_unpaid_renewal(user)
    outcomes = race(
        lambda: contribution_cancel(user=user, contribution_id=contribution.pk),
        lambda: contribution_mark_paid(contribution=contribution, paid_at=kl_datetime(2020, 2, 5, 10)),
    )
    contribution.refresh_from_db()
    registration = Registration.objects.get(pk=contribution.registration_id)
    cancelled, paid = outcomes
    if contribution.state == "CANCELLED":
        assert isinstance(cancelled, Contribution) and isinstance(paid, ContributionNotPayable), outcomes
        assert contribution.start_at is None
        assert (registration.cancelled_at is not None) is (kind == "REGISTRATION")
    else:
        assert contribution.state == "PAID", outcomes
        assert isinstance(paid, Contribution) and isinstance(cancelled, CancelRefused), outcomes
        assert contribution.cancelled_at is None and registration.cancelled_at is None

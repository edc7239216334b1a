"""`make bench`'s in-process steps run against the code as it is (benchmarks/run.py is not imported by the rest of
the suite: a change of the receipt's code once broke its receipt step after every page was measured)."""

import pytest

from benchmarks import run
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle
from tests.factories import user_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db


def test_the_receipt_step_measures_both_rates(fpx_key):
    payment = pending_payment_make(contribution=contribution_for(user_make()))
    fields = ac_fields(payment, key=fpx_key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    payment = Payment.objects.select_related("contribution__registration__person__user", "contribution__registration"
                                             "__sector", "bank", "branch").get(pk=payment.pk)
    figures = run.receipts_per_core_second(payment, seconds=0.05)
    assert set(figures) == {"kept", "drawn"} and figures["kept"] > 0 and figures["drawn"] > 0


def test_the_seeded_hash_is_made_again_when_the_hasher_changed(settings):
    from django.contrib.auth.hashers import Argon2PasswordHasher, check_password

    from matrix.accounts.models import User
    from matrix.scale.people import SCALE_PASSWORD

    settings.PASSWORD_HASHERS = ["matrix.accounts.hashers.OwaspArgon2PasswordHasher"]
    heavy = Argon2PasswordHasher().encode(SCALE_PASSWORD, Argon2PasswordHasher().salt())  # Django's parameters
    seeded = [user_make(email=f"p{i}@scale.example") for i in range(2)]
    other = user_make(email="siti@example.com")
    User.objects.filter(pk__in=[user.pk for user in seeded]).update(password=heavy)
    assert run.scale_passwords_current() == 2
    for user in User.objects.filter(pk__in=[user.pk for user in seeded]):
        assert "m=19456,t=2,p=1" in user.password and check_password(SCALE_PASSWORD, user.password)
    assert User.objects.get(pk=other.pk).password == other.password
    assert run.scale_passwords_current() == 0  # current already: nothing to do

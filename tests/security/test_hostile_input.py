"""Hostile field input, driven by hypothesis: overlong values, Unicode confusables and look-alike digits, NUL and
control characters, HTML/JS, SQL, template syntax, malformed IC and phone numbers, months out of range, other
currencies and crafted ids, in every field of the sign-up, login, registration, renewal and bank forms. Each post
is refused with the error summary in the page's language (English or Malay) and an error linked to the field; no
server error; nothing is stored (no account, message, registration, contribution or payment). The validators
themselves only ever answer a ValidationError or a canonical ASCII value. Examples are bounded (max_examples) so
the whole file stays within a few seconds of work per form."""

import re
import string
import unicodedata
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from matrix.accounts.models import IdType, User
from matrix.accounts.validators import id_number_clean, mobile_clean
from matrix.contributions.models import Contribution
from matrix.core.text import ADDRESS_MARKS, NAME_MARKS, text_is_plain
from matrix.notifications.models import OutboxMessage
from matrix.payments.models import Payment
from matrix.registrations.models import Registration
from tests.accounts.helpers import signup_data
from tests.factories import contribution_make, person_make, registration_make
from tests.registrations.helpers import form_data, form_files

SUMMARY = {"en": "There is a problem", "ms": "Terdapat masalah"}

# Values that no field of the portal accepts in any of its forms' structured fields.
COMMON = [
    "", " ", "\t\n", "\x00", "1\x00", "\x1b[31m", "\u202e", "\ufeff", "\u200b", "x" * 5000,
    "<script>alert(document.cookie)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "' OR '1'='1", "1; DROP TABLE accounts_user; --", "1 UNION SELECT password FROM accounts_user",
    "{{ settings.SECRET_KEY }}", "${7*7}", "%(secret)s", "../../etc/passwd", "%00", "\\u0000",
    "NaN", "Infinity", "-1", "1e9", "9" * 40, "0x10", "USD 77.60", "SGD 13.10", "€13,10", "RM 77.60",
    "٣", "３", "𝟑", "Ⅲ", "१२", "١٠١", "siti@exаmple.com",  # Arabic-Indic, fullwidth, maths digits, Cyrillic а
]
NOT_AN_IC = COMMON + [
    "79081108765", "7908110876544", "791311087654", "790832087654", "790811007654", "790811-08-765X",
    "79O811O87654", "790811\u201008\u20107654", "٧٩٠٨١١٠٨٧٦٥٤", "७९०८११०८७६५४", "790811 08 7654 1",
]
NOT_A_MOBILE = COMMON + [
    "0321234567", "+6565123456", "+65 9123 4567", "60108877", "0108877665999", "+1 202 555 0143", "01O8877665",
    "60108877665\u202e", "٠١٠٨٨٧٧٦٦٥", "phone", "+60-10-887-7665-x12",
]
NOT_AN_EMAIL = COMMON + ["ahmad", "ahmad@", "@gmail.com", "ahmad@gmail", "ahmad@@gmail.com", "ahmad gmail.com",
                         "ahmad@gmail.com\r\nBcc: victim@example.com", "a" * 250 + "@gmail.com"]
NOT_MONTHS = COMMON + ["0", "13", "12.0", "1.5", "-12", "twelve", "12 ", "0012x"]
NOT_AN_ID = COMMON + ["0", "999999999", "1.0", "1 OR 1=1", "99999999999999999999999999", "-2147483649"]
NOT_A_POSTCODE = COMMON + ["5000", "500000", "5000a", "５００００", "٥٠٠٠٠", "50 000"]


def hostile(corpus: list[str], *, free_text: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(corpus), free_text)


# Names and addresses: the common corpus less what is plain text in them (a path of letters and dots is an odd
# address, not an attack: it is stored as text and escaped wherever it is shown), and free text with at least
# one character a name or an address may not have.
NOT_A_NAME = [value for value in COMMON if not (value.strip() and text_is_plain(value, NAME_MARKS, digits=False))]
NOT_AN_ADDRESS = [value for value in COMMON if not (value.strip() and text_is_plain(value, ADDRESS_MARKS, digits=True))]
NOT_NAME_TEXT = st.text(min_size=1, max_size=40).filter(
    lambda value: not text_is_plain(value, NAME_MARKS, digits=False))
NOT_ADDRESS_TEXT = st.text(min_size=1, max_size=40).filter(
    lambda value: not text_is_plain(value, ADDRESS_MARKS, digits=True))

# Text that always contains something an IC or phone number cannot: a letter, a symbol or a control character.
NOISY = st.text(min_size=1, max_size=40).filter(lambda value: re.search(r"[^0-9\s+\-()./]", value) is not None)
WORDS = st.text(alphabet=string.ascii_letters + "<>'\";%{}", min_size=1, max_size=30)
EXAMPLES = hypothesis_settings(max_examples=25, deadline=None, derandomize=True,
                               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
VIEW_EXAMPLES = hypothesis_settings(EXAMPLES, max_examples=12)


# --- The validators: a ValidationError with a message in both languages, or a canonical ASCII value. --------------

@EXAMPLES
@given(value=hostile(NOT_AN_IC, free_text=NOISY), id_type=st.sampled_from([IdType.MYKAD, IdType.MYPR]))
def test_an_ic_number_is_refused_or_canonical(value, id_type):
    try:
        result = id_number_clean(id_type=id_type, value=value)
    except ValidationError:
        _both_languages(lambda: id_number_clean(id_type=id_type, value=value))
        return
    assert re.fullmatch(r"[0-9]{12}", result), (value, result)  # look-alike digits end as the same ASCII number


@EXAMPLES
@given(value=st.one_of(st.sampled_from(COMMON), st.text(max_size=40)),
       id_type=st.sampled_from([IdType.POLICE, IdType.ARMY, IdType.PASSPORT, "NOT-A-TYPE", ""]))
def test_other_identity_numbers_are_refused_or_canonical(value, id_type):
    try:
        result = id_number_clean(id_type=id_type, value=value)
    except ValidationError:
        _both_languages(lambda: id_number_clean(id_type=id_type, value=value))
        return
    assert re.fullmatch(r"[A-Z0-9]{4,20}", result), (value, result)


@EXAMPLES
@given(value=hostile(NOT_A_MOBILE, free_text=NOISY))
def test_a_mobile_number_is_refused_or_canonical(value):
    try:
        result = mobile_clean(value)
    except ValidationError:
        _both_languages(lambda: mobile_clean(value))
        return
    assert re.fullmatch(r"601[0-9]{8,9}", result), (value, result)


@pytest.mark.parametrize("value", NOT_AN_IC[:11] + NOT_AN_IC[len(COMMON):])
def test_every_bad_ic_of_the_corpus_is_refused(value):
    with pytest.raises(ValidationError):
        id_number_clean(id_type=IdType.MYKAD, value=value)


@pytest.mark.parametrize("value", NOT_A_MOBILE)
def test_every_bad_mobile_of_the_corpus_is_refused(value):
    with pytest.raises(ValidationError):
        mobile_clean(value)


def _both_languages(check) -> None:
    """The refusal `check()` raises, asked in English and in Malay, says something in each."""
    said = {}
    for language in ("en", "ms"):
        with translation.override(language), pytest.raises(ValidationError) as error:
            check()
        said[language] = " ".join(error.value.messages)
    assert said["en"] and said["ms"] and said["en"] != said["ms"], said


# --- Through the views. --------------------------------------------------------------------------------------------

def _refused(response, field: str, language: str) -> None:
    assert response.status_code == 200, (field, response.status_code)
    body = response.content.decode()
    assert SUMMARY[language] in body, field
    assert f'href="#id_{field}' in body, field  # (a two-part field links to its first part: #id_captcha_1)


def _client(language: str, user=None) -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _stored():
    return (User.objects.count(), OutboxMessage.objects.count(), Registration.objects.count(),
            Contribution.objects.count(), Payment.objects.count())


SIGNUP_FIELDS = {
    "id_number": hostile(NOT_AN_IC, free_text=NOISY),
    "id_type": hostile(NOT_AN_ID + ["mykad", "MYKAD "], free_text=WORDS),
    "full_name": hostile(NOT_A_NAME + ["A\x00B SITI", "x" * 151, "ab", "SITI\x00", "SITI\u202eNIAH"],
                         free_text=NOT_NAME_TEXT),
    "email": hostile(NOT_AN_EMAIL, free_text=WORDS),
    "mobile": hostile(NOT_A_MOBILE, free_text=NOISY),
    "captcha": st.sampled_from(["", "FAILED", "<script>", "\x00"]),
}


@pytest.mark.django_db
@VIEW_EXAMPLES
@given(field=st.sampled_from(sorted(SIGNUP_FIELDS)), data=st.data(), language=st.sampled_from(["en", "ms"]))
def test_sign_up_refuses_each_hostile_value(field, data, language):
    cache.clear()  # the per-address limits are not what refuses here
    value = data.draw(SIGNUP_FIELDS[field], label=field)
    before = _stored()
    posted = signup_data(**{("captcha_1" if field == "captcha" else field): value})
    _refused(_client(language).post(reverse("accounts:signup"), posted), field, language)
    assert _stored() == before


def _some_id_number(value: str) -> bool:
    """Letters and digits that could be an ID number of some type: the login's first step answers those like an
    account (known or not), by design."""
    return re.fullmatch(r"[A-Za-z0-9]{1,20}", re.sub(r"[\s\-/]+", "", unicodedata.normalize("NFKC", value))) is not None


@pytest.mark.django_db
@VIEW_EXAMPLES
@given(value=hostile([value for value in NOT_AN_IC if not _some_id_number(value)],
                     free_text=NOISY.filter(lambda value: not _some_id_number(value))),
       language=st.sampled_from(["en", "ms"]))
def test_the_login_ic_step_refuses_each_hostile_value(value, language):
    cache.clear()
    before = _stored()
    _refused(_client(language).post(reverse("accounts:login"), {"id_number": value}), "id_number", language)
    assert _stored() == before


REGISTRATION_FIELDS = {
    "postcode": hostile(NOT_A_POSTCODE, free_text=WORDS),
    "house_phone": hostile(NOT_A_MOBILE[:len(COMMON)] + ["0108877", "+6565123456", "1-300-22-8000"],
                           free_text=NOISY),
    "mobile": hostile(NOT_A_MOBILE, free_text=NOISY),
    "email": hostile(NOT_AN_EMAIL, free_text=WORDS),
    "months": hostile(NOT_MONTHS, free_text=WORDS),
    "plan": hostile(NOT_AN_ID, free_text=WORDS),
    "state": hostile(NOT_AN_ID, free_text=WORDS),
    "city": hostile(NOT_AN_ID, free_text=WORDS),
    "branch": hostile(NOT_AN_ID, free_text=WORDS),
    "status": hostile(NOT_AN_ID, free_text=WORDS),
    "nationality": hostile(NOT_AN_ID, free_text=WORDS),
    "race": hostile(NOT_AN_ID, free_text=WORDS),
    "sector_class": hostile(NOT_AN_ID, free_text=WORDS),
    "address_line_1": hostile(NOT_AN_ADDRESS + ["No. 1\x00 Jalan", "x" * 151, "No. 1\u202e Jalan"],
                              free_text=NOT_ADDRESS_TEXT),
    "address_line_2": hostile([value for value in NOT_AN_ADDRESS if value.strip()], free_text=NOT_ADDRESS_TEXT),
}


@pytest.mark.django_db
@VIEW_EXAMPLES
@given(field=st.sampled_from(sorted(REGISTRATION_FIELDS)), data=st.data(), language=st.sampled_from(["en", "ms"]))
def test_the_registration_form_refuses_each_hostile_value(user, field, data, language):
    value = data.draw(REGISTRATION_FIELDS[field], label=field)
    posted = {**form_data(), **form_files(other=False), field: value}
    before = _stored()
    response = _client(language, user).post("/self-employed/register/information-technology/", posted)
    _refused(response, field, language)
    assert _stored() == before


@pytest.fixture
def registered(user, monkeypatch):
    """A registration whose first period is paid (so it can be renewed); the bank list comes from a stub."""
    from matrix.contributions.services import contribution_mark_paid
    from matrix.core.kltime import kl_datetime
    from matrix.payments.fpx import client as fpx_client
    from matrix.payments.fpx.messages import BankOption

    monkeypatch.setattr(fpx_client, "banklist_fetch", lambda **kw: [BankOption("ABB0233", "Affin Bank", True),
                                                                    BankOption("UOB0226", "UOB Bank", False)])
    registration = registration_make(person=person_make(user=user))
    first = contribution_make(registration=registration, created_at=timezone.now() - timedelta(days=2))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(*timezone.localdate().timetuple()[:3]))
    return registration, first


RENEWAL_FIELDS = {"months": hostile(NOT_MONTHS, free_text=WORDS), "plan": hostile(NOT_AN_ID, free_text=WORDS)}


@pytest.mark.django_db
@VIEW_EXAMPLES
@given(field=st.sampled_from(sorted(RENEWAL_FIELDS)), data=st.data(), language=st.sampled_from(["en", "ms"]),
       step=st.sampled_from(["check", "confirm"]))
def test_the_renewal_refuses_each_hostile_value(user, registered, field, data, language, step):
    from matrix.reference.models import Plan

    registration, _contribution = registered
    value = data.draw(RENEWAL_FIELDS[field], label=field)
    posted = {"step": step, "plan": Plan.objects.get(number=2).pk, "months": 1, field: value}
    before = _stored()
    response = _client(language, user).post(reverse("contributions:renew_sector", args=[registration.pk]), posted)
    _refused(response, field, language)
    assert _stored() == before


@pytest.mark.django_db
@VIEW_EXAMPLES
@given(value=hostile(NOT_AN_ID + ["abb0233", "ABB0233\x00", "MBB0228' --", "UOB0226"], free_text=WORDS),
       language=st.sampled_from(["en", "ms"]))
def test_the_bank_choice_refuses_each_hostile_value(user, registered, value, language):
    registration, _first = registered
    contribution = (registration.contributions.filter(kind=Contribution.Kind.RENEWAL).first()  # examples share it
                    or contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, months=1))
    client = _client(language, user)
    client.post(reverse("payments:pay_now", args=[contribution.pk]), {"method": "B2C", "acknowledge": "on"})
    before = _stored()
    response = client.post(reverse("payments:select_bank", args=[contribution.pk]), {"bank": value})
    _refused(response, "bank", language)
    assert _stored() == before

"""Coverage check: anyone asks whether an IC number is covered today in a sector; the answer is only "covered until
<date>" or "not covered", the same for an unknown IC as for an uncovered one; rate-limited per address and per IC."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from matrix.core.kltime import kl_datetime
from matrix.pages.selectors import coverage_check
from matrix.reference.models import Sector
from tests.factories import contribution_make, registration_make

pytestmark = pytest.mark.django_db

START = kl_datetime(2026, 1, 19, 16, 26, 12)
END = coverage_end(start=START, months=3)  # 18-04-2026 23:59:59


def _paid(registration, start, months, **fields):
    return contribution_make(registration=registration, months=months, state=Contribution.State.PAID,
                             start_at=start, end_at=coverage_end(start=start, months=months), paid_at=start, **fields)


@pytest.fixture
def covered():
    registration = registration_make(sector="hawker")
    _paid(registration, START, 3)
    return registration


def _ic(registration):
    return registration.person.user.id_number


def test_covered_from_the_payment_to_the_last_fraction_of_23_59_59(covered):
    hawker = Sector.objects.get(code="hawker")
    ic = _ic(covered)
    assert coverage_check(id_number=ic, sector=hawker, now=START - timedelta(microseconds=1)) is None
    assert coverage_check(id_number=ic, sector=hawker, now=START) == END
    assert coverage_check(id_number=ic, sector=hawker, now=END + timedelta(microseconds=999_999)) == END
    assert coverage_check(id_number=ic, sector=hawker, now=END + timedelta(seconds=1)) is None


def test_a_renewal_paid_ahead_extends_the_date(covered):
    hawker = Sector.objects.get(code="hawker")
    renewal_start = END + timedelta(seconds=1)
    _paid(covered, renewal_start, 2, kind=Contribution.Kind.RENEWAL)
    assert coverage_check(id_number=_ic(covered), sector=hawker, now=START) == coverage_end(start=renewal_start,
                                                                                             months=2)


def test_other_sector_unpaid_rejected_and_cancelled_registrations_are_not_covered(covered):
    ic, now = _ic(covered), START + timedelta(days=1)
    assert coverage_check(id_number=ic, sector=Sector.objects.get(code="agent"), now=now) is None
    unpaid = registration_make(sector="fishery")
    contribution_make(registration=unpaid)
    assert coverage_check(id_number=_ic(unpaid), sector=unpaid.sector, now=now) is None
    covered.cancelled_at = now
    covered.save(update_fields=["cancelled_at"])
    assert coverage_check(id_number=ic, sector=covered.sector, now=now) is None


def _check(client, ic, sector="hawker", **extra):
    return client.post(reverse("pages:coverage_check"),
                       {"id_number": ic, "sector": Sector.objects.get(code=sector).pk}, **extra)


def _answer(body: str) -> str:
    """The page without what differs by request: the CSRF token and the moment of the check."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'name="id_number" value="[^"]+"', "", body)  # the number typed, shown back
    return re.sub(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d", "<moment>", body)


def _shape(sql: str) -> str:
    """A query without its literals and PostgreSQL's per-use cursor names."""
    return re.sub(r"_django_curs_\d+_\w+", "<cursor>", re.sub(r"'\d+'", "?", sql))


class TestThePage:
    def test_covered_shows_only_the_date(self, client, covered):
        Contribution.objects.filter(registration=covered).update(
            start_at=START.replace(year=2020), end_at=kl_datetime(2099, 4, 18, 23, 59, 59))
        body = _check(client, _ic(covered)[:6] + "-" + _ic(covered)[6:8] + "-" + _ic(covered)[8:]).content.decode()
        assert "Covered until 18-04-2099 23:59:59" in body and 'data-coverage-answer="covered"' in body
        assert "SITI" not in body and covered.person.self_employed_code not in body

    def test_an_unknown_ic_is_answered_exactly_like_an_uncovered_one(self, client, covered):
        unpaid = registration_make(sector="hawker")
        contribution_make(registration=unpaid)
        with CaptureQueriesContext(connection) as known:
            known_body = _check(client, _ic(unpaid)).content.decode()
        with CaptureQueriesContext(connection) as unknown:
            unknown_body = _check(client, "900101149999").content.decode()
        assert 'data-coverage-answer="not-covered"' in known_body
        assert _answer(known_body) == _answer(unknown_body)
        assert len(known.captured_queries) == len(unknown.captured_queries)
        assert [_shape(q["sql"]) for q in known.captured_queries] == [
            _shape(q["sql"]) for q in unknown.captured_queries]

    def test_in_malay(self, client, covered):
        client.post(reverse("set_language"), {"language": "ms", "next": "/"})
        body = _check(client, "900101149999").content.decode()
        assert "Tidak dilindungi" in body and "Sektor: Penjaja." in body

    @pytest.mark.parametrize(("ic", "message"), [
        ("", "Enter the IC number to check."),
        ("90010114", "An IC number has 12 digits, for example 790811087654."),
        ("9001<script>", "Enter the IC number with letters and digits only, up to 20 characters."),
    ])
    def test_bad_input_gets_a_clear_message_and_no_lookup(self, client, ic, message):
        response = _check(client, ic)
        body = response.content.decode()
        assert response.status_code == 400 and message in body and "data-coverage-answer" not in body

    def test_a_sector_is_required(self, client):
        response = client.post(reverse("pages:coverage_check"), {"id_number": "900101141234", "sector": ""})
        assert response.status_code == 400 and "Select the sector to check." in response.content.decode()


class TestRateLimits:
    def test_per_address(self, client, settings):
        settings.COVERAGE_CHECK_RATE_IP = "3/h"
        for n in range(3):
            assert _check(client, f"90010114{n:04d}").status_code == 200
        response = _check(client, "900101149999")
        assert response.status_code == 429 and response["Retry-After"] == "3600"
        assert "You have made too many coverage checks. Please try again in an hour." in response.content.decode()
        assert _check(client, "900101149999", REMOTE_ADDR="10.9.9.9").status_code == 200

    def test_the_address_is_the_clients_behind_the_proxy(self, client, settings):
        """matrix.core.client_ip: behind the load balancer, the address it appended, not the proxy's."""
        settings.COVERAGE_CHECK_RATE_IP = "1/h"
        settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
        assert _check(client, "900101141234", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200
        assert _check(client, "900101141235", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
        assert _check(client, "900101141236", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").status_code == 429

    def test_per_ic_number_from_any_address(self, client, settings):
        settings.COVERAGE_CHECK_RATE_IC = "2/h"
        for n in range(2):
            assert _check(client, "900101141234", REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
        assert _check(client, "900101-14-1234", REMOTE_ADDR="10.0.0.9").status_code == 429
        assert _check(client, "900101141235", REMOTE_ADDR="10.0.0.9").status_code == 200

    def test_the_429_page_is_in_the_persons_language(self, client, settings):
        settings.COVERAGE_CHECK_RATE_IP = "1/h"
        client.post(reverse("set_language"), {"language": "ms", "next": "/"})
        _check(client, "900101141234")
        response = _check(client, "900101141234")
        assert response.status_code == 429
        assert "Terlalu banyak semakan" in response.content.decode()

    def test_a_limited_check_looks_nothing_up(self, client, settings, covered):
        settings.COVERAGE_CHECK_RATE_IP = "1/h"
        _check(client, _ic(covered))
        with CaptureQueriesContext(connection) as queries:
            assert _check(client, _ic(covered)).status_code == 429
        assert not any("contributions_contribution" in q["sql"] for q in queries.captured_queries)

"""Issue 12 items 3 and 6: Contribution History at 1280 px shows every column (Payment Status, and Action with
View, Download Receipt and Renew Now) inside the page without overflow, in compact rows; on a phone (360 px) the
rows are cards and the person's own rows come before the two legend panels. English and Malay."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from matrix.payments.models import Payment
from tests.browser.conftest import page_sign_in
from tests.browser.flows import language_choose
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make

# Layout only: the database engine does not matter (the SQLite pass runs it).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

WORDS = {
    "en": {"payment": "Payment Status", "action": "Action", "view": "View", "receipt": "Download Receipt",
           "renew": "Renew Now", "legend": "Contribution Status"},
    "ms": {"payment": "Status Bayaran", "action": "Tindakan", "view": "Lihat", "receipt": "Muat Turun Resit",
           "renew": "Perbaharui Sekarang", "legend": "Status Caruman"},
}


@pytest.fixture
def history_person(db):
    """A person whose history has a paid registration and a paid renewal (receipts, Renew Now on the newest
    paid period) in PASSENGER TRANSPORTATION (the longest sector name), and a renewal still Pending elsewhere."""
    person = person_make()
    now = timezone.now()
    registration = registration_make(person=person, sector="passenger-transportation")
    first_at = now - timedelta(days=100)
    first = contribution_make(registration=registration, months=3, created_at=first_at, state=Contribution.State.PAID,
                              start_at=first_at, end_at=first_at + timedelta(days=90), paid_at=first_at)
    payment_make(contribution=first, at=first_at)
    renewal_at = first_at + timedelta(days=80)
    renewal = contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, months=6,
                                created_at=renewal_at, state=Contribution.State.PAID,
                                start_at=first_at + timedelta(days=91), end_at=first_at + timedelta(days=270),
                                paid_at=renewal_at)
    payment_make(contribution=renewal, at=renewal_at)
    other = registration_make(person=person, sector="information-technology")
    unpaid = contribution_make(registration=other, months=12, created_at=now - timedelta(minutes=5))
    payment_make(contribution=unpaid, at=now - timedelta(minutes=4), status=Payment.Status.PENDING)
    return person


def _open_history(page, person, language: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page_sign_in(page, person.user)
    page.goto(page.base_url + "/self-employed/contributions/")
    if language != "en":
        language_choose(page, language)
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("language", ["en", "ms"])
def test_at_1280_px_every_column_fits_and_rows_are_compact(page, history_person, language):
    words = WORDS[language]
    _open_history(page, history_person, language, 1280)
    table = page.locator("table[data-contribution-history]")
    expect(table.get_by_role("columnheader", name=words["payment"])).to_be_visible()
    expect(table.get_by_role("columnheader", name=words["action"])).to_be_visible()
    expect(table.get_by_role("link", name=words["view"], exact=True).first).to_be_visible()
    expect(table.get_by_role("link", name=words["receipt"]).first).to_be_visible()
    expect(table.get_by_role("link", name=words["renew"])).to_be_visible()
    geometry = page.evaluate("""() => {
        const table = document.querySelector('table[data-contribution-history]');
        const wrap = table.parentElement;
        const main = document.querySelector('main') || document.body;
        const cells = [...table.querySelectorAll('th, td')].map(c => c.getBoundingClientRect());
        const rows = [...table.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height);
        return {
            wrapScroll: wrap.scrollWidth - wrap.clientWidth,
            pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            rightmost: Math.max(...cells.map(r => r.right)),
            mainRight: main.getBoundingClientRect().right,
            viewport: window.innerWidth,
            tallest: Math.max(...rows),
        };
    }""")
    assert geometry["wrapScroll"] <= 1, geometry  # no horizontal scrolling inside the table's box
    assert geometry["pageScroll"] <= 1, geometry
    assert geometry["rightmost"] <= min(geometry["mainRight"], geometry["viewport"]) + 1, geometry
    assert geometry["tallest"] <= 92, geometry  # compact: at most three lines (the three action links)


@pytest.mark.parametrize("language", ["en", "ms"])
def test_on_a_phone_the_rows_are_cards_before_the_legends(page, history_person, language):
    words = WORDS[language]
    _open_history(page, history_person, language, 360)
    first_row = page.locator("table[data-contribution-history] tbody tr").first
    expect(first_row).to_be_visible()
    legend = page.locator("[data-legends]")
    expect(legend.get_by_role("heading", name=words["legend"])).to_be_visible()
    layout = page.evaluate("""() => {
        const row = document.querySelector('table[data-contribution-history] tbody tr');
        const legends = document.querySelector('[data-legends]');
        const cell = row.querySelector('td');
        return {
            rowTop: row.getBoundingClientRect().top,
            legendTop: legends.getBoundingClientRect().top,
            rowDisplay: getComputedStyle(row).display,
            label: getComputedStyle(cell, '::before').content,
            pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        };
    }""")
    assert layout["rowTop"] < layout["legendTop"], layout
    assert layout["rowDisplay"] == "block", layout  # a card, not a table row
    assert layout["label"].strip('"'), layout  # each value under its column's name
    assert layout["pageScroll"] <= 1, layout
    expect(first_row.get_by_role("link", name=words["view"], exact=True)).to_be_visible()

"""The benefits calculator: rules to the sen (matrix/pages/benefits.py), the plans in force from the reference
data, and the GET form that works without JavaScript."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from matrix.pages.benefits import permanent_disablement_monthly, plan_benefits, temporary_disablement_daily
from matrix.pages.selectors import plans_in_force
from matrix.reference.models import Plan

# Plan, insured monthly earnings, daily temporary disablement (80% / 30), monthly permanent disablement (90%),
# monthly and annual contribution (DESIGN.md: Plan 2 = RM41.33 a day, Plan 4 = RM105.33 a day).
TABLE = [
    (1, "1050.00", "28.00", "945.00", "13.10", "157.20"),
    (2, "1550.00", "41.33", "1395.00", "19.40", "232.80"),
    (3, "2950.00", "78.67", "2655.00", "36.90", "442.80"),
    (4, "3950.00", "105.33", "3555.00", "49.40", "592.80"),
]


@pytest.mark.parametrize(("number", "earnings", "daily", "permanent", "monthly", "annual"), TABLE)
def test_each_plan_to_the_sen(number, earnings, daily, permanent, monthly, annual):
    plan = SimpleNamespace(number=number, insured_monthly_earnings=Decimal(earnings),
                           monthly_contribution=Decimal(monthly))
    shown = plan_benefits(plan)
    assert shown.temporary_disablement_daily == Decimal(daily)
    assert shown.permanent_disablement_monthly == shown.dependants_monthly == Decimal(permanent)
    assert shown.annual_contribution == Decimal(annual)
    assert str(shown.temporary_disablement_daily) == daily  # two places, never a float's digits


def test_rounding_is_half_up_to_the_sen():
    assert temporary_disablement_daily(Decimal("2950")) == Decimal("78.67")  # 78.666...
    assert temporary_disablement_daily(Decimal("1000.10")) == Decimal("26.67")  # 26.6693...
    assert temporary_disablement_daily(Decimal("3.75")) == Decimal("0.10")  # 0.1 exactly
    assert temporary_disablement_daily(Decimal("0.1875")) == Decimal("0.01")  # 0.005 -> half up
    assert permanent_disablement_monthly(Decimal("0.05")) == Decimal("0.05")  # 0.045 -> half up


@pytest.mark.django_db
def test_plans_in_force_follow_the_reference_data_not_the_code():
    today = date(2026, 12, 2)
    assert [(p.number, str(p.monthly_contribution)) for p in plans_in_force(today=today)] == [
        (1, "13.10"), (2, "19.40"), (3, "36.90"), (4, "49.40")]
    plan = Plan.objects.get(number=2)
    plan.effective_to = date(2026, 12, 31)
    plan.save(update_fields=["effective_to"])
    Plan.objects.create(number=2, insured_monthly_earnings=Decimal("1650"), monthly_contribution=Decimal("20.65"),
                        effective_from=date(2027, 1, 1))
    assert plans_in_force(today=today)[1].monthly_contribution == Decimal("19.40")
    new = plans_in_force(today=date(2027, 1, 1))[1]
    assert (new.monthly_contribution, new.annual_contribution, new.temporary_disablement_daily) == (
        Decimal("20.65"), Decimal("247.80"), Decimal("44.00"))


@pytest.mark.django_db
class TestTheCalculatorPage:
    def test_without_a_choice_all_four_plans_are_compared(self, client):
        body = client.get(reverse("pages:benefits")).content.decode()
        for number, _e, daily, permanent, monthly, annual in TABLE:
            assert f'class="card" data-plan-row="{number}">' in body  # no plan hidden
        assert "RM 41.33" in body and "RM 105.33" in body and "RM 3,555.00" in body and "RM 592.80" in body
        assert 'value="all" id="id_plan_0" checked' in body

    def test_a_chosen_plan_shows_its_figures_in_plain_words_and_hides_the_others(self, client):
        response = client.get(reverse("pages:benefits"), {"plan": "2"})
        body = response.content.decode()
        assert response.status_code == 200
        assert 'class="card" data-plan-row="2">' in body
        assert 'class="card hidden" data-plan-row="1" hidden' in body
        assert 'class="card hidden" data-plan-row="4" hidden' in body
        assert ('With Plan 2 you pay RM 19.40 a month (RM 232.80 a year). If an injury at work keeps you on medical '
                "leave for at least 4 days, you receive RM 41.33 for each day.") in body
        assert 'class="notice" data-plan-summary="2">' in body
        assert 'class="notice hidden" data-plan-summary="3" hidden' in body

    def test_in_malay(self, client):
        client.post(reverse("set_language"), {"language": "ms", "next": "/"})
        body = client.get(reverse("pages:benefits"), {"plan": "4"}).content.decode()
        assert "Dengan Pelan 4 anda membayar RM 49.40 sebulan (RM 592.80 setahun)" in body
        assert "Kalkulator faedah" in body

    @pytest.mark.parametrize("bad", ["9", "x", "", "2.0"])
    def test_a_choice_that_is_not_a_plan_says_so_and_compares_all(self, client, bad):
        response = client.get(reverse("pages:benefits"), {"plan": bad})
        body = response.content.decode()
        assert response.status_code == 400
        assert "There is a problem" in body and "Choose one of the plans, or compare all plans." in body
        assert all(f'class="card" data-plan-row="{n}">' in body for n in (1, 2, 3, 4))

    def test_the_script_is_a_static_file_no_inline_script(self, client):
        body = client.get(reverse("pages:benefits")).content.decode()
        assert '<script src="/static/pages/benefits.js" defer></script>' in body
        assert "<script>" not in body

"""Benefits of the scheme for a plan (DESIGN.md "Benefits"), from the plan's insured monthly earnings, exact to the
sen. The rates are the Act's (Act 789, Second Schedule), not the contribution table's: the contribution table
itself is reference data with effective dates (matrix.reference.Plan) and is never derived from a percentage.

- Temporary disablement benefit: 80% of the insured monthly earnings divided by 30, per day of medical leave of
  at least 4 days (Plan 2: RM1,550 x 80% / 30 = RM41.33).
- Permanent disablement benefit and dependants' benefit: 90% of the insured monthly earnings, per month.

Amounts are rounded to the sen, half up (RM78.666... -> RM78.67).
"""

from dataclasses import dataclass
from decimal import Decimal

from matrix.core.money import money

TEMPORARY_DISABLEMENT_RATE = Decimal("0.80")
DAYS_PER_MONTH = 30
PERMANENT_DISABLEMENT_RATE = Decimal("0.90")
MIN_MEDICAL_LEAVE_DAYS = 4
MONTHS_PER_YEAR = 12


def temporary_disablement_daily(insured_monthly_earnings: Decimal) -> Decimal:
    """Temporary disablement benefit per day of certified medical leave (at least 4 days)."""
    return money(money(insured_monthly_earnings) * TEMPORARY_DISABLEMENT_RATE / DAYS_PER_MONTH)


def permanent_disablement_monthly(insured_monthly_earnings: Decimal) -> Decimal:
    """Permanent disablement benefit (and dependants' benefit) per month."""
    return money(money(insured_monthly_earnings) * PERMANENT_DISABLEMENT_RATE)


@dataclass(frozen=True)
class PlanBenefits:
    """One plan in force: what it costs and what it pays."""

    number: int
    insured_monthly_earnings: Decimal
    monthly_contribution: Decimal
    annual_contribution: Decimal
    temporary_disablement_daily: Decimal
    permanent_disablement_monthly: Decimal
    dependants_monthly: Decimal


def plan_benefits(plan) -> PlanBenefits:
    """`plan`: a matrix.reference.models.Plan (or anything with number, insured_monthly_earnings and
    monthly_contribution)."""
    earnings = money(plan.insured_monthly_earnings)
    monthly = money(plan.monthly_contribution)
    permanent = permanent_disablement_monthly(earnings)
    return PlanBenefits(
        number=plan.number,
        insured_monthly_earnings=earnings,
        monthly_contribution=monthly,
        annual_contribution=money(monthly * MONTHS_PER_YEAR),
        temporary_disablement_daily=temporary_disablement_daily(earnings),
        permanent_disablement_monthly=permanent,
        dependants_monthly=permanent,
    )

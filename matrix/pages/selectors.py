"""Reads for the public pages. A content page in the reader's language falls back to English where the Malay
text is empty, and to the starting texts (defaults.py) when the page has no row at all, so Terms & Conditions
never goes missing. The plans with their benefits, the coverage check and the signed-in person's cover at a
glance read the contributions and registrations through their own selectors and matrix.core.coverage."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from matrix.contributions.models import Contribution
from matrix.core.coverage import covered_at
from matrix.pages.benefits import PlanBenefits, plan_benefits
from matrix.pages.defaults import DEFAULT_PAGES
from matrix.pages.models import ContentPage
from matrix.pages.rendering import content_render
from matrix.reference.models import Plan, Sector
from matrix.registrations.selectors import CoverState, SectorCover, sector_covers


@dataclass(frozen=True)
class ShownPage:
    slug: str
    title: str
    body: SafeString
    language: str  # the language of the text shown: "ms" or "en"


def content_page_get(*, slug: str) -> ContentPage:
    page = ContentPage.objects.filter(slug=slug).first()
    return page if page is not None else ContentPage(slug=slug, **DEFAULT_PAGES[slug])


def content_page_shown(*, slug: str, language: str | None = None) -> ShownPage:
    page = content_page_get(slug=slug)
    malay = (language or get_language() or "en").startswith("ms")
    if malay and page.body_ms.strip():
        return ShownPage(slug, page.title_ms or page.title_en, content_render(page.body_ms), "ms")
    return ShownPage(slug, page.title_ms if malay and page.title_ms else page.title_en,
                     content_render(page.body_en), "en")


# Plans and benefits ------------------------------------------------------------------------------------------


def plans_in_force(*, today: date) -> list[PlanBenefits]:
    """The four plans in force on `today` (rates are reference data with effective dates), with their benefits,
    by plan number. One query."""
    return [plan_benefits(plan) for plan in Plan.objects.in_force(today).order_by("number")]


# Who must register -------------------------------------------------------------------------------------------

# Sectors in which registering and contributing is compulsory under Act 789 (the others may join voluntarily).
COMPULSORY_SECTOR_CODES = ("passenger-transportation", "goods-food-transport", "hawker")


def compulsory_sectors() -> list[Sector]:
    """The compulsory sectors as the reference data names them (in the reader's language through .name)."""
    return list(Sector.objects.filter(code__in=COMPULSORY_SECTOR_CODES).order_by("sort_order", "name_en"))


# Coverage check ----------------------------------------------------------------------------------------------


def coverage_check(*, id_number: str, sector: Sector, now: datetime | None = None) -> datetime | None:
    """The last second of the cover of identity number `id_number` (compact) in `sector` if it is covered at
    `now`, else None. A person without an account, without a registration in the sector, unpaid, lapsed or
    rejected: all None, through the same single query and the same comparison, so the answer (and its timing)
    does not tell whether the IC number has an account. Cover at `now` follows matrix.core.coverage.covered_at
    (start <= now < end + 1 s); paid periods of a sector that is covered now run on from each other, so the last
    of them ends the cover."""
    now = now or timezone.now()
    periods = list(
        Contribution.objects.filter(
            state=Contribution.State.PAID,
            registration__cancelled_at__isnull=True,
            registration__sector=sector,
            registration__person__user__id_number=id_number,
        ).values_list("start_at", "end_at")
    )
    covered = [covered_at(start=start, end=end, moment=now) for start, end in periods]
    if not any(covered):
        return None
    return max(end for _start, end in periods)


# Signed-in home ----------------------------------------------------------------------------------------------

RENEW_SOON_DAYS = 30


class NextStep:
    REGISTER = "register"
    PAY = "pay"
    RENEW = "renew"
    RENEW_SOON = "renew_soon"
    NONE = "none"


@dataclass(frozen=True)
class HomeCover:
    """The signed-in person's cover at a glance: each registered sector (covered until when, or not) and the one
    thing to do next."""

    covers: list[SectorCover]
    next_step: str
    next_cover: SectorCover | None  # the sector the next step is about


def home_cover(*, user, now: datetime | None = None) -> HomeCover:
    """Next step, most urgent first: pay a registration or renewal awaiting payment; renew a sector whose cover
    ended; renew a sector whose cover ends within RENEW_SOON_DAYS days; register a first sector. Two queries."""
    covers = sector_covers(user=user, now=now)
    if not covers:
        return HomeCover(covers=covers, next_step=NextStep.REGISTER, next_cover=None)
    for cover in covers:
        if cover.unpaid is not None and cover.state != CoverState.REJECTED:
            return HomeCover(covers=covers, next_step=NextStep.PAY, next_cover=cover)
    for cover in covers:
        if cover.state == CoverState.EXPIRED:
            return HomeCover(covers=covers, next_step=NextStep.RENEW, next_cover=cover)
    soon = [c for c in covers if c.state == CoverState.ACTIVE and c.days_left is not None
            and c.days_left < RENEW_SOON_DAYS]
    if soon:
        return HomeCover(covers=covers, next_step=NextStep.RENEW_SOON, next_cover=min(soon, key=lambda c: c.days_left))
    return HomeCover(covers=covers, next_step=NextStep.NONE, next_cover=None)

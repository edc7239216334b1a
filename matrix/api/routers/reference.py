"""Reference data: sectors with their classes and the documents each needs, plans in force, states, cities,
branches, banks (availability live from FPX), and the choices of the particulars."""

import logging

from ninja import Router

from matrix.api.schemas import BankOut, BranchOut, CityOut, ErrorOut, ParticularChoicesOut, PlanOut, SectorOut, StateOut
from matrix.api.tokens import api_session_for_access
from matrix.core.kltime import kl_now
from matrix.payments.fpx import client as fpx_client
from matrix.payments.fpx.exceptions import GatewayError
from matrix.reference.models import Bank, Branch, City, Nationality, Plan, Race, Sector, SelfEmployedStatus, State
from matrix.registrations.models import Document, Gender
from matrix.registrations.selectors import registered_sector_ids

logger = logging.getLogger(__name__)
router = Router(tags=["Reference data"])
ERRORS = {422: ErrorOut, 429: ErrorOut}


def _person(request):
    """Reference data is public; with a valid access token the sectors say which ones you registered."""
    scheme, _space, token = (request.headers.get("Authorization") or "").partition(" ")
    session = api_session_for_access(token=token.strip()) if scheme.lower() == "bearer" else None
    return session.user if session is not None else None


def plan_out(plan: Plan) -> dict:
    return {
        "id": plan.pk, "number": plan.number,
        "insured_monthly_earnings": f"{plan.insured_monthly_earnings:.2f}",
        "monthly_contribution": f"{plan.monthly_contribution:.2f}",
        "annual_contribution": f"{plan.annual_contribution:.2f}",
        "effective_from": plan.effective_from, "effective_to": plan.effective_to,
    }


@router.get("/sectors", response={200: list[SectorOut], **ERRORS},
            summary="Sectors, their classes and the documents each needs (with a token: which you registered)")
def sectors(request):
    today = kl_now().date()
    person = _person(request)
    registered = registered_sector_ids(user=person) if person is not None else None
    result = []
    for sector in Sector.objects.active().prefetch_related("classes").order_by("sort_order", "name_en"):
        documents = [
            {"field": "identification_card", "kind": Document.Kind.IDENTIFICATION_CARD,
             "name": str(Document.Kind.IDENTIFICATION_CARD.label), "required": True},
            {"field": "sector_document", "kind": sector.required_document,
             "name": str(Document.Kind(sector.required_document).label), "required": True},
            {"field": "other_document", "kind": Document.Kind.OTHER, "name": str(Document.Kind.OTHER.label),
             "required": False},
        ]
        result.append({
            "code": sector.code, "name": sector.name, "effective_from": sector.effective_from,
            "open": sector.is_open_on(today),
            "registered": (sector.pk in registered) if registered is not None else None,
            "classes": [{"id": c.pk, "name": c.name} for c in sorted(sector.classes.all(), key=lambda c: c.name_en)
                        if c.is_active],
            "documents": documents,
        })
    return result


@router.get("/plans", response={200: list[PlanOut], **ERRORS}, summary="Contribution plans in force today")
def plans(request):
    return [plan_out(plan) for plan in Plan.objects.in_force(kl_now().date()).order_by("number")]


@router.get("/states", response={200: list[StateOut], **ERRORS}, summary="States")
def states(request):
    return [{"id": s.pk, "code": s.code, "name": s.name} for s in State.objects.order_by("name")]


@router.get("/cities", response={200: list[CityOut], **ERRORS}, summary="Cities (of one state with ?state=KUL)")
def cities(request, state: str | None = None):
    queryset = City.objects.select_related("state").order_by("name")
    if state:
        queryset = queryset.filter(state__code=state[:3])
    return [{"id": c.pk, "name": c.name, "postcode": c.postcode, "state_code": c.state.code} for c in queryset]


@router.get("/branches", response={200: list[BranchOut], **ERRORS}, summary="PERKESO branches")
def branches(request):
    return [
        {"id": b.pk, "name": str(b), "state_code": b.state.code}
        for b in Branch.objects.active().select_related("state").order_by("name")
    ]


@router.get("/banks", response={200: list[BankOut], **ERRORS}, summary="FPX banks with their availability now")
def banks(request):
    """Availability comes from FPX's bank list (BE -> BC, cached for a minute); when FPX cannot be reached the
    banks are listed with `available: null`."""
    try:
        live = {bank.code: bank for bank in fpx_client.banklist_fetch()}
    except GatewayError as exc:
        logger.warning("FPX bank list unavailable for the API: %s", exc)
        live = None
    result = []
    for bank in Bank.objects.active().order_by("name"):
        option = live.get(bank.code) if live is not None else None
        result.append({"code": bank.code, "name": bank.name,
                       "available": (option.available if option is not None else False) if live is not None
                       else None})
    return result


@router.get("/particular-choices", response={200: ParticularChoicesOut, **ERRORS},
            summary="Choices of the registration's particulars (status, nationality, race, gender)")
def particular_choices(request):
    def named(model):
        return [{"id": row.pk, "name": row.name} for row in model.objects.all()]

    return {
        "statuses": named(SelfEmployedStatus), "nationalities": named(Nationality), "races": named(Race),
        "genders": [{"code": value, "name": str(label)} for value, label in Gender.choices],
    }

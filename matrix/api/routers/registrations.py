"""Registration of a sector (multipart, with the documents), the covers at a glance, renewal quotes and renewals.

Input is cleaned by the registration page's RegistrationForm (the same fields, uploads checked by content) and the
renewal page's RenewForm; the writes are registrations.services.registration_submit and
contributions.services.contribution_renew, which check the rules again."""

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File as FileParam
from ninja import Form, Query, Router, UploadedFile

from matrix.api.auth import access_token
from matrix.api.errors import Conflict, Invalid, NotFound, form_invalid
from matrix.api.idempotency import idempotent
from matrix.api.routers.contributions import contribution_out_for
from matrix.api.routers.reference import plan_out
from matrix.api.schemas import ContributionOut, CoverOut, ErrorOut, RenewalIn, RenewalQuoteOut, Schema
from matrix.contributions.forms import RenewForm
from matrix.contributions.models import Contribution
from matrix.contributions.selectors import registration_of, renewal_facts, renewal_plans
from matrix.contributions.services import (
    RENEWAL_FIRST_UNPAID,
    RENEWAL_REJECTED,
    RENEWAL_UNPAID_EXISTS,
    RenewalRefused,
    UnpaidRenewalExists,
    contribution_renew,
)
from matrix.core.kltime import kl, kl_now
from matrix.core.money import money_times
from matrix.reference.models import Sector
from matrix.registrations.forms import DRAFT_FILE_FIELDS, RegistrationForm, document_kind
from matrix.registrations.selectors import sector_covers
from matrix.registrations.services import (
    DocumentUpload,
    PersonDetails,
    RegistrationRefused,
    SectorAlreadyRegistered,
    registration_submit,
)

router = Router(tags=["Registrations, covers and renewals"], auth=access_token)
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class RegistrationIn(Schema):
    """The seed's form (SELF-EMPLOYED INFORMATION, SECTOR INFORMATION, CONTRIBUTION PAYMENT, ACKNOWLEDGMENT);
    New IC and Full Name come from the account. Ids are those of the reference endpoints."""

    sector: str
    sector_class: int
    status: int
    nationality: int
    race: int
    gender: str = ""
    address_line_1: str
    address_line_2: str = ""
    state: int
    city: int
    postcode: str
    house_phone: str
    mobile: str
    email: str
    branch: int
    plan: int
    months: int
    acknowledged: bool


class RegistrationCheckOut(Schema):
    sector_code: str
    amount_due: str
    months: int
    plan_number: int


def _registration_form(request, payload: RegistrationIn, files: dict):
    sector = Sector.objects.active().filter(code=payload.sector[:40]).first()
    if sector is None:
        raise Invalid(fields={"sector": [_("Select a sector.")]})
    data = payload.model_dump()
    data["acknowledged"] = "on" if payload.acknowledged else ""
    form = RegistrationForm(data, {name: upload for name, upload in files.items() if upload is not None},
                            user=request.user, sector=sector, today=kl_now().date())
    if not form.is_valid():
        raise form_invalid(form)
    return sector, form


@router.post("/registrations/check", response={200: RegistrationCheckOut, **ERRORS},
             summary="Check a registration (nothing is stored): the amount due, or what to correct")
@idempotent
def registration_check(request, payload: Form[RegistrationIn],
                       identification_card: FileParam[UploadedFile] = None,
                       sector_document: FileParam[UploadedFile] = None,
                       other_document: FileParam[UploadedFile] = None):
    files = {"identification_card": identification_card, "sector_document": sector_document,
             "other_document": other_document}
    sector, form = _registration_form(request, payload, files)
    cleaned = form.cleaned_data
    return {"sector_code": sector.code, "amount_due": f"{form.amount_due():.2f}", "months": cleaned["months"],
            "plan_number": cleaned["plan"].number}


@router.post("/registrations", response={201: ContributionOut, **ERRORS},
             summary="Submit a registration with its documents; answers its first contribution, to pay")
@idempotent
def registration_create(request, payload: Form[RegistrationIn],
                        identification_card: FileParam[UploadedFile] = None,
                        sector_document: FileParam[UploadedFile] = None,
                        other_document: FileParam[UploadedFile] = None):
    files = {"identification_card": identification_card, "sector_document": sector_document,
             "other_document": other_document}
    sector, form = _registration_form(request, payload, files)
    cleaned = form.cleaned_data
    details = PersonDetails(**{name: cleaned[name] for name in PersonDetails.__dataclass_fields__})
    uploads = [
        DocumentUpload(kind=document_kind(sector, name), content=File(files[name]),
                       original_name=form.checked_uploads[name].original_name,
                       content_type=form.checked_uploads[name].content_type, size=form.checked_uploads[name].size)
        for name in DRAFT_FILE_FIELDS if name in form.checked_uploads
    ]
    try:
        contribution = registration_submit(
            user=request.user, sector=sector, sector_class=cleaned["sector_class"], details=details,
            documents=uploads, plan=cleaned["plan"], months=cleaned["months"], acknowledged=cleaned["acknowledged"],
        )
    except SectorAlreadyRegistered as error:
        raise Conflict(error.message, code="sector_registered") from None
    except RegistrationRefused as error:
        raise Invalid(error.message, code="registration_refused") from None
    return 201, contribution_out_for(request.user, contribution.pk)


@router.get("/covers", response={200: list[CoverOut], **ERRORS}, summary="Cover at a glance, per registered sector")
def covers(request):
    return [
        {"registration_id": cover.registration.pk, "sector_code": cover.registration.sector.code,
         "sector": cover.registration.sector.name, "state": cover.state,
         "covered_until": kl(cover.covered_until) if cover.covered_until else None, "days_left": cover.days_left,
         "first_contribution_id": cover.first.pk if cover.first else None,
         "unpaid_contribution_id": cover.unpaid.pk if cover.unpaid else None}
        for cover in sector_covers(user=request.user)
    ]


class QuoteQuery(Schema):
    plan_id: int | None = None
    months: int = 12


def _renewable(request, registration_id: int):
    """The registration and its renewal facts, refused as the renewal page refuses."""
    registration = registration_of(user=request.user, pk=registration_id)
    facts = renewal_facts(registration=registration)
    if not facts.first_paid:
        message = (RENEWAL_REJECTED if facts.first is None or facts.first.state == Contribution.State.REJECTED
                   else RENEWAL_FIRST_UNPAID)
        raise Conflict(message, code="not_renewable")
    if facts.unpaid_renewal is not None:
        raise Conflict(RENEWAL_UNPAID_EXISTS, code="renewal_unpaid")
    return registration, facts


@router.get("/registrations/{registration_id}/renewal-quote", response={200: RenewalQuoteOut, **ERRORS},
            summary="The period and amount a renewal bought now would cover")
def renewal_quote(request, registration_id: int, query: Query[QuoteQuery]):
    registration, facts = _renewable(request, registration_id)
    now = timezone.now()
    plans = renewal_plans(facts=facts, now=now)
    default_plan = next((p.pk for p in plans if p.number == facts.locked_plan_number), plans[0].pk if plans else "")
    form = RenewForm({"plan": query.plan_id or default_plan, "months": query.months}, plans=plans)
    if not form.is_valid():
        raise form_invalid(form, names={"plan": "plan_id"})
    plan, months = form.cleaned_data["plan"], form.cleaned_data["months"]
    period = facts.period_if_paid_at(paid_at=now, months=months)
    until = facts.plan_lock_until
    return {
        "registration_id": registration.pk, "plan_locked": facts.plan_locked_on(now),
        "plan_locked_until": until if facts.plan_locked_on(now) else None,
        "plans": [plan_out(p) for p in plans], "plan_id": plan.pk, "months": months,
        "amount": f"{money_times(plan.monthly_contribution, months):.2f}",
        "period": {"start": kl(period.start), "end": kl(period.end)},
        "lapsed": facts.cover_ended_on(now),
    }


@router.post("/registrations/{registration_id}/renewals", response={201: ContributionOut, **ERRORS},
             summary="Renew a sector: a renewal contribution, to pay")
@idempotent
def renewal_create(request, registration_id: int, payload: RenewalIn):
    registration, facts = _renewable(request, registration_id)
    now = timezone.now()
    form = RenewForm({"plan": payload.plan_id, "months": payload.months},
                     plans=renewal_plans(facts=facts, now=now))
    if not form.is_valid():
        raise form_invalid(form, names={"plan": "plan_id"})
    try:
        contribution = contribution_renew(user=request.user, registration=registration,
                                          plan=form.cleaned_data["plan"], months=form.cleaned_data["months"], now=now)
    except UnpaidRenewalExists as error:
        raise Conflict(error.message, code="renewal_unpaid") from None
    except RenewalRefused as error:
        raise Invalid(error.message, code="renewal_refused") from None
    return 201, contribution_out_for(request.user, contribution.pk)


__all__ = ["router", "NotFound"]

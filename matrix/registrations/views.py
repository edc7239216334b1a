"""Self-employed home, dashboard, SELECT SECTOR, the registration form, check your answers, document download."""

from contextlib import ExitStack

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from matrix.contributions.bodies import page_render, rows_key
from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_now
from matrix.reference.models import Sector
from matrix.registrations import drafts, selectors
from matrix.registrations.forms import (
    DRAFT_FILE_FIELDS,
    RegistrationForm,
    SectorSelectForm,
    document_kind,
    plan_cards,
    registration_initial,
)
from matrix.registrations.models import Registration
from matrix.registrations.selectors import (
    document_for_download,
    person_of,
    sector_cover_rows,
    sector_covers,
    sector_options,
)
from matrix.registrations.services import (
    DocumentUpload,
    PersonDetails,
    RegistrationRefused,
    SectorAlreadyRegistered,
    registration_submit,
)
from matrix.registrations.uploads import document_response, upload_max_megabytes


def pay_now_url(contribution_id: int) -> str:
    """The payments app's PAY NOW page for a contribution awaiting payment."""
    return reverse("payments:pay_now", args=[contribution_id])


def contribution_next_url(contribution: Contribution) -> str:
    if contribution.state == Contribution.State.AWAITING_PAYMENT:
        return pay_now_url(contribution.pk)
    return reverse("contributions:detail", args=[contribution.pk])


def _existing_registration_redirect(registration: Registration | None):
    first = None
    if registration is not None:
        first = registration.contributions.filter(kind=Contribution.Kind.REGISTRATION).first()
    if first is None:
        return redirect("contributions:history")
    return redirect(contribution_next_url(first))


def _open_sector(code: str) -> Sector:
    return get_object_or_404(Sector.objects.active(), code=code, effective_from__lte=kl_now().date())


@login_required
@require_GET
def home(request):
    key = rows_key(user_id=request.user.pk, templates=("registrations/home.html",), parts=())
    return page_render(request, template="registrations/home.html", key=key, context=dict)


@login_required
@require_GET
def dashboard(request):
    rows = sector_cover_rows(user=request.user)
    covers = sector_covers(user=request.user, rows=rows)
    # Keyed by the rows and what the moment makes of them (each cover's state and days left), not by the covers:
    # their unsaved model instances carry defaults of their own (a creation time) that no page shows.
    key = rows_key(user_id=request.user.pk, templates=("registrations/dashboard.html",),
                   parts=(rows, [(cover.state, cover.days_left) for cover in covers]))
    return page_render(request, template="registrations/dashboard.html", key=key, context=lambda: {"covers": covers})


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    """SELECT SECTOR: sectors open today; the ones already registered are shown but cannot be chosen."""
    options = sector_options(user=request.user, today=kl_now().date())
    form = SectorSelectForm(request.POST if request.method == "POST" else None, options=options)
    if request.method == "POST" and form.is_valid():
        return redirect("registrations:register_form", sector_code=form.cleaned_data["sector"].code)
    return render(request, "registrations/register.html", {"form": form})


def _form_kwargs(request, sector, draft_files):
    return {"user": request.user, "sector": sector, "today": kl_now().date(), "draft_files": draft_files}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def register_form(request, sector_code: str):
    """The registration form. Answers and checked uploads are kept as a draft until Submit & Pay."""
    sector = _open_sector(sector_code)
    existing = selectors.registration_in_sector(user=request.user, sector=sector)
    if existing is not None:
        messages.error(request, _("You have already registered this sector. Same sector cannot be registered again."))
        return redirect("registrations:register")
    draft = drafts.draft_get(request.session, sector_code=sector.code)
    draft_files = draft["files"] if draft else {}
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES, **_form_kwargs(request, sector, draft_files))
        valid = form.is_valid()
        data = {
            name: request.POST.get(name, "")
            for name, field in form.fields.items()
            if name not in DRAFT_FILE_FIELDS and not field.disabled
        }
        uploads = {name: request.FILES[name] for name in DRAFT_FILE_FIELDS if name in request.FILES}
        drafts.draft_save(request.session, sector_code=sector.code, data=data, uploads=uploads,
                          checked=form.checked_uploads, complete=valid)
        if valid:
            return redirect("registrations:register_check", sector_code=sector.code)
        form.draft_files_apply(drafts.draft_files(request.session, sector_code=sector.code))
    else:
        if draft:
            initial = draft["data"]
        else:
            initial = registration_initial(user=request.user, person=person_of(user=request.user))
        form = RegistrationForm(initial=initial, **_form_kwargs(request, sector, draft_files))
    return render(request, "registrations/register_form.html", {
        "form": form, "sector": sector, "plans": plan_cards(form), "amount_due": form.amount_due(),
        "upload_max_mb": upload_max_megabytes(),
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def register_check(request, sector_code: str):
    """Check your answers, then Submit & Pay: the registration is stored and handed to the payment."""
    sector = _open_sector(sector_code)
    existing = selectors.registration_in_sector(user=request.user, sector=sector)
    if existing is not None:
        # A second Submit & Pay (double click, back button): go on with the registration already stored.
        drafts.draft_clear(request.session)
        return _existing_registration_redirect(existing)
    draft = drafts.draft_get(request.session, sector_code=sector.code)
    if draft is None or not draft["complete"]:
        return _form_unless_stored(request, sector)
    form = RegistrationForm(draft["data"], **_form_kwargs(request, sector, draft["files"]))
    if not form.is_valid():
        return _form_unless_stored(request, sector)
    cleaned = form.cleaned_data
    documents = [
        {"field": name, "kind": document_kind(sector, name), "label": form.fields[name].label, **draft["files"][name]}
        for name in DRAFT_FILE_FIELDS if name in draft["files"]
    ]
    if request.method == "POST":
        details = PersonDetails(**{name: cleaned[name] for name in PersonDetails.__dataclass_fields__})
        try:
            with ExitStack() as stack:
                uploads = [
                    DocumentUpload(
                        kind=document["kind"],
                        content=stack.enter_context(default_storage.open(document["storage_name"], "rb")),
                        original_name=document["original_name"],
                        content_type=document["content_type"],
                        size=document["size"],
                    )
                    for document in documents
                ]
                contribution = registration_submit(
                    user=request.user, sector=sector, sector_class=cleaned["sector_class"], details=details,
                    documents=uploads, plan=cleaned["plan"], months=cleaned["months"],
                    acknowledged=cleaned["acknowledged"],
                )
        except SectorAlreadyRegistered as exc:
            drafts.draft_clear(request.session)
            messages.info(request, exc.message)
            return _existing_registration_redirect(exc.registration)
        except FileNotFoundError:
            if selectors.registration_in_sector(user=request.user, sector=sector) is None:
                drafts.draft_clear(request.session)
                messages.error(request, _("Your uploaded files have expired. Please upload them again."))
            return _form_unless_stored(request, sector)
        except RegistrationRefused as exc:
            messages.error(request, exc.message)
            return redirect("registrations:register_form", sector_code=sector.code)
        drafts.draft_clear(request.session)
        return redirect(pay_now_url(contribution.pk))
    return render(request, "registrations/register_check.html", {
        "form": form, "sector": sector, "cleaned": cleaned, "documents": documents,
        "amount_due": form.amount_due(),
    })


def _form_unless_stored(request, sector):
    """Back to the form, unless the registration has been stored meanwhile: a Submit & Pay of the same answers in
    another tab of the same session won the race and cleared the draft and its files, so this one goes on to that
    registration, as a second Submit & Pay after it does."""
    existing = selectors.registration_in_sector(user=request.user, sector=sector)
    if existing is not None:
        drafts.draft_clear(request.session)
        return _existing_registration_redirect(existing)
    return redirect("registrations:register_form", sector_code=sector.code)


@login_required
@require_GET
def document_download(request, pk: int):
    """Stream an uploaded document to its owner (or permitted staff) as an attachment, from whichever storage
    holds it (local disk or S3): never a redirect to a storage URL."""
    return document_response(document_for_download(user=request.user, pk=pk))

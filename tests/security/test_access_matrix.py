"""The access matrix: EVERY URL pattern of the resolver (so pages other people add are walked too) × anonymous,
the owner, another person and each staff role. Owner data is never shown to another person (404) or to staff on a
person's page; person pages send anonymous visitors to the login; staff pages refuse people and roles below
theirs; pages of the embedded default that list everyone's data answer only locally or to staff; public pages
open. A pattern the matrix cannot classify fails `test_every_url_pattern_is_classified` with its name: add it to
the table below. Then CSRF: every view that accepts a form without a token is on a short, explained list, and a
POST without a token to every other URL is refused before the view runs."""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from matrix.backoffice.models import ROLE_RANK, Role
from matrix.contributions.models import Contribution
from matrix.payments.models import Payment
from matrix.registrations.models import Document
from tests.backoffice.conftest import make_staff, staff_client
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make
from tests.registrations.helpers import pdf_bytes

pytestmark = pytest.mark.django_db

PUBLIC, TOKEN, MACHINE, PERSON, OWNED, LOCAL_ONLY, STAFF, ADMIN, API = (
    "public", "token", "machine", "person", "owned", "local-only", "staff", "admin", "api")

# Every pattern outside the back office, the admin and the API, by URL name. OWNED pages name the owner's object
# each of their arguments stands for.
CLASSES = {
    "pages:home": PUBLIC, "pages:help": PUBLIC, "pages:faq": PUBLIC, "pages:terms": PUBLIC, "pages:contact": PUBLIC,
    "pages:benefits": PUBLIC, "pages:coverage_check": PUBLIC, "set_language": PUBLIC,
    "captcha-image": PUBLIC, "captcha-image-2x": PUBLIC, "captcha-audio": PUBLIC, "captcha-refresh": PUBLIC,
    "accounts:signup": PUBLIC, "accounts:signup_verify": PUBLIC, "accounts:signup_resend": PUBLIC,
    "accounts:signup_done": PUBLIC, "accounts:activate": PUBLIC, "accounts:activation_resend": PUBLIC,
    "accounts:login": PUBLIC, "accounts:login_password": PUBLIC, "accounts:login_code": PUBLIC,
    "accounts:logout": PUBLIC, "accounts:password_forgot": PUBLIC, "accounts:password_reset_code": PUBLIC,
    "accounts:password_reset": PUBLIC, "accounts:email_confirm_page": PUBLIC,
    "accounts:activate_link": TOKEN, "accounts:password_reset_link": TOKEN, "accounts:email_confirm": TOKEN,
    "fpx_simulator:bank_login": TOKEN, "fpx_simulator:bank_authorise": TOKEN,
    "favicon": PUBLIC, "healthz": MACHINE, "readyz": MACHINE, "metrics": MACHINE, "payments:fpx_direct": MACHINE,
    "payments:fpx_indirect": MACHINE, "notifications_gateway:sms_receipt": MACHINE,
    "fpx_simulator:banklist": MACHINE, "fpx_simulator:ar": MACHINE, "fpx_simulator:enquiry": MACHINE,
    "notifications:outbox": LOCAL_ONLY, "fpx_simulator:index": LOCAL_ONLY,
    "accounts:mode": PERSON, "accounts:session_extend": PERSON, "accounts:management": PERSON,
    "accounts:password_change": PERSON, "accounts:secret_phrase_change": PERSON, "accounts:email_change": PERSON,
    "accounts:mobile_change": PERSON, "accounts:mobile_verify": PERSON,
    "registrations:home": PERSON, "registrations:dashboard": PERSON, "registrations:register": PERSON,
    "registrations:register_form": PERSON, "registrations:register_check": PERSON,
    "contributions:history": PERSON, "contributions:renew": PERSON,
    "notifications_person:preferences": PERSON, "notifications_person:history": PERSON,
    "registrations:document_download": OWNED, "contributions:detail": OWNED, "contributions:cancel_confirm": OWNED,
    "contributions:cancel": OWNED, "contributions:renew_sector": OWNED, "payments:pay_now": OWNED,
    "payments:select_bank": OWNED, "payments:detail": OWNED, "payments:continue": OWNED, "payments:receipt": OWNED,
    # The link in a renewal reminder: a redirect to the sector's renewal page, which asks for the login.
    "notifications_person:renew": PUBLIC,
}
# What an argument of an OWNED page names: (view name or "*", argument) -> key of the owner's objects.
OWNED_ARGUMENTS = {
    ("registrations:document_download", "pk"): "document", ("contributions:detail", "pk"): "contribution",
    ("contributions:cancel_confirm", "pk"): "contribution", ("contributions:cancel", "pk"): "contribution",
    ("*", "registration_id"): "registration", ("*", "contribution_id"): "contribution",
    ("*", "payment_id"): "payment",
}
# Views that take a POST without a CSRF token, and why.
CSRF_EXEMPT = {
    "payments:fpx_direct": "FPX's host-to-host AC, verified by its RSA signature",
    "payments:fpx_indirect": "the bank's page posts the signed AC from FPX's site (cross-site by design)",
    "notifications_gateway:sms_receipt": "the SMS gateway's delivery receipts, authenticated by a shared secret",
    "fpx_simulator:banklist": "simulator: FPX's host-to-host BE, signed", "fpx_simulator:enquiry":
    "simulator: FPX's host-to-host AE, signed", "fpx_simulator:ar": "simulator: the merchant's page posts the "
    "signed AR cross-site, as to FPX", "readyz": "GET only", "healthz": "GET only", "metrics": "GET only",
}
DUMMY = {"token": "x" * 40, "sector_code": "information-technology", "slug": "nothing-here", "report": "nothing",
         "key": "0" * 40, "app_label": "accounts", "model_name": "user", "object_id": "999999", "url": "nothing"}


@dataclass(frozen=True)
class Route:
    name: str
    namespace: str
    template: str  # the full route with its arguments as {name}
    arguments: tuple[str, ...]
    view: object


def _routes() -> list[Route]:
    found: list[Route] = []

    def walk(resolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            route = str(entry.pattern)
            text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text).lstrip("^").rstrip("$").replace("\\", "")
            if isinstance(entry, URLResolver):
                inner = entry.namespace or ""
                walk(entry, prefix + text, f"{namespace}:{inner}".strip(":") if inner else namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}".strip(":") if entry.name else f"{namespace}:<{text}>"
                found.append(Route(name, namespace, "/" + prefix + text, tuple(re.findall(r"{(\w+)}", text)),
                                   entry.callback))

    walk(get_resolver(), "", "")
    return found


ROUTES = _routes()


def route_class(route: Route) -> str | None:
    top = route.namespace.split(":")[0]
    if top == "backoffice":
        return STAFF if getattr(route.view, "required_role", None) or getattr(route.view, "public", False) else None
    if top == "admin":
        return ADMIN
    if top == "api":
        return API
    return CLASSES.get(route.name)


def url_of(route: Route, owned: dict | None = None) -> str:
    values = {}
    for argument in route.arguments:
        key = OWNED_ARGUMENTS.get((route.name, argument)) or OWNED_ARGUMENTS.get(("*", argument))
        if owned is not None and key:
            values[argument] = owned[key]
        else:
            values[argument] = DUMMY.get(argument, "999999")
    url = route.template.format(**values)
    try:  # prefer the resolver's own spelling when the pattern is named
        if not route.name.split(":")[-1].startswith("<"):
            url = reverse(route.name, kwargs=values)
    except NoReverseMatch:
        pass
    return url


def by_class(kind: str) -> list[Route]:
    return [route for route in ROUTES if route_class(route) == kind]


def test_every_url_pattern_is_classified():
    unknown = [f"{route.name} ({route.template})" for route in ROUTES if route_class(route) is None]
    assert not unknown, "Classify these URL patterns in tests/security/test_access_matrix.py: " + ", ".join(unknown)


def test_the_walk_sees_every_part_of_the_portal():
    kinds = {route_class(route) for route in ROUTES}
    assert {PUBLIC, TOKEN, MACHINE, PERSON, OWNED, LOCAL_ONLY, STAFF, ADMIN} <= kinds
    assert len(ROUTES) > 150
    for route in by_class(OWNED):
        for argument in route.arguments:
            assert (route.name, argument) in OWNED_ARGUMENTS or ("*", argument) in OWNED_ARGUMENTS, route.name


@pytest.fixture
def actors(user, other_user):
    """Anonymous, the owner, another registered person, and a verified staff member of each role; all from an
    outside address."""
    remote = {"REMOTE_ADDR": "203.0.113.20"}
    owner, other = Client(**remote), Client(**remote)
    owner.force_login(user)
    other.force_login(other_user)
    registration_make(person=person_make(user=other_user), sector="agriculture")
    staff = {role: staff_client(make_staff(f"matrix-{role.lower()}", role), Client(**remote)) for role in Role}
    return {"anonymous": Client(**remote), "owner": owner, "other": other, **staff}


@pytest.fixture
def owned(user):
    registration = registration_make(person=person_make(user=user))
    first = contribution_make(registration=registration, created_at=timezone.now() - timedelta(days=1))
    payment = payment_make(contribution=first, at=timezone.now() - timedelta(hours=20))
    renewal = contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, months=3)
    document = Document(registration=registration, kind=Document.Kind.IDENTIFICATION_CARD, original_name="ic.pdf",
                        content_type="application/pdf", size=len(pdf_bytes()))
    document.file.save("upload", ContentFile(pdf_bytes()), save=False)
    document.save()
    return {"registration": registration.pk, "contribution": renewal.pk, "payment": payment.pk,
            "document": document.pk, "first": first.pk}


def _snapshot():
    return (list(Contribution.objects.order_by("pk").values_list("pk", "state")),
            list(Payment.objects.order_by("pk").values_list("pk", "status")),
            list(Document.objects.order_by("pk").values_list("pk", "file")))


def _refused_to_anonymous(client, url: str, login: str, name: str) -> list[str]:
    """Each method an anonymous visitor sends is refused: to the login (a JSON endpoint: 401), or 405 for a method
    the page never takes. Returns the methods the page takes."""
    taken = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code == 405:
            continue
        assert _to_login(response, login) or response.status_code == 401, (name, method, response.status_code)
        taken.append(method)
    assert taken, name
    return taken


def _to_login(response, login_url: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(login_url + "?next=")


def test_owned_pages(actors, owned):
    """The owner opens each; another person and every staff role get 404 (or the 405 everyone gets for a method
    the page does not take) and change nothing; anonymous visitors are sent to the login."""
    login = reverse(settings.LOGIN_URL)
    before = _snapshot()
    for route in by_class(OWNED):
        url = url_of(route, owned)
        assert resolve(url).url_name == route.name.split(":")[-1], url
        taken = _refused_to_anonymous(actors["anonymous"], url, login, route.name)
        for name in ("other", *Role):
            statuses = [getattr(actors[name], method)(url).status_code for method in ("get", "post")]
            assert set(statuses) <= {404, 405} and 404 in statuses, (route.name, name, statuses)
        if "get" in taken:
            response = actors["owner"].get(url)
            # 405: a page that only takes a POST (its GET is refused after the login check).
            assert response.status_code in (200, 302, 405) and not _to_login(response, login), (route.name, response)
    assert _snapshot() == before


def test_person_pages_refuse_anonymous_and_open_for_people(actors, owned):
    login = reverse(settings.LOGIN_URL)
    for route in by_class(PERSON):
        url = url_of(route)
        taken = _refused_to_anonymous(actors["anonymous"], url, login, route.name)
        if "get" in taken:
            response = actors["owner"].get(url)
            assert response.status_code < 500 and not _to_login(response, login), (route.name, response)
        for role in Role:  # a staff account is not a person: never a server error, never someone's data
            assert actors[role].get(url).status_code < 500, (route.name, role)


def test_staff_pages_refuse_people_and_lower_roles(actors):
    staff_login = reverse("backoffice:login")
    for route in by_class(STAFF):
        url = url_of(route)
        required = getattr(route.view, "required_role", None)
        if required is None:  # the sign-in pages themselves
            assert actors["anonymous"].get(url).status_code < 500, route.name
            continue
        response = actors["anonymous"].get(url)
        assert _to_login(response, staff_login), (route.name, response)
        for name in ("owner", "other"):
            assert actors[name].get(url).status_code == 403, (route.name, name)
        for role in Role:
            status = actors[role].get(url).status_code
            if ROLE_RANK[role] < ROLE_RANK[required]:
                assert status == 403, (route.name, role, status)
            else:
                assert status not in (302, 403) and status < 500, (route.name, role, status)


@pytest.mark.sqlite  # Django's own admin redirects: nothing here depends on the database engine
def test_admin_pages_open_for_no_one_but_a_verified_superuser(actors):
    for route in by_class(ADMIN):
        url = url_of(route)
        for name in ("anonymous", "owner", Role.ADMINISTRATOR):  # the highest staff role short of a superuser
            response = actors[name].get(url)
            assert response.status_code in (302, 404), (route.name, name, response.status_code)
            if response.status_code == 302:  # to a sign-in (the admin's sign-out: to the admin's front door)
                location = response["Location"]
                assert location.startswith(("/admin/login/", "/staff/login/")) or location == "/admin/", (
                    route.name, name, location)


def test_local_only_pages(actors):
    for route in by_class(LOCAL_ONLY):
        url = url_of(route)
        for name in ("anonymous", "owner", "other"):
            assert actors[name].get(url).status_code == 404, (route.name, name)
        assert actors[Role.OFFICER].get(url).status_code == 200, route.name
        assert Client().get(url).status_code == 200, route.name  # the machine itself


def test_public_token_and_machine_pages_open_without_a_server_error(actors):
    login = reverse(settings.LOGIN_URL)
    for route in by_class(PUBLIC) + by_class(TOKEN) + by_class(MACHINE):
        url = url_of(route)
        response = actors["anonymous"].get(url)
        assert response.status_code < 500 and not _to_login(response, login), (route.name, response.status_code)
        if route_class(route) == PUBLIC:
            assert response.status_code != 403, route.name
    assert actors["anonymous"].get(reverse("metrics")).status_code == 403  # no token, no figures


def test_api_paths_with_an_id_refuse_anonymous_visitors(actors):
    for route in by_class(API):
        response = actors["anonymous"].get(url_of(route))
        assert response.status_code < 500, (route.name, response.status_code)
        if route.arguments:
            assert response.status_code in (401, 404, 405), (route.name, response.status_code)


def test_only_the_listed_views_skip_csrf():
    for route in ROUTES:
        if route_class(route) == API:
            continue  # django-ninja checks CSRF for cookie sessions itself (tests/api)
        exempt = getattr(route.view, "csrf_exempt", False)
        assert not exempt or route.name in CSRF_EXEMPT, f"{route.name} accepts POSTs without a CSRF token"


def test_every_other_post_without_a_token_is_refused_before_the_view(user, owned, caplog):
    client = Client(enforce_csrf_checks=True)  # from the machine itself: the local-only pages answer too
    client.force_login(user)
    before = _snapshot()
    refused = 0
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        for route in ROUTES:
            if route_class(route) in (API, ADMIN) or getattr(route.view, "csrf_exempt", False):
                continue  # the admin's views are Django's own, protected alike (none is exempt: see above)
            caplog.clear()
            response = client.post(url_of(route, owned), {"confirm": "yes"})
            assert response.status_code == 403, (route.name, response.status_code)
            assert any("CSRF" in record.getMessage() for record in caplog.records), route.name
            refused += 1
    assert refused > 60
    assert _snapshot() == before

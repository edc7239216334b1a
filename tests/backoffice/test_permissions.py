"""Every /staff/ URL refuses anonymous people (→ staff sign-in), contributors and each role below the one it
needs (→ 403), and every refusal is audited. The URLs are read from the resolver, so pages added later are walked
too; each view declares its role through permissions.staff_required (view.required_role)."""

import uuid

import pytest
from django.urls import get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from matrix.backoffice.models import ROLE_RANK, AuditEvent, Role
from matrix.backoffice.permissions import ACCESS_REFUSED
from tests.backoffice.conftest import make_staff, staff_client
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def _dummy(converter):
    """A value of the right shape for each path converter (an id that names no row)."""
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=999999)
    if isinstance(converter, IntConverter):
        return 999999
    return "999999"


def _staff_patterns():
    resolver = get_resolver()
    namespace_resolver = resolver.namespace_dict["backoffice"][1]
    found = []
    for pattern in namespace_resolver.url_patterns:
        callback = pattern.callback
        kwargs = {name: _dummy(converter) for name, converter in pattern.pattern.converters.items()}
        url = reverse(f"backoffice:{pattern.name}", kwargs=kwargs)
        found.append((pattern.name, url, callback))
    return found


PATTERNS = _staff_patterns()
GUARDED = [(name, url, view) for name, url, view in PATTERNS if not getattr(view, "public", False)]


def test_every_staff_view_declares_a_role_or_is_public():
    for name, _url, view in PATTERNS:
        assert getattr(view, "public", False) or getattr(view, "required_role", None) in Role.values, name


def test_the_walk_covers_the_pages():
    names = {name for name, _url, _view in GUARDED}
    assert {"home", "person_search", "person_detail", "person_document", "staff_list", "audit_log"} <= names


def _refusals():
    return AuditEvent.objects.filter(action=ACCESS_REFUSED)


def _request(client, url):
    # GET and POST both: a view that only takes POST must refuse before it answers 405.
    return [client.get(url), client.post(url)]


@pytest.mark.parametrize(("name", "url", "view"), GUARDED, ids=[name for name, _u, _v in GUARDED])
def test_anonymous_is_sent_to_the_staff_sign_in_and_logged_not_audited(client, caplog, name, url, view):
    # Strangers must not be able to grow the append-only audit table: their refusals go to the security log.
    with caplog.at_level("INFO", logger="matrix.security"):
        for response in _request(client, url):
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("backoffice:login") + "?next=")
    assert not _refusals().exists()
    logged = [record for record in caplog.records if record.name == "matrix.security"]
    assert len(logged) == 2 and logged[0].path == url and logged[0].view == view.__name__


@pytest.mark.parametrize(("name", "url", "view"), GUARDED, ids=[name for name, _u, _v in GUARDED])
def test_a_contributor_is_refused_and_audited(client, name, url, view):
    contributor = user_make(is_active=True)
    client.force_login(contributor)
    for response in _request(client, url):
        assert response.status_code == 403, name
    refusals = _refusals().filter(path=url, actor=contributor)
    assert refusals.count() == 2
    assert refusals.first().details["reason"] == "not_staff"


@pytest.mark.parametrize(("name", "url", "view"), GUARDED, ids=[name for name, _u, _v in GUARDED])
def test_each_role_below_the_required_one_is_refused_and_audited(name, url, view):
    required = ROLE_RANK[Role(view.required_role)]
    lower = [role for role, rank in ROLE_RANK.items() if rank < required]
    for role in lower:
        member = make_staff(f"low-{role.lower()}", role)
        client = staff_client(member)
        for response in _request(client, url):
            assert response.status_code == 403, (name, role)
        refusals = _refusals().filter(path=url, actor=member.user)
        assert refusals.count() == 2
        assert refusals.first().details == {
            "required_role": view.required_role, "view": view.__name__, "reason": "role_too_low",
        }


@pytest.mark.parametrize(("name", "url", "view"), GUARDED, ids=[name for name, _u, _v in GUARDED])
def test_staff_without_a_verified_code_is_refused(client, name, url, view):
    member = make_staff("half-signed-in", Role.ADMINISTRATOR)
    client.force_login(member.user)  # password only: no TOTP step
    assert client.get(url).status_code == 403
    assert _refusals().get(path=url, actor=member.user).details["reason"] == "second_factor_missing"


def test_a_deactivated_staff_member_is_refused_at_once(administrator):
    client = staff_client(administrator)
    assert client.get(reverse("backoffice:home")).status_code == 200
    administrator.is_active = False
    administrator.deactivated_at = administrator.created_at
    administrator.save()
    assert client.get(reverse("backoffice:home")).status_code == 403

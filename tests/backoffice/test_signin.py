"""Staff sign-in: username + password, then TOTP (or enrolment on the first sign-in); contributors and staff
cannot use each other's entrance; django-axes lockout on username + IP; the Django admin needs a verified
superuser."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from matrix.backoffice.models import AuditEvent, Role
from tests.backoffice.conftest import PASSWORD, current_code, make_staff, staff_client
from tests.factories import PASSWORD as CONTRIBUTOR_PASSWORD
from tests.factories import user_make

pytestmark = pytest.mark.django_db
LOGIN = reverse("backoffice:login")


def _password_step(client, username, password=PASSWORD, follow=False):
    return client.post(LOGIN, {"username": username, "password": password}, follow=follow)


def _code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_password_then_code_signs_in_with_a_verified_second_factor(client, officer):
    response = _password_step(client, "officer1")
    assert response["Location"] == reverse("backoffice:signin_totp")
    # Not signed in yet: the staff pages still refuse.
    assert client.get(reverse("backoffice:home")).status_code == 302
    response = client.post(reverse("backoffice:signin_totp"), {"token": current_code(officer)})
    assert response["Location"] == reverse("backoffice:home")
    home = client.get(reverse("backoffice:home"))
    assert home.status_code == 200
    assert home.wsgi_request.user.is_verified()
    assert AuditEvent.objects.filter(action="staff.signin", actor=officer.user).exists()


def test_a_wrong_code_does_not_sign_in(client, officer):
    _password_step(client, "officer1")
    good = int(current_code(officer))
    response = client.post(reverse("backoffice:signin_totp"), {"token": f"{(good + 1) % 1000000:06d}"})
    assert response.status_code == 200
    assert "The code is not correct" in response.content.decode()
    assert client.get(reverse("backoffice:home")).status_code == 302
    assert AuditEvent.objects.get(action="staff.signin.totp").details == {"ok": False}


def test_the_password_step_keeps_the_next_page(client, officer):
    target = reverse("backoffice:person_search")
    client.post(f"{LOGIN}?next={target}", {"username": "officer1", "password": PASSWORD})
    response = client.post(reverse("backoffice:signin_totp"), {"token": current_code(officer)})
    assert response["Location"] == target


def test_first_sign_in_enrols_the_authenticator_app(client):
    member = make_staff("newcomer", Role.OFFICER, enrolled=False)
    response = _password_step(client, "newcomer")
    assert response["Location"] == reverse("backoffice:signin_enrol")
    page = client.get(reverse("backoffice:signin_enrol"))
    text = page.content.decode()
    assert "otpauth://totp/" in text and "newcomer" in text
    assert "<svg" in text and "<title>QR code</title>" in text  # the QR code an authenticator app scans
    device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    # The same secret on every visit until it is confirmed.
    client.get(reverse("backoffice:signin_enrol"))
    assert TOTPDevice.objects.filter(user=member.user).count() == 1
    response = client.post(reverse("backoffice:signin_enrol"), {"token": _code_for(device)})
    assert response["Location"] == reverse("backoffice:home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("backoffice:home")).status_code == 200


def test_the_code_pages_need_the_password_step_first(client, officer):
    assert client.get(reverse("backoffice:signin_totp"))["Location"] == LOGIN
    assert client.get(reverse("backoffice:signin_enrol"))["Location"] == LOGIN


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(client, officer):
    wrong = _password_step(client, "officer1", "not-the-password")
    unknown = _password_step(client, "nobody-here", PASSWORD)
    message = "The username or password is not correct."
    assert message in wrong.content.decode() and message in unknown.content.decode()


def test_the_staff_sign_in_refuses_a_contributor(client):
    contributor = user_make(is_active=True)
    response = _password_step(client, contributor.id_number, CONTRIBUTOR_PASSWORD)
    assert "The username or password is not correct." in response.content.decode()


def test_the_contributors_login_refuses_a_staff_account(client, officer):
    client.post(reverse("accounts:login"), {"id_number": "officer1"})
    response = client.post(reverse("accounts:login_password"), {"password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # Typed as stored (`staff:officer1`), the IC field refuses it: letters and digits only.
    response = client.post(reverse("accounts:login"), {"id_number": "staff:officer1"})
    assert response.status_code == 200
    assert "letters and digits only" in response.content.decode()


def test_a_deactivated_member_cannot_sign_in(client, officer, administrator):
    from matrix.backoffice.services import staff_deactivate

    staff_deactivate(member=officer, by=administrator.user)
    response = _password_step(client, "officer1")
    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_username_from_this_address(client, officer):
    for _attempt in range(3):
        _password_step(client, "officer1", "wrong-password-x")
    response = _password_step(client, "officer1")  # the right password, but locked
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    # Another address is not locked (the pair username + IP is).
    from django.test import Client

    other = Client(REMOTE_ADDR="10.9.8.7")
    assert _password_step(other, "officer1")["Location"] == reverse("backoffice:signin_totp")


@override_settings(BACKOFFICE_SIGNIN_PER_IP="2/h")
def test_the_sign_in_is_rate_limited_per_address(client, officer):
    _password_step(client, "nobody-1")
    _password_step(client, "nobody-2")
    response = _password_step(client, "officer1")
    assert "Too many requests" in response.content.decode()


def test_sign_out(officer):
    client = staff_client(officer)
    response = client.post(reverse("backoffice:logout"))
    assert response["Location"] == LOGIN
    assert client.get(reverse("backoffice:home")).status_code == 302


@override_settings(SESSION_IDLE_TIMEOUT_SECONDS=60)
def test_an_idle_staff_session_ends(officer, time_machine):
    time_machine.move_to("2026-03-01 10:00:00+08:00", tick=False)
    client = staff_client(officer)
    assert client.get(reverse("backoffice:home")).status_code == 200
    time_machine.move_to("2026-03-01 10:02:00+08:00", tick=False)
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:login")  # the staff sign-in, not the contributors' login
    assert "_auth_user_id" not in client.session


class TestDjangoAdmin:
    def test_a_verified_superuser_gets_in(self):
        member = make_staff("root", Role.ADMINISTRATOR, superuser=True)
        assert staff_client(member).get("/admin/").status_code == 200

    def test_a_superuser_without_the_second_factor_is_sent_to_the_staff_sign_in(self, client):
        member = make_staff("root", Role.ADMINISTRATOR, superuser=True)
        client.force_login(member.user)
        response = client.get("/admin/")
        assert response.status_code == 302
        follow = client.get(response["Location"])
        assert follow["Location"].startswith(LOGIN)

    def test_staff_who_are_not_superusers_stay_out(self, administrator):
        response = staff_client(administrator).get("/admin/")
        assert response.status_code == 302


def test_a_code_cannot_be_used_twice(officer):
    from django.test import Client

    code = current_code(officer)
    first, second = Client(), Client()
    _password_step(first, "officer1")
    _password_step(second, "officer1")
    assert first.post(reverse("backoffice:signin_totp"), {"token": code})["Location"] == reverse("backoffice:home")
    response = second.post(reverse("backoffice:signin_totp"), {"token": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in second.session

"""Staff sign-in: username and password (through django-axes, so failures lock the username + IP pair with the
contributors' limits), then a TOTP code from the staff member's authenticator app (django-otp). The first sign-in
enrols the app: an unconfirmed TOTP device is made, shown as a QR code / secret, and confirmed by a first code."""

from django.contrib.auth import authenticate
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import STAFF_ID_PREFIX, StaffMember
from matrix.backoffice.services.staff import staff_username_normalise

TOTP_DEVICE_NAME = "MATRIX staff"


def staff_signin_check(*, request, username: str, password: str) -> StaffMember | None:
    """The active staff member with this username and password, or None (same answer for every failure).

    `authenticate` counts a failure for django-axes under the credential `id_number` = `staff:<username>`; a
    contributor's IC never has that shape, and a contributor's account has no StaffMember row."""
    username = staff_username_normalise(username)
    user = authenticate(request=request, id_number=f"{STAFF_ID_PREFIX}{username}", password=password)
    member = None
    if user is not None:
        member = StaffMember.objects.select_related("user").filter(user=user, is_active=True).first()
    audit_record(
        request=request, actor=user if member else None, action="staff.signin.password",
        details={"username": username[:50], "ok": member is not None},
    )
    return member


def staff_totp_device_for_enrolment(*, member: StaffMember) -> TOTPDevice:
    """The staff member's unconfirmed device (made once; the same secret until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=member.user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=member.user, name=TOTP_DEVICE_NAME, confirmed=False)


def staff_confirmed_device(*, member: StaffMember) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=member.user, confirmed=True).order_by("pk").first()


def _token_ok(device: TOTPDevice, token: str) -> bool:
    token = (token or "").replace(" ", "")
    allowed, _data = device.verify_is_allowed()  # django-otp's throttling after failures
    return bool(allowed and token.isdigit() and device.verify_token(token))


@transaction.atomic
def staff_totp_confirm(*, request, member: StaffMember, device: TOTPDevice, token: str) -> bool:
    ok = _token_ok(device, token)
    if ok:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    audit_record(request=request, actor=member.user, action="staff.totp.enrol", target=device, details={"ok": ok})
    return ok


@transaction.atomic
def staff_totp_verify(*, request, member: StaffMember, token: str) -> TOTPDevice | None:
    device = staff_confirmed_device(member=member)
    ok = device is not None and _token_ok(device, token)
    audit_record(request=request, actor=member.user, action="staff.signin.totp", details={"ok": ok})
    return device if ok else None

"""The person's profile, preferences and message history."""

from ninja import Router

from matrix.accounts import selectors as account_selectors
from matrix.api.auth import access_token
from matrix.api.idempotency import idempotent
from matrix.api.models import ApiPreference
from matrix.api.schemas import ErrorOut, MessageOut, PreferencesIO, ProfileOut
from matrix.notifications.selectors import message_history
from matrix.registrations.selectors import person_of

router = Router(tags=["Profile and messages"], auth=access_token)
ERRORS = {401: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _choice(obj):
    return {"id": obj.pk, "name": getattr(obj, "name", str(obj))} if obj is not None else None


def particulars_out(person) -> dict | None:
    if person is None:
        return None
    return {
        "status": _choice(person.status), "nationality": _choice(person.nationality), "race": _choice(person.race),
        "gender": person.gender, "address_line_1": person.address_line_1, "address_line_2": person.address_line_2,
        "state": _choice(person.state), "city": _choice(person.city), "postcode": person.postcode,
        "house_phone": person.house_phone, "mobile": person.mobile, "email": person.email,
        "branch": _choice(person.branch),
    }


@router.get("/me", response={200: ProfileOut, **ERRORS}, summary="Profile: the account and remembered particulars")
def profile(request):
    user = request.user
    person = person_of(user=user)
    return {
        "id_type": user.id_type, "id_number": user.id_number, "full_name": user.full_name, "email": user.email,
        "mobile": user.mobile, "secret_phrase": user.secret_phrase,
        "last_login": account_selectors.last_login_display(user=user),
        "self_employed_code": person.self_employed_code if person else None,
        "particulars": particulars_out(person),
    }


@router.get("/me/preferences", response={200: PreferencesIO, **ERRORS}, summary="Preferences")
def preferences_get(request):
    preference = ApiPreference.objects.filter(user=request.user).first()
    return {"language": preference.language if preference else ApiPreference.Language.EN}


@router.post("/me/preferences", response={200: PreferencesIO, **ERRORS}, summary="Change preferences")
@idempotent
def preferences_set(request, payload: PreferencesIO):
    preference, _created = ApiPreference.objects.update_or_create(
        user=request.user, defaults={"language": payload.language}
    )
    return {"language": preference.language}


@router.get("/me/messages", response={200: list[MessageOut], **ERRORS}, summary="Message history (SMS and email)")
def messages(request):
    return [
        {"channel": m.channel, "recipient": m.recipient, "kind": m.kind, "subject": m.subject, "status": m.status,
         "created_at": m.created_at, "sent_at": m.sent_at, "receipt_at": m.receipt_at}
        for m in message_history(user=request.user)
    ]

"""One JSON shape for every refusal: `{"code": "...", "message": "...", "fields": {"name": ["..."]}}`.

`code` is for programs, `message` for the person, in the language of the request (Accept-Language en or ms, or
the account's API preference), `fields` holds the messages of each input that was refused (empty otherwise)."""

import math

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from matrix.core.errors import Refused


class ApiError(Exception):
    """A refusal the API answers as it is. Nothing was changed by the action that raised it."""

    status = 400
    code = "refused"
    default_message = gettext_lazy("The request was refused.")

    def __init__(self, message=None, *, code: str | None = None, status: int | None = None,
                 fields: dict | None = None, retry_after: int | None = None):
        self.message = message if message is not None else self.default_message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}
        self.retry_after = retry_after
        super().__init__(str(self.code))


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = gettext_lazy("Not found.")


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    default_message = gettext_lazy("Please log in: the access token is missing, expired or revoked.")


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Invalid(ApiError):
    status = 422
    code = "invalid"
    default_message = gettext_lazy("There is a problem with the data sent. Please check each field.")


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    default_message = gettext_lazy("Too many requests. Please try again later.")


def error_body(*, code: str, message, fields: dict | None = None) -> dict:
    return {
        "code": code,
        "message": str(message),
        "fields": {name: [str(item) for item in items] for name, items in (fields or {}).items()},
    }


def error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse(error_body(code=error.code, message=error.message, fields=error.fields),
                            status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(max(1, int(math.ceil(error.retry_after))))
    return response


def refused(error: Refused, *, code: str = "refused", status: int = 400) -> ApiError:
    """A service's refusal (message already in the person's language) as an API error."""
    return ApiError(error.message, code=code, status=status)


def form_fields(form, *, names: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A Django form's errors as `fields` (`__all__` becomes `non_field`), field names mapped by `names`."""
    names = names or {}
    return {
        ("non_field" if name == "__all__" else names.get(name, name)): [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


def form_invalid(form, *, names: dict[str, str] | None = None) -> Invalid:
    return Invalid(fields=form_fields(form, names=names))


_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "string_too_short": gettext_lazy("This value is too short."),
    "string_too_long": gettext_lazy("This value is too long."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
}


def _validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form",
                                                                               "file", "header", "payload")]
        name = ".".join(location) or "non_field"
        message = _PYDANTIC_MESSAGES.get(error.get("type", ""), gettext_lazy("Enter a valid value."))
        fields.setdefault(name, [])
        if str(message) not in fields[name]:
            fields[name].append(str(message))
    return fields


def handlers_install(api) -> None:
    """Every error the API can meet answers in the one shape."""

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError):
        return error_response(exc)

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError):
        return error_response(Invalid(fields=_validation_fields(exc.errors)))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
        response = error_response(Unauthorized())
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled):
        return error_response(RateLimited(retry_after=exc.wait if exc.wait is not None else 60))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404):
        return error_response(NotFound())

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError):
        if exc.status_code == 404:
            return error_response(NotFound())
        if exc.status_code == 400:  # django-ninja could not parse the body
            return error_response(Invalid(_PYDANTIC_MESSAGES["json_invalid"], code="invalid_json"))
        return error_response(ApiError(_("The request was refused."), status=exc.status_code, code="refused"))

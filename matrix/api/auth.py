"""Bearer authentication of the API: `Authorization: Bearer <access token>`. The request's user becomes the
session's account, and the answer's language falls back to the account's API preference when the request names
none (Accept-Language)."""

from django.utils import translation
from ninja.security import HttpBearer

from matrix.api.models import ApiPreference
from matrix.api.tokens import api_session_for_access


class AccessToken(HttpBearer):
    openapi_description = "The access token from POST /api/v1/auth/login/password (15 minutes; refresh it)."

    def authenticate(self, request, token):
        session = api_session_for_access(token=token)
        if session is None:
            return None
        request.user = session.user
        request.api_session = session
        if not request.META.get("HTTP_ACCEPT_LANGUAGE"):
            language = (
                ApiPreference.objects.filter(user_id=session.user_id).values_list("language", flat=True).first()
            )
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return session


access_token = AccessToken()

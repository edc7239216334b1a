"""The MATRIX JSON API, version 1, mounted at /api/v1/: OpenAPI at /api/v1/openapi.json, interactive docs at
/api/v1/docs (Swagger UI from django-ninja's bundled static files, no CDN). Routers per area in routers/."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from matrix.api.errors import handlers_install
from matrix.api.limits import ClientThrottle
from matrix.api.routers import auth, contributions, me, payments, reference, registrations

DESCRIPTION = """The JSON API of MATRIX for the mobile application and partners (Act 789, SKSPS).

- Log in with `POST /auth/login/ic` then `POST /auth/login/password`; send `Authorization: Bearer <access_token>`.
  Access tokens last 15 minutes; `POST /auth/token/refresh` gives new ones. Logout and a password change revoke them.
- Every POST accepts an `Idempotency-Key` header (1-255 characters): a repeat with the same key and body returns
  the first answer without acting again; the same key with another body is refused (422); keys last 24 hours.
- Every error is `{"code", "message", "fields"}`, the message in the language of `Accept-Language` (en or ms).
- Too many requests: 429 with `Retry-After`. Another person's ids answer 404.
"""


api = NinjaAPI(
    title="MATRIX API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=Swagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[ClientThrottle()],
)
handlers_install(api)
api.add_router("/auth", auth.router)
api.add_router("/", me.router)
api.add_router("/reference", reference.router)
api.add_router("/", registrations.router)
api.add_router("/", contributions.router)
api.add_router("/", payments.router)

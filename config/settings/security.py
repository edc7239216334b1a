"""Sessions, lockout, rate limits, CAPTCHA and Content Security Policy."""

import shutil

from csp.constants import NONE, SELF

from config.env import env, env_bool, env_int

# Sessions: end after inactivity; the page warns SESSION_WARNING_SECONDS before and offers to stay.
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 15 * 60)
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 2 * 60)
# The session's last-activity time is rewritten (a database or Redis write) at most this often; in between a
# signed cookie carries the exact time (matrix/accounts/middleware.py).
SESSION_ACTIVITY_GRANULARITY_SECONDS = env_int("SESSION_ACTIVITY_GRANULARITY_SECONDS", 60)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Readable by matrix.js, which sends it with the session-extend request (Django: no gain in hiding it; the token is
# in every form anyway). Secure and SameSite=Lax like the others.
CSRF_COOKIE_HTTPONLY = False
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# django-axes: lock the pair (IC number, IP address) after repeated failed passwords, never the IC alone,
# so that nobody can lock a victim out from elsewhere.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "id_number"
AXES_LOCKOUT_CALLABLE = "matrix.accounts.views.lockout_response"
AXES_ENABLE_ADMIN = True

RATELIMIT_USE_CACHE = "default"
# The public coverage check (matrix/pages): checks per client address, and per IC number from any address.
COVERAGE_CHECK_RATE_IP = env("COVERAGE_CHECK_RATE_IP", "30/h")
COVERAGE_CHECK_RATE_IC = env("COVERAGE_CHECK_RATE_IC", "10/h")

# django-simple-captcha: self-hosted image CAPTCHA with an audio alternative when flite is present.
CAPTCHA_TEST_MODE = env_bool("CAPTCHA_TEST_MODE", False)
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_FONT_SIZE = 36

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # The FPX AR is posted by the browser to FPX's host (or the simulator on this server).
        "form-action": [SELF, "https:"],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Behind a reverse proxy: the request header (as in request.META) that carries the client's address, e.g.
# HTTP_X_FORWARDED_FOR or HTTP_X_REAL_IP. Empty: REMOTE_ADDR. Used by the rate limits and the lockout.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER")
RATELIMIT_IP_META_KEY = "matrix.core.client_ip.client_ip"
AXES_CLIENT_IP_CALLABLE = "matrix.core.client_ip.client_ip"

# The CAPTCHA's audio alternative (WCAG): spoken by flite (Debian package `flite`) when it is installed.
CAPTCHA_FLITE_PATH = env("CAPTCHA_FLITE_PATH") or shutil.which("flite")

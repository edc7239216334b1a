"""`make run`: the embedded default (SQLite, tasks in-process, outbox, FPX simulator) served by gunicorn.

DEBUG is off, as in production: WhiteNoise serves the hashed, compressed files that `make run` collects into
STATIC_ROOT, and errors show the portal's own pages. `DEBUG=1 make run` gives Django's auto-reloading development
server instead, serving static files from the source folders.
"""

from config.django.base import *  # noqa: F403
from config.env import env_bool

DEBUG = env_bool("DEBUG", False)

if not DEBUG:
    STORAGES = {  # noqa: F405
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

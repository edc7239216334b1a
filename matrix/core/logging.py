"""Log lines that can be shipped anywhere: each carries the request id (also inside Celery tasks), and none
carries an IC number, a one-time code, a password or a token.

- `request_id` is a context variable set by matrix.core.middleware.RequestIdMiddleware for a request and by the
  Celery signals below for a task (the id travels in the task message's headers);
- `RequestIdFilter` copies it onto every record (`%(request_id)s`, or the `request_id` key of a JSON line);
- `PlainFormatter` and `JsonFormatter` redact the finished line, whatever put the secret there (the message,
  its arguments, `extra` fields or a traceback).
"""

import contextvars
import logging
import re
import uuid

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

REQUEST_ID_HEADER = "request_id"  # the Celery message header
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

REDACTED = "[redacted]"
SENSITIVE_NAMES = ("password", "passwd", "secret", "token", "otp", "id_number", "ic_number", "phrase",
                   "authorization", "csrftoken", "csrfmiddlewaretoken", "sessionid", "key", "cookie")
# A sensitive name, alone or as the last part of a longer one (new_password1, session_key, X-CSRFToken).
_NAME = rf"(?:[\w\-]*[_\-])?(?:{'|'.join(SENSITIVE_NAMES)})\w*"
_PATTERNS = [
    # JSON or dict fields: "password": "…" / 'otp': '123456' / "token": 123
    (re.compile(rf"""(["']{_NAME}["']\s*:\s*)(["'])(?:\\.|(?!\2).)*\2""", re.IGNORECASE), rf"\1\2{REDACTED}\2"),
    (re.compile(rf"""(["']{_NAME}["']\s*:\s*)(-?\d+)""", re.IGNORECASE), rf"\1{REDACTED}"),
    # name=value (query strings, form bodies, reprs, headers): token=abc, password: hunter2, Authorization: Bearer x
    (re.compile(rf"""(?<![\w\-])({_NAME})(\s*[=:]\s*)(?:Bearer\s+)?(?!\[redacted\])[^\s&,;"'}})\]\\]+""",
                re.IGNORECASE), rf"\1\2{REDACTED}"),
    # Tokens in URL paths (/accounts/activate/<token>/): a long segment of URL-safe characters.
    (re.compile(r"(?<=/)[A-Za-z0-9_\-]{32,}(?=[/?#\s\"']|$)"), REDACTED),
    # MyKad numbers, with or without dashes: 12 digits not part of a longer number.
    (re.compile(r"(?<![\d])\d{6}-?\d{2}-?\d{4}(?![\d])"), "[ic]"),
    # One-time codes: six digits standing alone in text.
    (re.compile(r"(?<![\w.\-/:])\d{6}(?![\w\-/:]|\.\d)"), "[code]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def request_id_new(incoming: str | None = None) -> str:
    """The incoming X-Request-ID when it is a sensible token, otherwise a new random id."""
    if incoming and _REQUEST_ID_SHAPE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_clear(**kwargs) -> None:
    """request_finished: lines logged between requests carry no request's id."""
    request_id.set("-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(_JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# --- Celery: carry the request id from the publisher to the task -------------------------------------------------


def celery_headers_add(headers: dict | None = None, **kwargs) -> None:
    """before_task_publish: put the current request id in the message's headers."""
    if headers is not None and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id.get()


_TASK_TOKENS: dict[str, contextvars.Token] = {}


def celery_task_started(task_id: str | None = None, task=None, **kwargs) -> None:
    """task_prerun: run the task under the request id it was published with (or a new one)."""
    incoming = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None) if task is not None else None
    if incoming is None and task is not None:
        incoming = (getattr(task.request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    if incoming is None and request_id.get() != "-":
        return  # an eager task inside a request keeps the request's id
    _TASK_TOKENS[task_id or ""] = request_id.set(request_id_new(incoming))


def celery_task_finished(task_id: str | None = None, **kwargs) -> None:
    """task_postrun: put back the id that was current before the task."""
    token = _TASK_TOKENS.pop(task_id or "", None)
    if token is not None:
        request_id.reset(token)

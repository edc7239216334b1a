"""HTTP transport to FPX (or the bundled simulator): BE -> BC and AE -> AC, host to host, with short timeouts.
The AR is not sent from here: the browser posts it (see `config.ar_url`)."""

import logging
import time

import requests
from django.core.cache import cache
from django.utils import timezone

from matrix.payments.fpx import config
from matrix.payments.fpx.exceptions import GatewayError, MessageRefused
from matrix.payments.fpx.messages import BankOption, bc_parse, be_build

logger = logging.getLogger(__name__)

TIMEOUT = (3.05, 15)  # (connect, read) seconds; the read timeout bounds each wait for a byte, not the answer
ANSWER_SECONDS = 30  # the whole answer: a host that trickles bytes within the read timeout is cut off here
ANSWER_MAX_BYTES = 64 * 1024  # FPX's answers are a few KB
CHUNK_BYTES = 8192
BANKLIST_CACHE_KEY = "payments:fpx:banklist"
BANKLIST_CACHE_SECONDS = 60
# When the fresh list has expired, one request asks FPX again (it holds the refresh key, at most one answer's
# time) while the others show the last verified list, if it is at most this old: a busy minute does not send every
# person's request to FPX at once, and a stale availability is never shown for long.
BANKLIST_LAST_KEY = "payments:fpx:banklist:last"
BANKLIST_LAST_SECONDS = 5 * 60
BANKLIST_REFRESH_KEY = "payments:fpx:banklist:refresh"


def _chunks(response):
    """The answer's bytes as they arrive: whatever the socket has (at most CHUNK_BYTES) at each read, so a
    trickling host is looked at byte by byte while a prompt one is read in one or two reads (reading one byte at
    a time cost ~7 ms of CPU for an answer of 1.5 KB). Doubles without a raw stream are read a byte at a time."""
    raw = getattr(response, "raw", None)
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(chunk_size=1)
        return
    while chunk := read1(CHUNK_BYTES):
        yield chunk


def _post(url: str, fields: dict[str, str]) -> str:
    """POST the urlencoded `fields`; the answer body as text. Any transport problem is a GatewayError, and so is
    an answer that takes longer than ANSWER_SECONDS in all or is larger than ANSWER_MAX_BYTES."""
    deadline = time.monotonic() + ANSWER_SECONDS
    try:
        with requests.post(
            url, data=fields, timeout=TIMEOUT, stream=True,
            headers={"Accept": "text/plain", "User-Agent": "MATRIX-FPX-client/1.0"},
        ) as response:
            if response.status_code != 200:
                raise GatewayError(f"FPX host answered HTTP {response.status_code}")
            content = bytearray()
            for chunk in _chunks(response):  # the deadline is checked as the bytes come
                content += chunk
                if len(content) > ANSWER_MAX_BYTES:
                    raise GatewayError(f"FPX host answered more than {ANSWER_MAX_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise GatewayError(f"FPX host took more than {ANSWER_SECONDS} s to answer")
    except requests.RequestException as exc:
        raise GatewayError(f"FPX host unreachable: {exc.__class__.__name__}") from exc
    try:
        return bytes(content).decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise GatewayError("FPX host answered a body that is not UTF-8") from exc


def _bank_names() -> dict[str, str]:
    from matrix.reference.models import Bank

    return dict(Bank.objects.values_list("code", "name"))


def banklist_fetch(*, use_cache: bool = True) -> list[BankOption]:
    """The banks FPX offers now (BE -> BC), verified; cached briefly because availability changes. While one
    request refreshes an expired list, the others get the last verified one (at most BANKLIST_LAST_SECONDS old)."""
    refreshing = False
    if use_cache:
        cached = cache.get(BANKLIST_CACHE_KEY)
        if cached is not None:
            return cached
        refreshing = cache.add(BANKLIST_REFRESH_KEY, 1, ANSWER_SECONDS + 5)
        if not refreshing:
            last = cache.get(BANKLIST_LAST_KEY)
            if last is not None:
                return last
    try:
        seller = config.seller()
        body = _post(config.banklist_url(), be_build(seller=seller, private_key=config.private_key()))
        try:
            banks = bc_parse(body, certificates=config.certificates(), now=timezone.now(),
                             seller_ex_id=seller.ex_id, names=_bank_names())
        except MessageRefused as exc:
            logger.warning("FPX bank list refused: %s", exc)
            raise GatewayError("FPX bank list could not be verified") from exc
        cache.set(BANKLIST_CACHE_KEY, banks, BANKLIST_CACHE_SECONDS)
        cache.set(BANKLIST_LAST_KEY, banks, BANKLIST_LAST_SECONDS)
        return banks
    finally:
        if refreshing:
            cache.delete(BANKLIST_REFRESH_KEY)


def enquiry_send(fields: dict[str, str]) -> str:
    """Send a signed AE; the raw urlencoded AC that answers it (verified by the caller, payment_settle)."""
    body = _post(config.enquiry_url(), fields)
    if not body:
        raise GatewayError("FPX answered the enquiry with an empty body")
    return body

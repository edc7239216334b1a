"""The FPX simulator: plays FPX and the buyer's bank with FPX's own message formats and signatures.

Read top to bottom, a payment goes: the seller's BE gets a signed BC (`bank_list_answer`); the browser posts the
seller's signed AR (`simulated_transaction_start`); the buyer decides at the bank (`simulated_transaction_decide`);
the simulator signs the AC (`ac_for`), sends it host-to-host to the merchant's direct URL from a background
thread after the bank's answer page has been served (`direct_ac_plan` + `direct_ac_start`, retrying until the
merchant answers `OK`), and the browser carries the same AC to the merchant's indirect URL. An AE gets the
transaction's current state in AC form (`enquiry_answer`).

Test hooks: `simulator_configure` (direct AC mode normal/delay/duplicate/reorder/drop, delay, copies, offline
banks), `simulated_transaction_configure` (the same for one transaction), `simulated_transaction_settle` (settle a
transaction left pending), `direct_ac_deliveries_join` (wait for the background deliveries), and
`direct_ac_hold` / `direct_ac_release` (keep direct ACs back until the test says so, so a test decides what the
merchant receives first by a condition, not by a delay)."""

import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.core.kltime import kl
from matrix.fpx_simulator import selectors
from matrix.fpx_simulator.models import (
    CODE_APPROVED,
    CODE_CANCELLED,
    CODE_INSUFFICIENT_FUNDS,
    CODE_NOT_FOUND,
    CODE_PENDING,
    DIRECT_AC_MODES,
    SimulatedTransaction,
)
from matrix.payments.fpx import checksum
from matrix.reference.models import Bank

logger = logging.getLogger(__name__)

DIRECT_AC_PATH = "/payments/fpx/direct/"
INDIRECT_AC_PATH = "/payments/fpx/indirect/"
MSG_TOKEN_B2C = "01"
AMOUNT_MIN = Decimal("1.00")
AMOUNT_MAX = Decimal("30000.00")
AMOUNT_RE = re.compile(r"^\d{1,5}\.\d{2}$")
SELLER_TXN_TIME_RE = re.compile(r"^\d{14}$")
CREDIT_AUTH_NO = "9999999999"
CONFIG_CACHE_KEY = "fpx_simulator:config"

# The buttons on the bank's page and the debitAuthCode each one produces.
OUTCOMES = {
    "approve": CODE_APPROVED,
    "insufficient_funds": CODE_INSUFFICIENT_FUNDS,
    "cancel": CODE_CANCELLED,
    "pending": CODE_PENDING,
}
SETTLE_CODE_RE = re.compile(r"^[0-9A-Z]{2}$")
NOT_FINAL_CODES = {"", CODE_PENDING, "99"}


class SimulatorError(Exception):
    """A test hook used wrongly (unknown mode, transaction already final...)."""


class MessageRefused(Exception):
    """A BE, AR or AE the simulator refuses, as FPX would (bad checksum, bad amount, unknown bank...)."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


# --- Configuration (settings, overridden at run time by the test hooks) -------------------------------------

@dataclass(frozen=True)
class SimulatorConfig:
    direct_ac_mode: str
    direct_ac_delay_seconds: float
    direct_ac_copies: int
    direct_ac_tries: int
    direct_ac_backoff_seconds: float
    offline_banks: frozenset[str]


def simulator_config() -> SimulatorConfig:
    overrides = cache.get(CONFIG_CACHE_KEY) or {}
    return SimulatorConfig(
        direct_ac_mode=overrides.get("mode", settings.FPX_SIMULATOR_DIRECT_AC_MODE),
        direct_ac_delay_seconds=float(overrides.get("delay", settings.FPX_SIMULATOR_DIRECT_AC_DELAY_SECONDS)),
        direct_ac_copies=int(overrides.get("copies", getattr(settings, "FPX_SIMULATOR_DIRECT_AC_COPIES", 2))),
        direct_ac_tries=int(getattr(settings, "FPX_SIMULATOR_DIRECT_AC_TRIES", 5)),
        direct_ac_backoff_seconds=float(getattr(settings, "FPX_SIMULATOR_DIRECT_AC_BACKOFF_SECONDS", 0.5)),
        offline_banks=frozenset(
            overrides.get("offline_banks", getattr(settings, "FPX_SIMULATOR_OFFLINE_BANKS", {"HSBC0223"}))
        ),
    )


def simulator_configure(
    *,
    mode: str | None = None,
    delay: float | None = None,
    copies: int | None = None,
    offline_banks: set[str] | None = None,
) -> SimulatorConfig:
    """Change how the simulator behaves from now on, without a restart (kept in the cache; `simulator_reset`
    or a cleared cache returns to the settings)."""
    if mode is not None and mode not in DIRECT_AC_MODES:
        raise SimulatorError(f"unknown direct AC mode {mode!r}; use one of {', '.join(DIRECT_AC_MODES)}")
    if copies is not None and copies < 1:
        raise SimulatorError("copies must be at least 1")
    overrides = dict(cache.get(CONFIG_CACHE_KEY) or {})
    for key, value in (("mode", mode), ("delay", delay), ("copies", copies)):
        if value is not None:
            overrides[key] = value
    if offline_banks is not None:
        overrides["offline_banks"] = sorted(offline_banks)
    cache.set(CONFIG_CACHE_KEY, overrides, timeout=None)
    return simulator_config()


def simulator_reset() -> None:
    cache.delete(CONFIG_CACHE_KEY)
    direct_ac_release()


# --- Keys -----------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _private_key(path: str, mtime: float) -> rsa.RSAPrivateKey:
    return checksum.load_private_key(path)


@lru_cache(maxsize=8)
def _certificates(path: str, mtime: float) -> tuple[x509.Certificate, ...]:
    return tuple(checksum.load_certificates([path]))


def simulator_private_key() -> rsa.RSAPrivateKey:
    """The simulator's signing key (it signs BC and AC, as FPX does)."""
    path = str(settings.FPX_SIMULATOR_PRIVATE_KEY_PATH)
    return _private_key(path, os.stat(path).st_mtime)


def seller_certificates() -> tuple[x509.Certificate, ...]:
    """The seller's certificate, which verifies the BE, AR and AE the merchant signs."""
    path = str(settings.FPX_SIMULATOR_SELLER_CERT_PATH)
    return _certificates(path, os.stat(path).st_mtime)


def simulator_sign(fields: dict[str, str], msg_type: str) -> dict[str, str]:
    """`fields` plus their fpx_checkSum, signed with the simulator's key in `msg_type`'s field order."""
    signed = dict(fields)
    signed[checksum.CHECKSUM_FIELD] = checksum.message_sign(fields, msg_type, simulator_private_key())
    return signed


# --- Incoming messages --------------------------------------------------------------------------------------

def fpx_fields(data: Mapping[str, str]) -> dict[str, str]:
    """The `fpx_*` values of a decoded form body."""
    return {key: str(data.get(key) or "") for key in data if key.startswith("fpx_")}


def _accepted_seller_ex_ids() -> set[str]:
    return set(getattr(settings, "FPX_SIMULATOR_SELLER_EX_IDS", None) or [settings.FPX_SELLER_EX_ID])


def _message_verify(fields: Mapping[str, str], msg_type: str) -> None:
    """Refuse a message that is not `msg_type`, not signed by the seller, or from an unknown seller."""
    if not checksum.message_verify(fields, msg_type, seller_certificates(), now=timezone.now()):
        raise MessageRefused(_("The message's checksum does not verify."))
    if fields.get("fpx_msgType") != msg_type:
        raise MessageRefused(_("The message type must be %(type)s.") % {"type": msg_type})
    if fields.get("fpx_sellerExId") not in _accepted_seller_ex_ids():
        raise MessageRefused(_("The seller exchange is not registered with FPX."))


# --- BE -> BC (bank list) -----------------------------------------------------------------------------------

def bank_list() -> str:
    """`CODE~A,CODE~B,...`: every active bank, B when it is offline."""
    offline = simulator_config().offline_banks
    return ",".join(f"{bank.code}~{'B' if bank.code in offline else 'A'}" for bank in Bank.objects.active())


def bank_list_answer(*, data: Mapping[str, str]) -> dict[str, str]:
    """The signed BC answering a seller's BE."""
    fields = fpx_fields(data)
    _message_verify(fields, "BE")
    return simulator_sign(
        {
            "fpx_bankList": bank_list(),
            "fpx_msgToken": fields.get("fpx_msgToken", MSG_TOKEN_B2C),
            "fpx_msgType": "BC",
            "fpx_sellerExId": fields["fpx_sellerExId"],
        },
        "BC",
    )


# --- AR: a new transaction ----------------------------------------------------------------------------------

def _ar_validate(fields: Mapping[str, str]) -> tuple[Decimal, Bank]:
    """The checks FPX makes on an AR (after its checksum): returns the amount and the buyer's bank."""
    if fields.get("fpx_msgToken") != MSG_TOKEN_B2C:
        raise MessageRefused(_("Only B2C payments (message token 01) are accepted."))
    for name, limit in (("sellerExOrderNo", 40), ("sellerOrderNo", 40), ("sellerId", 20)):
        value = fields.get(f"fpx_{name}", "")
        if not value or len(value) > limit:
            raise MessageRefused(_("The field fpx_%(name)s is missing or too long.") % {"name": name})
    for name, limit in (("buyerName", 140), ("buyerEmail", 254), ("productDesc", 100)):
        if len(fields.get(f"fpx_{name}", "")) > limit:
            raise MessageRefused(_("The field fpx_%(name)s is too long.") % {"name": name})
    if not SELLER_TXN_TIME_RE.match(fields.get("fpx_sellerTxnTime", "")):
        raise MessageRefused(_("The seller transaction time must be YYYYMMDDhhmmss."))
    if fields.get("fpx_txnCurrency") != "MYR":
        raise MessageRefused(_("The currency must be MYR."))
    text = fields.get("fpx_txnAmount", "")
    if not AMOUNT_RE.match(text) or not AMOUNT_MIN <= Decimal(text) <= AMOUNT_MAX:
        raise MessageRefused(_("The amount must be between 1.00 and 30000.00 with two decimals."))
    bank = Bank.objects.active().filter(code=fields.get("fpx_buyerBankId", "")).first()
    if bank is None:
        raise MessageRefused(_("The buyer's bank is not an FPX bank."))
    if bank.code in simulator_config().offline_banks:
        raise MessageRefused(_("%(bank)s is offline at the moment.") % {"bank": bank.name})
    return Decimal(text), bank


def fpx_txn_id_format(*, moment, sequence: int) -> str:
    """YYMMDDhhmmss (Kuala Lumpur time) + a 4-digit sequence: 16 digits, as FPX sends it."""
    if not 0 < sequence < 10_000:
        raise ValueError("FPX transaction sequence out of range")
    return f"{kl(moment).strftime('%y%m%d%H%M%S')}{sequence:04d}"


def _fpx_txn_id_next(moment, *, attempt: int) -> str:
    prefix = kl(moment).strftime("%y%m%d%H%M%S")
    taken = SimulatedTransaction.objects.filter(fpx_txn_id__startswith=prefix).count()
    return fpx_txn_id_format(moment=moment, sequence=taken + 1 + attempt)


@transaction.atomic
def simulated_transaction_start(*, data: Mapping[str, str], merchant_base_url: str) -> SimulatedTransaction:
    """Receive the browser's AR: verify and validate it, then record the transaction with its FPX transaction
    id. A refused AR raises MessageRefused and records nothing."""
    fields = fpx_fields(data)
    _message_verify(fields, "AR")
    amount, bank = _ar_validate(fields)
    ex_id, ex_order_no = fields["fpx_sellerExId"], fields["fpx_sellerExOrderNo"]
    if selectors.simulated_transaction_by_order(seller_ex_id=ex_id, seller_ex_order_no=ex_order_no):
        raise MessageRefused(_("This seller order has already been sent to FPX."))
    now = timezone.now()
    for attempt in range(20):
        try:
            with transaction.atomic():
                return SimulatedTransaction.objects.create(
                    seller_ex_id=ex_id,
                    seller_id=fields["fpx_sellerId"],
                    seller_ex_order_no=ex_order_no,
                    seller_order_no=fields["fpx_sellerOrderNo"],
                    seller_txn_time=fields["fpx_sellerTxnTime"],
                    amount=amount,
                    currency=fields["fpx_txnCurrency"],
                    bank=bank,
                    buyer_name=fields.get("fpx_buyerName", ""),
                    buyer_email=fields.get("fpx_buyerEmail", ""),
                    product_desc=fields.get("fpx_productDesc", ""),
                    fpx_txn_id=_fpx_txn_id_next(now, attempt=attempt),
                    fpx_txn_time=now,
                    merchant_base_url=merchant_base_url.rstrip("/"),
                    bank_token=secrets.token_urlsafe(24),
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            if selectors.simulated_transaction_by_order(seller_ex_id=ex_id, seller_ex_order_no=ex_order_no):
                raise MessageRefused(_("This seller order has already been sent to FPX.")) from None
    raise SimulatorError("could not allocate an FPX transaction id")


# --- The buyer's decision, and settling a pending transaction later ------------------------------------------

def _code_apply(txn: SimulatedTransaction, *, code: str, account_name: str) -> None:
    now = timezone.now()
    if code == CODE_APPROVED:
        txn.status = SimulatedTransaction.Status.APPROVED
        txn.debit_auth_no = f"{secrets.randbelow(10**8):08d}"
    elif code in NOT_FINAL_CODES:
        txn.status = SimulatedTransaction.Status.PENDING
    else:
        txn.status = SimulatedTransaction.Status.FAILED
    txn.debit_auth_code = code
    txn.buyer_account_name = account_name.upper()[:140]
    txn.decided_at = now if txn.status != SimulatedTransaction.Status.PENDING else None
    txn.updated_at = now
    txn.save(update_fields=["status", "debit_auth_code", "debit_auth_no", "buyer_account_name", "decided_at",
                            "updated_at"])


@transaction.atomic
def simulated_transaction_decide(
    *, transaction_id: int, outcome: str, account_name: str
) -> tuple[SimulatedTransaction, bool]:
    """Apply the button the buyer pressed at the bank. Returns the transaction and whether it changed (a final
    transaction never changes; pressing Leave Pending twice changes nothing the second time)."""
    if outcome not in OUTCOMES:
        raise SimulatorError(f"unknown outcome {outcome!r}")
    txn = SimulatedTransaction.objects.select_for_update(of=("self",)).select_related("bank").get(pk=transaction_id)
    code = OUTCOMES[outcome]
    if txn.is_final or txn.debit_auth_code == code:
        return txn, False
    _code_apply(txn, code=code, account_name=account_name)
    return txn, True


@transaction.atomic
def simulated_transaction_settle(
    *,
    code: str,
    fpx_txn_id: str | None = None,
    seller_ex_order_no: str | None = None,
    send_direct_ac: bool = False,
) -> SimulatedTransaction:
    """Test hook: settle a transaction still pending (e.g. left pending at the bank) with a final debitAuthCode
    (00 approved, 51, BC or any other failure code). From then on AE answers it; with `send_direct_ac` the
    simulator also sends the direct AC (after the commit), as FPX does when a pending payment settles."""
    if not SETTLE_CODE_RE.match(code) or code in NOT_FINAL_CODES:
        raise SimulatorError(f"settle with a final debitAuthCode, not {code!r}")
    found = selectors.simulated_transaction_find(fpx_txn_id=fpx_txn_id, seller_ex_order_no=seller_ex_order_no)
    txn = SimulatedTransaction.objects.select_for_update(of=("self",)).select_related("bank").get(pk=found.pk)
    if txn.is_final:
        raise SimulatorError(f"transaction {txn.fpx_txn_id} is already {txn.status}")
    account_name = txn.buyer_account_name or txn.buyer_name or "FPX SIMULATOR BUYER"
    _code_apply(txn, code=code, account_name=account_name)
    if send_direct_ac:
        plan = direct_ac_plan(transaction=txn, ac=ac_for(txn))
        transaction.on_commit(lambda: direct_ac_start(plan))
    return txn


@transaction.atomic
def simulated_transaction_configure(
    *,
    mode: str,
    delay: float | None = None,
    fpx_txn_id: str | None = None,
    seller_ex_order_no: str | None = None,
) -> SimulatedTransaction:
    """Test hook: choose how this one transaction's direct AC is delivered ("" = the simulator's setting)."""
    if mode and mode not in DIRECT_AC_MODES:
        raise SimulatorError(f"unknown direct AC mode {mode!r}")
    txn = selectors.simulated_transaction_find(fpx_txn_id=fpx_txn_id, seller_ex_order_no=seller_ex_order_no)
    txn.direct_ac_mode = mode
    txn.direct_ac_delay_seconds = delay
    txn.updated_at = timezone.now()
    txn.save(update_fields=["direct_ac_mode", "direct_ac_delay_seconds", "updated_at"])
    return txn


# --- AC and AE ----------------------------------------------------------------------------------------------

def ac_for(txn: SimulatedTransaction) -> dict[str, str]:
    """The signed AC for the transaction's current state (00, 51, BC... or 09 while pending)."""
    code = txn.debit_auth_code or CODE_PENDING
    approved = code == CODE_APPROVED
    named = txn.is_final  # FPX names the buyer once the bank has answered; pending ACs leave it empty
    fields = {
        "fpx_buyerBankBranch": txn.bank.name.upper(),
        "fpx_buyerBankId": txn.bank.code,
        "fpx_buyerIban": "",
        "fpx_buyerId": "",
        "fpx_buyerName": txn.buyer_account_name if named else "",
        "fpx_creditAuthCode": CODE_APPROVED if approved else "",
        "fpx_creditAuthNo": CREDIT_AUTH_NO if approved else "",
        "fpx_debitAuthCode": code,
        "fpx_debitAuthNo": txn.debit_auth_no if approved else "",
        "fpx_fpxTxnId": txn.fpx_txn_id,
        "fpx_fpxTxnTime": kl(txn.fpx_txn_time).strftime("%Y%m%d%H%M%S"),
        "fpx_makerName": txn.buyer_account_name if named else "",
        "fpx_msgToken": MSG_TOKEN_B2C,
        "fpx_msgType": "AC",
        "fpx_sellerExId": txn.seller_ex_id,
        "fpx_sellerExOrderNo": txn.seller_ex_order_no,
        "fpx_sellerId": txn.seller_id,
        "fpx_sellerOrderNo": txn.seller_order_no,
        "fpx_sellerTxnTime": txn.seller_txn_time,
        "fpx_txnAmount": f"{txn.amount:.2f}",
        "fpx_txnCurrency": txn.currency,
    }
    return simulator_sign(fields, "AC")


def ac_not_found(ae: Mapping[str, str]) -> dict[str, str]:
    """The signed code-76 answer (transaction not found) to an AE, shaped like FPX's genuine one: the order's
    values echoed, the ten bank and FPX fields empty."""
    echoed = ("buyerBankId", "msgToken", "sellerExId", "sellerExOrderNo", "sellerId", "sellerOrderNo",
              "sellerTxnTime", "txnAmount", "txnCurrency")
    fields = {f"fpx_{name}": "" for name in checksum.AC_FIELDS}
    fields.update({f"fpx_{name}": ae.get(f"fpx_{name}", "") for name in echoed})
    fields.update({"fpx_msgType": "AC", "fpx_debitAuthCode": CODE_NOT_FOUND})
    return simulator_sign(fields, "AC")


def enquiry_answer(*, data: Mapping[str, str]) -> dict[str, str]:
    """Answer a seller's AE with the transaction's current state, or 76 when FPX has no such order."""
    fields = fpx_fields(data)
    _message_verify(fields, "AE")
    txn = selectors.simulated_transaction_by_order(
        seller_ex_id=fields["fpx_sellerExId"], seller_ex_order_no=fields.get("fpx_sellerExOrderNo", "")
    )
    return ac_for(txn) if txn else ac_not_found(fields)


# --- Direct AC delivery -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DirectAcPlan:
    url: str
    ac: dict[str, str] = field(repr=False)
    mode: str
    delay: float
    copies: int
    tries: int
    backoff: float

    @property
    def label(self) -> str:
        return f"{self.ac.get('fpx_fpxTxnId')}/{self.ac.get('fpx_debitAuthCode')}"


def merchant_url(base: str, path: str) -> str:
    return base.rstrip("/") + path


def merchant_origin(base: str) -> str:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def direct_ac_plan(*, transaction: SimulatedTransaction, ac: dict[str, str]) -> DirectAcPlan:
    """How and where this AC goes host-to-host: the transaction's override, else the simulator's setting."""
    config = simulator_config()
    return DirectAcPlan(
        url=merchant_url(transaction.merchant_base_url, DIRECT_AC_PATH),
        ac=dict(ac),
        mode=transaction.direct_ac_mode or config.direct_ac_mode,
        delay=(transaction.direct_ac_delay_seconds if transaction.direct_ac_delay_seconds is not None
               else config.direct_ac_delay_seconds),
        copies=config.direct_ac_copies,
        tries=max(1, config.direct_ac_tries),
        backoff=config.direct_ac_backoff_seconds,
    )


def direct_ac_post(*, url: str, ac: Mapping[str, str], tries: int, backoff: float) -> bool:
    """POST the AC as FPX does (urlencoded body) until the merchant answers exactly `OK`, at most `tries` times,
    waiting `backoff` seconds before the first retry and doubling after each."""
    body = urlencode(ac)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    wait = backoff
    for attempt in range(1, tries + 1):
        try:
            response = requests.post(url, data=body, headers=headers, timeout=10)
            if response.status_code == 200 and response.text == "OK":
                logger.info("FPX simulator: direct AC %s delivered (try %d)", ac.get("fpx_fpxTxnId"), attempt)
                return True
            logger.info("FPX simulator: direct AC %s try %d answered %d %r", ac.get("fpx_fpxTxnId"), attempt,
                        response.status_code, response.text[:60])
        except requests.RequestException as exc:
            logger.info("FPX simulator: direct AC %s try %d failed: %s", ac.get("fpx_fpxTxnId"), attempt, exc)
        if attempt < tries:
            time.sleep(wait)
            wait = min(wait * 2, 30)
    logger.warning("FPX simulator: direct AC %s not acknowledged after %d tries", ac.get("fpx_fpxTxnId"), tries)
    return False


_deliveries: set[threading.Thread] = set()
_deliveries_lock = threading.Lock()

# Test hook: while held, a delivery thread waits (after its mode's delay, before its first POST) for the release.
# In-process only (the tests' live server, the embedded server); a hold never outlives HOLD_MAX_SECONDS.
HOLD_MAX_SECONDS = 120.0
_hold: threading.Event | None = None


def direct_ac_hold() -> None:
    """Keep every direct AC back, from now until `direct_ac_release()` (or `simulator_reset()`)."""
    global _hold
    with _deliveries_lock:
        if _hold is None:
            _hold = threading.Event()


def direct_ac_release() -> None:
    """Let the direct ACs held back by `direct_ac_hold()` go (they are sent at once)."""
    global _hold
    with _deliveries_lock:
        hold, _hold = _hold, None
    if hold is not None:
        hold.set()


def direct_ac_deliveries_under_way() -> int:
    """How many direct AC deliveries have started and not finished (held ones included)."""
    with _deliveries_lock:
        return len(_deliveries)


def delivery_pause(seconds: float) -> None:
    """The wait of the delay and reorder modes (a test may replace it to watch it)."""
    time.sleep(seconds)


def _held_back(plan: DirectAcPlan) -> None:
    with _deliveries_lock:
        hold = _hold
    if hold is not None and not hold.wait(HOLD_MAX_SECONDS):
        logger.warning("FPX simulator: direct AC %s held for %s s without a release; sending it", plan.label,
                       HOLD_MAX_SECONDS)


def _direct_ac_deliver(plan: DirectAcPlan) -> None:
    try:
        if plan.mode in ("delay", "reorder"):
            # reorder: the bank's answer page has been served and posts the indirect AC at once; the direct AC
            # follows it after the delay.
            delivery_pause(plan.delay)
        _held_back(plan)
        for _copy in range(plan.copies if plan.mode == "duplicate" else 1):
            direct_ac_post(url=plan.url, ac=plan.ac, tries=plan.tries, backoff=plan.backoff)
    except Exception:  # a delivery thread must never die silently
        logger.exception("FPX simulator: direct AC %s delivery crashed", plan.label)
    finally:
        connections.close_all()
        with _deliveries_lock:
            _deliveries.discard(threading.current_thread())


def direct_ac_start(plan: DirectAcPlan | None) -> threading.Thread | None:
    """Send the direct AC from a background thread (never from the request that shows the bank's answer, so a
    single-worker server that also runs the merchant cannot deadlock). Mode `drop` sends nothing."""
    if plan is None:
        return None
    if plan.mode == "drop":
        logger.info("FPX simulator: direct AC %s dropped (test mode)", plan.label)
        return None
    thread = threading.Thread(target=_direct_ac_deliver, args=(plan,), name=f"fpx-direct-ac-{plan.label}",
                              daemon=True)
    with _deliveries_lock:  # started under the lock: a join never meets a thread that has not started yet
        _deliveries.add(thread)
        thread.start()
    return thread


def direct_ac_deliveries_join(timeout: float = 30.0) -> bool:
    """Wait for the direct ACs under way (tests call it before they finish). True when none is left."""
    deadline = time.monotonic() + timeout
    while True:
        with _deliveries_lock:
            pending = list(_deliveries)
        if not pending:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        pending[0].join(remaining)



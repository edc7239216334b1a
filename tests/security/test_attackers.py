"""Attackers (issue 15): how many guesses an attacker with 1 address and with 1,000 addresses gets in an hour,
for password guessing, IC look-ups, one-time codes, activation and reset tokens, sign-up probing and
forgotten-password probing. Each figure is counted by driving the pages with the test client through one hour
under time-machine, the address given as REMOTE_ADDR (matrix/core/client_ip.py), then printed and bounded.

The attacker's play: every 10 minutes of the hour (5 for the codes), from each address, try until refused (an
address that was refused rests for `rest` rounds first, where a lock would only be extended by trying). Limits
kept per IC number or per account are driven with the thousand addresses until fresh addresses are refused
too. Limits kept per address are measured on two of the thousand (the first and the last, each on its own) and
counted for all of them. django-ratelimit counts in fixed windows of an hour, so an address that straddles the
turn of its window gets up to twice the hourly rate in one hour: the bound asserted is that."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db.models import Max
from django.test import Client, TestCase

from matrix.accounts.conf import conf
from matrix.accounts.models import LoginAttempt, OneTimeCode, OtpPurpose
from tests.accounts.helpers import signup_data
from tests.factories import PASSWORD, user_make

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # engine-independent figures; the races run on PostgreSQL

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Kuala_Lumpur"))
TICK = timedelta(minutes=10)
ADDRESSES = [f"198.51.{n // 250}.{n % 250 + 1}" for n in range(1000)]
# What differs between two answers whatever the IC: the CSRF token and the CAPTCHA's key.
VARYING = re.compile(
    r'name="csrfmiddlewaretoken" value="[^"]+"|captcha/(image|audio)/[^"/]+|name="captcha_0" value="[^"]+"'
)
FIGURES: list[tuple[str, int, int, str]] = []


class CommittingClient(Client):
    """Runs the request's on-commit callbacks (its tasks and messages), like a real request."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def _rate(setting: str) -> int:
    return int(conf(setting).split("/")[0])


def hour_of_attack(factory: Callable[[], Callable[[str], bool]], addresses: list[str], *, start: datetime,
                   per_address: bool, rest: int = 0, tick_length: timedelta = TICK) -> int:
    """Answered guesses in one hour from `start`. `factory()` (called at `start`) sets the attack up and returns
    `attempt(address)`, which makes one guess and says whether it was answered."""
    answered = 0
    with time_machine.travel(start, tick=False) as traveller:
        attempt = factory()
        resting: dict[str, int] = {}
        for tick in range(timedelta(hours=1) // tick_length):
            traveller.move_to(start + tick * tick_length)
            fresh_refused = 0
            for address in addresses:
                if resting.get(address, -1) >= tick:
                    continue
                resting[address] = tick + rest
                got = 0
                while attempt(address):
                    got += 1
                answered += got
                fresh_refused = fresh_refused + 1 if got == 0 else 0
                if not per_address and fresh_refused >= 3:
                    break  # three fresh addresses refused outright: more addresses give nothing more
    return answered


def figures(name: str, factory: Callable[[], Callable[[str], bool]], *, per_address: bool, rest: int = 0,
            tick_length: timedelta = TICK, note: str = "") -> tuple[int, int]:
    """Drive the attack with 1 address, then with 1,000 addresses, each on a day of its own."""
    cache.clear()
    one = hour_of_attack(factory, ADDRESSES[:1], start=START, per_address=per_address, rest=rest,
                         tick_length=tick_length)
    cache.clear()
    if per_address:
        last = hour_of_attack(factory, ADDRESSES[-1:], start=START + timedelta(days=1), per_address=True, rest=rest,
                              tick_length=tick_length)
        assert last > 0
        many = (one + last) * 500  # the two measured addresses stand for 500 each
    else:
        many = hour_of_attack(factory, ADDRESSES, start=START + timedelta(days=1), per_address=False, rest=rest,
                              tick_length=tick_length)
    FIGURES.append((name, one, many, note))
    return one, many


@pytest.fixture(scope="module", autouse=True)
def _figures_printed(request):
    """Print the table once the module's attacks have run (in whatever order they ran)."""
    FIGURES.clear()
    yield
    if not FIGURES:
        return
    lines = [f"{'attack':48} {'1 address':>10} {'1,000 addresses':>16}  limit", "-" * 110]
    lines += [f"{name:48} {one:>10,} {many:>16,}  {note}" for name, one, many, note in sorted(FIGURES)]
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter = plugins.get_plugin("terminalreporter")
        reporter.write_line("\n\nGuesses an attacker gets in one hour (issue 15, attackers)")
        for line in lines:
            reporter.write_line(line)


# --- the attacks -------------------------------------------------------------------------------------------------


def test_password_guessing_is_bounded_per_ic_from_anywhere():
    user = user_make()

    def factory():
        client = Client()
        client.post("/accounts/login/", {"id_number": user.id_number}, REMOTE_ADDR="203.0.113.1")
        guesses = iter(range(100_000))

        def attempt(address):
            """Answered when the password was checked (the right one would have logged in): a "not correct"
            page, or the lockout page of the try that locked the address."""
            def latest():  # a checked wrong password keeps a new row (rows older than the hour are dropped)
                return LoginAttempt.objects.filter(id_number=user.id_number).aggregate(latest=Max("pk"))["latest"]

            before = latest()
            response = client.post("/accounts/login/password/", {"password": f"guess {next(guesses)}"},
                                   REMOTE_ADDR=address)
            assert response.status_code in (200, 302, 429)
            return latest() != before

        return attempt

    budget = conf("ACCOUNTS_LOGIN_FAILURES_PER_HOUR")
    # An address locked by django-axes rests 20 minutes (its cool-off is 15) rather than extend the lock.
    one, many = figures("password guesses on one IC", factory, per_address=False, rest=1,
                        note="then a code by SMS as well; the owner told")
    assert one <= budget and many == budget  # a thousand addresses get the budget, and no more
    # With the budget spent, even the right password from a fresh address does not log in.
    client = Client()
    with time_machine.travel(START + timedelta(days=1, minutes=59), tick=False):
        client.post("/accounts/login/", {"id_number": user.id_number}, REMOTE_ADDR="203.0.113.9")
        assert client.post("/accounts/login/password/", {"password": PASSWORD},
                           REMOTE_ADDR="203.0.113.9")["Location"] == "/accounts/login/code/"


def test_ic_lookups_are_bounded_per_address():
    numbers = iter(f"85{n:010d}" for n in range(10**6))

    def factory():
        client = Client()

        def attempt(address):
            return client.post("/accounts/login/", {"id_number": next(numbers)}, REMOTE_ADDR=address).status_code == 302

        return attempt

    rate = _rate("ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR")
    one, many = figures("IC look-ups (secret phrases shown)", factory, per_address=True,
                        note=f"{rate} per address per hourly window")
    assert one <= 2 * rate and many <= 2 * rate * 1000


def test_one_time_code_guessing_is_bounded_per_account():
    user = user_make()

    def factory():
        client = CommittingClient()
        client.post("/accounts/password/forgot/", {"id_number": user.id_number, "channel": "sms"},
                    REMOTE_ADDR="203.0.113.2")

        def checked() -> int:
            return sum(OneTimeCode.objects.filter(user=user, purpose=OtpPurpose.RESET).values_list("attempts",
                                                                                                 flat=True))

        def guess(address) -> bool:
            before = checked()
            client.post("/accounts/password/reset/code/",
                        {"code": "000000", "password1": "a new long passphrase", "password2": "a new long passphrase"},
                        REMOTE_ADDR=address)
            return checked() > before

        def attempt(address):
            if guess(address):
                return True
            client.post("/accounts/password/reset/code/", {"resend": "1"}, REMOTE_ADDR=address)  # ask for a new code
            return guess(address)

        return attempt

    # Rounds of 5 minutes: a code's tries run out, then the 15-minute pause ends on a round.
    one, many = figures("one-time code guesses on one account", factory, per_address=False,
                        tick_length=timedelta(minutes=5),
                        note="5 tries a code, 15 min pause, 5 codes an hour; 1 in 10^6 each")
    tries, codes = conf("ACCOUNTS_OTP_MAX_ATTEMPTS"), conf("ACCOUNTS_OTP_PER_ACCOUNT_PER_HOUR")
    assert 0 < one <= tries * codes and 0 < many <= tries * codes


@pytest.mark.parametrize("kind, url", [("activation token", "/accounts/activate/{}/"),
                                       ("reset token", "/accounts/password/reset/{}/")])
def test_link_token_guessing_is_bounded_per_address(kind, url):
    tokens = iter(range(10**6))

    def factory():
        client = Client()

        def attempt(address):
            html = client.get(url.format(f"guess-{next(tokens)}"), REMOTE_ADDR=address).content.decode()
            return "This link is not valid" in html

        return attempt

    rate = _rate("ACCOUNTS_LINK_GUESSES_PER_IP_PER_HOUR")
    one, many = figures(f"{kind} guesses", factory, per_address=True,
                        note="256-bit tokens: chance per guess 2^-256")
    assert one <= 2 * rate and many <= 2 * rate * 1000


def _probe(url: str, data: dict, address: str) -> tuple[tuple, int]:
    """One request from a fresh browser: its answer (status, where to, page) and how many tasks it queued for
    after the commit (the look-up happens there, or not at all once the address is over its limit)."""
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = Client().post(url, data, REMOTE_ADDR=address)
    page = response.content.decode().replace(f'value="{data["id_number"]}"', "")
    page = VARYING.sub("", page)
    return (response.status_code, response.get("Location"), page), len(callbacks)


def _probing(url: str, data: Callable[[str], dict]):
    """A prober sends the known IC and unknown ones in turn from one address; a probe is answered when it was
    looked at. `telling` records, for each known/unknown pair looked at alike, whether their answers differ."""
    known = user_make(id_number="790811087654")
    serials = iter(range(10**6))
    telling: list[bool] = []

    def factory():
        last: dict = {}

        def attempt(address):
            kind = "unknown" if last.get("kind") == "known" else "known"
            ic = known.id_number if kind == "known" else f"90010114{next(serials) % 10000:04d}"
            answer, looked_at = _probe(url, data(ic), address)
            if kind == "unknown" and last.get("looked_at") == looked_at:
                telling.append(answer != last["answer"])
            last.update(kind=kind, answer=answer, looked_at=looked_at)
            return looked_at > 0

        return attempt

    return factory, telling


def test_sign_up_probing_learns_nothing():
    factory, telling = _probing("/accounts/signup/", lambda ic: signup_data(id_number=ic))
    rate = _rate("ACCOUNTS_OTP_PER_IP_PER_HOUR")
    one, many = figures("sign-up probes (answers that tell: 0)", factory, per_address=True,
                        note="same answer with or without an account; plus the CAPTCHA")
    assert telling and not any(telling)
    assert one <= 2 * rate and many <= 2 * rate * 1000


def test_forgot_password_probing_learns_nothing():
    factory, telling = _probing("/accounts/password/forgot/", lambda ic: {"id_number": ic, "channel": "email"})
    rate = _rate("ACCOUNTS_LINKS_PER_IP_PER_HOUR")
    one, many = figures("forgot-password probes (answers that tell: 0)", factory, per_address=True,
                        note="same page; the look-up runs after the answer")
    assert telling and not any(telling)
    assert one <= 2 * rate and many <= 2 * rate * 1000

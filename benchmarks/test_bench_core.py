"""Core arithmetic and FPX signatures against trivial baselines of the same kind of work."""

import hashlib
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import rsa

from benchmarks.conftest import per_call_seconds, report
from matrix.core.coverage import coverage_end, renewal_period
from matrix.core.kltime import kl_parse
from matrix.core.money import money_times
from matrix.payments.fpx import checksum


def test_coverage_arithmetic_against_plain_timedelta():
    start = kl_parse("31-01-2020 16:26:12")
    baseline = per_call_seconds(lambda: start + timedelta(days=30), number=2000)
    end = per_call_seconds(lambda: coverage_end(start=start, months=5), number=2000)
    renewal = per_call_seconds(
        lambda: renewal_period(latest_end=start, paid_at=start - timedelta(days=3), months=3), number=2000
    )
    report("coverage_end / datetime+timedelta", f"{end / baseline:8.1f}x")
    report("renewal_period / datetime+timedelta", f"{renewal / baseline:8.1f}x")
    assert end > 0 and renewal > 0


def test_money_against_plain_decimal():
    from decimal import Decimal

    monthly = Decimal("19.40")
    baseline = per_call_seconds(lambda: monthly * 4, number=5000)
    amount = per_call_seconds(lambda: money_times(monthly, 4), number=5000)
    report("money_times / Decimal multiply", f"{amount / baseline:8.1f}x")
    assert money_times(monthly, 4) == Decimal("77.60")


def test_fpx_checksum_sign_and_verify_against_sha1():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fields = {f"fpx_{name}": "X" * 10 for name in checksum.AC_FIELDS}
    data = checksum.checksum_string(fields, checksum.AC_FIELDS)
    baseline = per_call_seconds(lambda: hashlib.sha1(data.encode()).hexdigest(), number=2000)  # noqa: S324
    sign = per_call_seconds(lambda: checksum.sign(data, key), number=50)
    signature = checksum.sign(data, key)
    public = key.public_key()

    def verify():
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        public.verify(bytes.fromhex(signature), data.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    verify_time = per_call_seconds(verify, number=200)
    report("FPX sign (RSA-2048) / SHA-1 of the string", f"{sign / baseline:8.0f}x")
    report("FPX verify / SHA-1 of the string", f"{verify_time / baseline:8.0f}x")
    assert sign > verify_time  # RSA signing is the costly half; verification stays cheap for the direct AC

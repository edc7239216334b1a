"""Data for the backup tests, and a snapshot of it read back through the ORM and the storage (in the test process,
or printed as JSON by `manage.py shell` in a subprocess pointed at a restored database and bucket)."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.registrations.helpers import jpeg_bytes, pdf_bytes, png_bytes

REPO = Path(settings.BASE_DIR)
# Variables of the calling environment that would point a subprocess elsewhere than the test says.
SCRUBBED = ("DATABASE_URL", "STORAGE_BACKEND", "AWS_", "MEDIA_ROOT", "REDIS_URL", "CELERY_BROKER_URL",
            "DJANGO_SETTINGS_MODULE")


def portal_data_make() -> None:
    """Two people, each with a registration, a paid contribution with its receipt number, an unpaid renewal and
    two documents in the default storage."""
    from matrix.contributions.models import Contribution
    from matrix.core.identifiers import receipt_no_next
    from matrix.payments.models import Payment
    from matrix.registrations.models import Document
    from tests.factories import contribution_make, person_make, registration_make, user_make

    for index, (name, ic_bytes, letter_bytes) in enumerate([
        ("SITI BINTI HASSAN", png_bytes(), pdf_bytes()),
        ("LIM AH KOW", jpeg_bytes(), pdf_bytes() + b"% lim\n"),
    ]):
        user = user_make(full_name=name, email=f"person{index}@example.com", mobile=f"6012345678{index}")
        registration = registration_make(person=person_make(user=user))
        paid_at = timezone.now() - timedelta(days=20 + index)
        contribution = contribution_make(registration=registration, months=4, state=Contribution.State.PAID,
                                         paid_at=paid_at, start_at=paid_at, end_at=paid_at + timedelta(days=120))
        Payment.objects.create(
            contribution=contribution, seller_order_no=f"MATRIXORDER{index}", seller_ex_order_no=f"MATRIXEX{index}",
            seller_txn_time=paid_at.strftime("%Y%m%d%H%M%S"), amount=contribution.amount,
            status=Payment.Status.PAID, receipt_no=receipt_no_next(), paid_at=paid_at, debit_auth_code="00",
        )
        contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, months=2)
        for kind, content, original, content_type in [
            (Document.Kind.IDENTIFICATION_CARD, ic_bytes, "mykad.png", "image/png"),
            (Document.Kind.PROFESSIONAL_CERTIFICATE, letter_bytes, "sijil.pdf", "application/pdf"),
        ]:
            document = Document(registration=registration, kind=kind, original_name=original,
                                content_type=content_type, size=len(content))
            document.file.save("upload", ContentFile(content), save=False)
            document.save()


def portal_snapshot() -> dict:
    """What a restore must bring back: people, contributions, receipt numbers, documents' bytes (as sha256)."""
    from django.core.files.storage import default_storage

    from matrix.contributions.models import Contribution
    from matrix.payments.models import Payment
    from matrix.registrations.models import Document, SelfEmployedPerson

    def stored(name):
        with default_storage.open(name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    return {
        "people": sorted([p.user.id_number, p.user.full_name, p.self_employed_code]
                         for p in SelfEmployedPerson.objects.select_related("user")),
        "contributions": sorted(
            [c.pk, c.registration.person.user.id_number, c.kind, c.state, str(c.amount), c.months,
             c.start_at.isoformat() if c.start_at else None, c.end_at.isoformat() if c.end_at else None]
            for c in Contribution.objects.select_related("registration__person__user")
        ),
        "receipts": sorted([p.receipt_no, p.contribution_id, str(p.amount), p.status]
                           for p in Payment.objects.filter(status=Payment.Status.PAID)),
        "documents": sorted([d.pk, d.registration_id, d.kind, d.file.name, d.original_name, d.size, stored(d.file.name)]
                            for d in Document.objects.all()),
    }


def print_snapshot() -> None:
    """For `manage.py shell -c`: the snapshot, and the receipt number the restored database would issue next."""
    from matrix.core.identifiers import receipt_no_next

    print(json.dumps({**portal_snapshot(), "next_receipt_no": receipt_no_next()}))


def subprocess_env(**variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(SCRUBBED)}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.django.base", **variables}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def snapshot_in(env: dict[str, str]) -> dict:
    output = manage("shell", "-c", "from tests.backup.portal import print_snapshot; print_snapshot()", env=env).stdout
    return json.loads(output.strip().splitlines()[-1])

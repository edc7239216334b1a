"""Checking an uploaded document (PDF, JPEG or PNG, judged by its content, within the size limit) and keeping
it as a draft between the registration form and the check-your-answers page.

Files are stored privately in the default storage (local disk under MEDIA_ROOT, or an S3 bucket shared by every
app host: config/settings/storage.py) under server-made names; the person's file name is kept only as data,
after sanitising. A draft's name carries the time it was written (`drafts/<YYYYmmddHHMMSS UTC>-<32 hex>`), so
its age is known on any storage without asking for its metadata."""

import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from matrix.registrations import upload_checks

ALLOWED_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
ORIGINAL_NAME_MAX = 100
DRAFT_DIR = "drafts"
# `stamp-` is absent from drafts written before names carried their time (aged by the storage's modified time).
DRAFT_NAME_RE = re.compile(rf"^{DRAFT_DIR}/(?:(?P<stamp>[0-9]{{14}})-)?[0-9a-f]{{32}}$")
DRAFT_STAMP_FORMAT = "%Y%m%d%H%M%S"
# A draft is abandoned once no session can still hold it (sessions last at most SESSION_COOKIE_AGE, 12 hours).
DRAFT_MAX_AGE = timedelta(days=1)

logger = logging.getLogger(__name__)
_HEAD_BYTES = 8192


def upload_max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def upload_max_megabytes() -> str:
    megabytes = upload_max_bytes() / (1024 * 1024)
    return f"{megabytes:g}"


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    content_type: str
    size: int


def original_name_clean(name: str, *, content_type: str = "") -> str:
    """The base name only: no folders, no control characters, no leading dots, at most 100 characters
    (the extension kept). An empty result becomes `document.<ext>`."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip().lstrip(".").strip()
    if len(name) > ORIGINAL_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: ORIGINAL_NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:ORIGINAL_NAME_MAX]
    if not name:
        name = "document" + ALLOWED_TYPES.get(content_type, "")
    return name


def upload_check(upload) -> CheckedUpload:
    """Accept a PDF, JPEG or PNG of at most UPLOAD_MAX_BYTES that passes `upload_checks` (name, no HTML, pixel
    count, no active content in a PDF); raise ValidationError with a clear message."""
    size = upload.size or 0
    if size > upload_max_bytes():
        raise ValidationError(
            _("The selected file must be smaller than %(max)s MB.") % {"max": upload_max_megabytes()},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The selected file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ""
    wrong_type = ValidationError(_("The selected file must be a PDF, JPEG or PNG."), code="wrong_type")
    if content_type not in ALLOWED_TYPES:
        raise wrong_type
    if content_type == "application/pdf" and not head.startswith(b"%PDF-"):
        raise wrong_type
    name = getattr(upload, "name", "") or ""
    upload_checks.name_matches_content(original_name_clean(name, content_type=content_type), content_type)
    data = upload.read()
    upload.seek(0)
    upload_checks.html_absent(data)
    if content_type == "application/pdf":
        upload_checks.pdf_inactive(data)
    else:
        try:
            with Image.open(upload) as image:
                if image.format != PILLOW_FORMATS[content_type]:
                    raise wrong_type
                upload_checks.image_pixels_within_limit(*image.size)
                image.verify()
        except ValidationError:
            raise
        except Image.DecompressionBombError as exc:  # beyond Pillow's own limit: refused before our check
            raise upload_checks.image_too_large() from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise wrong_type from exc
        finally:
            upload.seek(0)
    return CheckedUpload(
        original_name=original_name_clean(getattr(upload, "name", ""), content_type=content_type),
        content_type=content_type,
        size=size,
    )


def draft_file_save(upload, *, now: datetime | None = None) -> str:
    """Keep a checked upload until the registration is submitted; returns its server-made storage name."""
    upload.seek(0)
    stamp = (now or timezone.now()).astimezone(UTC).strftime(DRAFT_STAMP_FORMAT)
    return default_storage.save(f"{DRAFT_DIR}/{stamp}-{uuid.uuid4().hex}", upload)


def draft_file_written_at(name: str) -> datetime:
    """When a draft was written: from the time in its name (older drafts: from the storage)."""
    match = DRAFT_NAME_RE.match(name or "")
    if match is None:
        raise ValueError(f"not a draft name: {name!r}")
    if match["stamp"]:
        return datetime.strptime(match["stamp"], DRAFT_STAMP_FORMAT).replace(tzinfo=UTC)
    return default_storage.get_modified_time(name)


def draft_name_is_valid(name: str) -> bool:
    return bool(DRAFT_NAME_RE.match(name or ""))


def draft_file_delete(name: str) -> None:
    if draft_name_is_valid(name) and default_storage.exists(name):
        default_storage.delete(name)


def draft_file_exists(name: str) -> bool:
    return draft_name_is_valid(name) and default_storage.exists(name)


def draft_files_purge(*, older_than: timedelta = DRAFT_MAX_AGE, now: datetime | None = None) -> int:
    """Delete the draft uploads of registrations abandoned before Submit & Pay (session ended, browser closed):
    every `drafts/<server-made name>` written more than `older_than` ago. Returns how many were deleted.
    Works alike on local disk and on S3 (one listing; the age comes from the names)."""
    cutoff = (now or timezone.now()) - older_than
    try:
        _folders, names = default_storage.listdir(DRAFT_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for base in names:
        name = f"{DRAFT_DIR}/{base}"
        if not draft_name_is_valid(name):
            continue
        try:
            if draft_file_written_at(name) >= cutoff:
                continue
            default_storage.delete(name)
        except FileNotFoundError:  # submitted or purged meanwhile
            continue
        deleted += 1
    logger.info("Purged %d abandoned registration draft upload(s)", deleted)
    return deleted


def stored_file_open(name: str, *, storage=None):
    """Open a stored file to stream it out (document downloads): returns a binary file-like object, read in
    chunks by the response and closed after it, and its size. On S3 the object's body is passed on as it arrives
    from the store (never spooled whole, never a redirect to a bucket URL). Raises FileNotFoundError."""
    storage = storage if storage is not None else default_storage
    from storages.backends.s3 import S3Storage

    if isinstance(storage, S3Storage):
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        key = storage._normalize_name(clean_name(name))
        try:
            response = storage.bucket.Object(key).get()
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(name) from exc
            raise
        return response["Body"], int(response["ContentLength"])
    handle = storage.open(name, "rb")
    return handle, handle.size


def document_response(document, *, inline: bool = False) -> FileResponse:
    """An uploaded document streamed to whoever the caller has already allowed, from whichever storage holds it,
    never cached and never sniffed: as an attachment (the person's page and the API), or `inline` for staff
    reviewing it in the browser, where a PDF may be framed by nothing and run nothing. Http404 when the file is
    gone."""
    try:
        handle, size = stored_file_open(document.file.name, storage=document.file.storage)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=not inline, filename=document.original_name,
                            content_type=document.content_type)
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response

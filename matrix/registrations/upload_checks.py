"""The content checks an upload passes after its type is known (`uploads.upload_check` calls them in order):

- the name: a name that says it is another kind of file (`mykad.pdf` holding a PNG, `letter.html`) is refused;
  a name without an extension, or with one we do not know, is judged by its content alone;
- HTML anywhere in the bytes: a PDF or image that is also a web page (a polyglot) is refused, whatever it
  would be served as;
- images: at most UPLOAD_MAX_PIXELS pixels (40 megapixels by default), read from the header before anything is
  decoded, so a small file that expands to gigabytes (a decompression bomb) is refused without being opened;
- PDFs: no active content. pypdf reads every object (also those packed in compressed object streams) and a
  scan of the raw bytes backs it up for what a lenient reader would find outside the cross-reference table:
  JavaScript, launch, submit and import actions, additional actions (/AA), embedded files, rich media, XFA
  forms, and an /OpenAction that does more than go to a page. A PDF pypdf cannot read and that hides objects
  in compressed streams is refused as unreadable.

Each refusal is a ValidationError with a message in the person's language; nothing has been stored yet."""

import io
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

KIND_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {"application/pdf": {"pdf"}, "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"}, "image/png": {"png"}}
# Extensions that name a kind of file: one of them on a file whose content is another kind is refused.
KNOWN_EXTENSIONS = set().union(*EXTENSIONS.values()) | {
    "gif", "bmp", "tif", "tiff", "webp", "heic", "heif", "avif", "svg", "svgz", "ico",
    "htm", "html", "xhtml", "shtml", "mht", "mhtml", "xml", "xsl", "js", "mjs", "css", "json", "swf",
    "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "wsf", "hta", "lnk", "sh", "jar",
    "apk", "php", "asp", "aspx", "jsp", "cgi", "py", "pl", "rb",
    "zip", "rar", "7z", "gz", "tgz", "tar", "iso", "dmg",
    "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pptm", "odt", "ods", "rtf", "txt", "csv",
}
UPLOAD_MAX_PIXELS_DEFAULT = 40_000_000

# Tags a browser would act on (letters a hex string `<0a1b>` cannot hold, so PDF syntax never matches).
_HTML_RE = re.compile(
    rb"<\s*/?\s*(?:!doctype|html|head|body|script|iframe|frame|frameset|object|embed|svg|math|meta|link|style|"
    rb"img|form|input|base|template|xml|\?xml)[\s/>]",
    re.IGNORECASE,
)
# A PDF name: `/` then regular characters; `#xx` escapes spell any byte (`/J#61vaScript` is /JavaScript).
_NAME_RE = re.compile(rb"/([^\s/<>\[\]()%{}\x00]+)")
_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM_RE = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
# Active content, found anywhere in the file (long names: random compressed bytes never spell them) ...
_ACTIVE_NAMES = {b"JavaScript", b"Launch", b"SubmitForm", b"ImportData", b"EmbeddedFile", b"EmbeddedFiles",
                 b"RichMedia", b"RichMediaExecute", b"XFA", b"GoToE"}
# ... and short ones, looked for outside streams only.
_ACTIVE_SHORT_NAMES = {b"JS", b"AA"}
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/XFA", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia"}
_ACTIVE_VALUES = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/EmbeddedFile", "/RichMedia",
                  "/RichMediaExecute", "/GoToE", "/FileAttachment", "/Rendition", "/Sound", "/Movie"}
_MAX_PDF_OBJECTS = 200_000


def upload_max_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_PIXELS", UPLOAD_MAX_PIXELS_DEFAULT))


def name_matches_content(name: str, content_type: str) -> None:
    """Refuse a name whose extension names another kind of file than the content is."""
    stem, dot, extension = (name or "").rpartition(".")
    extension = extension.strip().lower()
    if not dot or not stem or extension not in KNOWN_EXTENSIONS or extension in EXTENSIONS[content_type]:
        return
    raise ValidationError(
        _("The selected file’s name ends in .%(extension)s but the file is a %(kind)s. Rename it or choose "
          "another file.") % {"extension": extension, "kind": KIND_LABELS[content_type]},
        code="name_mismatch",
    )


def html_absent(data: bytes) -> None:
    if _HTML_RE.search(data):
        raise ValidationError(
            _("The selected file contains web page code (HTML) and cannot be accepted. Choose a plain PDF, "
              "JPEG or PNG."),
            code="polyglot",
        )


def image_too_large() -> ValidationError:
    return ValidationError(
        _("The selected image has too many pixels. Use an image of at most %(megapixels)s megapixels (for "
          "example a phone photo or a scan at 300 dpi).") % {"megapixels": f"{upload_max_pixels() / 1e6:g}"},
        code="too_many_pixels",
    )


def image_pixels_within_limit(width: int, height: int) -> None:
    if width * height > upload_max_pixels():
        raise image_too_large()


def _active_content() -> ValidationError:
    return ValidationError(
        _("The selected PDF contains scripts, actions or embedded files, which are not accepted. Print or scan "
          "it to a new PDF and choose that."),
        code="pdf_active_content",
    )


def _unreadable() -> ValidationError:
    return ValidationError(
        _("The selected PDF is damaged, password-protected or cannot be read. Save or scan it again and choose "
          "the new file."),
        code="pdf_unreadable",
    )


def _names(data: bytes) -> set[bytes]:
    return {_ESCAPE_RE.sub(lambda m: bytes([int(m[1], 16)]), match[1]) for match in _NAME_RE.finditer(data)}


def _raw_scan(data: bytes) -> None:
    if _names(data) & _ACTIVE_NAMES or _names(_STREAM_RE.sub(b"", data)) & _ACTIVE_SHORT_NAMES:
        raise _active_content()


def _pdf_walk(data: bytes) -> None:
    """Every object pypdf can read, direct values included; raises on active content."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise _unreadable()
    numbers = {(num, gen) for gen, entries in reader.xref.items() for num in entries}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > _MAX_PDF_OBJECTS:
        raise _unreadable()
    pending = [reader.trailer]
    for num, gen in sorted(numbers):
        try:
            pending.append(IndirectObject(num, gen, reader).get_object())
        except Exception:  # noqa: BLE001 - an unreadable object is not active content; the raw scan covers it
            logger.debug("PDF object %s %s unreadable", num, gen, exc_info=True)
    while pending:
        value = pending.pop()
        if isinstance(value, DictionaryObject):
            keys = set(value.keys())
            if keys & _ACTIVE_KEYS or value.get("/S") in _ACTIVE_VALUES or value.get("/Subtype") in _ACTIVE_VALUES:
                raise _active_content()
            if value.get("/Type") in _ACTIVE_VALUES:
                raise _active_content()
            action = value.get("/OpenAction")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if isinstance(action, DictionaryObject) and action.get("/S") != NameObject("/GoTo"):
                raise _active_content()
            pending.extend(v for v in value.values() if isinstance(v, DictionaryObject | ArrayObject))
        elif isinstance(value, ArrayObject):
            pending.extend(v for v in value if isinstance(v, DictionaryObject | ArrayObject))


def pdf_inactive(data: bytes) -> None:
    """Refuse a PDF with active content (see the module's docstring)."""
    _raw_scan(data)
    from pypdf.errors import PyPdfError

    try:
        _pdf_walk(data)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        # pypdf cannot read it: what the raw scan saw is all there is, unless objects hide in compressed streams.
        if b"ObjStm" in _names(data):
            raise _unreadable() from exc
        logger.info("PDF upload not readable by pypdf, accepted on the raw scan: %s", exc)

"""Hostile uploads: PDFs that are also web pages, PDFs with scripts, actions or embedded files (also hidden in
compressed object streams or behind `#xx` name escapes), image decompression bombs by pixel count, names that
say another kind of file: each refused with a clear message in the person's language, nothing stored. Plain
PDFs (with links, with an opening view) and images within the limit still pass."""

import io
import re
import struct
import zlib

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from matrix.registrations.models import Document
from matrix.registrations.uploads import upload_check
from tests.registrations.helpers import form_data, form_files, jpeg_bytes, pdf_bytes, png_bytes, upload

FORM_URL = "/self-employed/register/information-technology/"

ACTIVE = "The selected PDF contains scripts, actions or embedded files, which are not accepted. Print or scan it " \
         "to a new PDF and choose that."
UNREADABLE = "The selected PDF is damaged, password-protected or cannot be read. Save or scan it again and " \
             "choose the new file."
POLYGLOT = "The selected file contains web page code (HTML) and cannot be accepted. Choose a plain PDF, JPEG " \
           "or PNG."
PIXELS = "The selected image has too many pixels. Use an image of at most 40 megapixels (for example a phone " \
         "photo or a scan at 300 dpi)."


def pdf_with(catalog_extra: bytes = b"", *objects: bytes, header: bytes = b"%PDF-1.7\n") -> bytes:
    """A well-formed PDF (with a cross-reference table) whose catalog carries `catalog_extra`; `objects` are
    numbered from 4 (1 catalog, 2 pages, 3 the page)."""
    bodies = [b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
              b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>", *objects]
    out = io.BytesIO()
    out.write(header)
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref))
    return out.getvalue()


def pdf_with_script_in_object_stream() -> bytes:
    """The JavaScript action sits compressed inside an object stream (object 4 in stream 5), found through a
    cross-reference stream: its names never appear in the file's bytes."""
    action = b"<</S/JavaScript/JS(app.alert\\(document.cookie\\))>>"
    packed = zlib.compress(b"4 0 " + action)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    bodies = {
        1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
        5: b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(packed) + packed
           + b"\nendstream",
    }
    for number, body in bodies.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    offsets[6] = out.tell()
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 7):
        rows.append(struct.pack(">BIH", 2, 5, 0) if number == 4 else struct.pack(">BIH", 1, offsets[number], 0))
    table = b"".join(rows)
    out.write(b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % len(table) + table
              + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6])
    return out.getvalue()


def pypdf_file(**change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if "attachment" in change:
        writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    if "javascript" in change:  # document-level JavaScript in the name tree, as Acrobat writes it
        action = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                      NameObject("/JS"): TextStringObject("app.alert('hi');")}))
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hi"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    if "password" in change:
        writer.encrypt(change["password"])
    if "xfa" in change:
        form = DictionaryObject({NameObject("/XFA"): writer._add_object(ArrayObject()),
                                 NameObject("/Fields"): ArrayObject()})
        writer._root_object[NameObject("/AcroForm")] = writer._add_object(form)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reportlab_pdf_with_a_link() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Surat tawaran: https://www.perkeso.gov.my/")
    page.linkURL("https://www.perkeso.gov.my/", (72, 710, 300, 730))
    page.save()
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels, with a small (truncated) image body: a bomb is judged
    by its header, before anything is decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
            + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(jpeg_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


ACTIVE_PDFS = {
    "open_action_script": pdf_with(b"/OpenAction<</S/JavaScript/JS(app.alert\\(1\\))>>"),
    "open_action_launch": pdf_with(b"/OpenAction<</S/Launch/F(cmd.exe)>>"),
    "open_action_uri": pdf_with(b"/OpenAction 4 0 R", b"<</S/URI/URI(https://evil.example/)>>"),
    "names_javascript": pdf_with(b"/Names<</JavaScript 4 0 R>>", b"<</Names[(a) 5 0 R]>>"),
    "escaped_names": pdf_with(b"/OpenAction<</S/J#61vaScript/J#53(app.alert\\(1\\))>>"),
    "additional_actions": pdf_with(b"/AA<</O<</S/GoTo/D[3 0 R/Fit]>>>>"),
    "embedded_file": pypdf_file(attachment=True),
    "document_javascript": pypdf_file(javascript=True),
    "xfa_form": pypdf_file(xfa=True),
    "rich_media": pdf_with(b"", b"<</Type/Annot/Subtype/RichMedia/Rect[0 0 10 10]>>"),
    "submit_form": pdf_with(b"", b"<</S/SubmitForm/F(https://evil.example/)>>"),
    "hidden_object_outside_xref": pdf_with() + b"9 0 obj\n<</S/JavaScript/JS(app.alert\\(1\\))>>\nendobj\n",
    "script_in_object_stream": pdf_with_script_in_object_stream(),
}


@pytest.mark.parametrize("name", ACTIVE_PDFS)
def test_pdfs_with_active_content_are_refused(name):
    with pytest.raises(ValidationError) as error:
        upload_check(upload(f"{name}.pdf", ACTIVE_PDFS[name]))
    assert error.value.messages == [ACTIVE]
    assert error.value.code == "pdf_active_content"


def test_the_object_stream_case_hides_its_names_from_a_byte_scan():
    data = pdf_with_script_in_object_stream()
    assert b"JavaScript" not in data and b"/JS" not in data


@pytest.mark.parametrize("data", [
    pdf_bytes(),  # the tests' minimal PDF (no cross-reference table: pypdf cannot read it, the scan can)
    pdf_with(),
    pdf_with(b"/OpenAction[3 0 R/Fit]"),  # open at the first page: a destination, not an action
    pdf_with(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]>>"),
    pypdf_file(),
    pypdf_file(password=""),  # encrypted with an empty password: anyone can open it
    reportlab_pdf_with_a_link(),  # links (URI actions on annotations) are ordinary
    pdf_with(b"", b"<</Length 12>>stream\n/JS/AA /JS \nendstream"),  # short names in a stream's data are data
], ids=["minimal", "xref", "open-at-page", "open-goto", "pypdf", "empty-password", "reportlab-link", "stream-data"])
def test_plain_pdfs_are_accepted(data):
    assert upload_check(upload("letter.pdf", data)).content_type == "application/pdf"


def test_a_password_protected_pdf_is_refused_as_unreadable():
    with pytest.raises(ValidationError) as error:
        upload_check(upload("locked.pdf", pypdf_file(password="rahsia")))
    assert error.value.messages == [UNREADABLE]


def test_an_unreadable_pdf_that_hides_objects_in_compressed_streams_is_refused():
    damaged = pdf_with_script_in_object_stream().replace(b"startxref", b"startxrex")
    with pytest.raises(ValidationError) as error:
        upload_check(upload("damaged.pdf", damaged))
    assert error.value.messages in ([UNREADABLE], [ACTIVE])


@pytest.mark.parametrize("name, data", [
    ("invoice.pdf", pdf_with(header=b"%PDF-1.7\n%<html><body><script>alert(document.domain)</script>\n")),
    ("invoice.pdf", pdf_with(b"", b"<</Length 40>>stream\n<HTML><IFRAME src=//evil.example></IFRAME>\nendstream")),
    ("mykad.png", png_bytes() + b"<!DOCTYPE html><script>alert(1)</script>"),
    ("mykad.jpg", jpeg_bytes() + b"<svg onload=alert(1)>"),
])
def test_files_that_are_also_web_pages_are_refused(name, data):
    with pytest.raises(ValidationError) as error:
        upload_check(upload(name, data))
    assert error.value.messages == [POLYGLOT]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's own warning, then ours
@pytest.mark.parametrize("data", [png_header_claiming(10_000, 10_000), png_header_claiming(20_000, 20_000),
                                  png_header_claiming(100_000, 100_000), jpeg_claiming(10_000, 10_000),
                                  jpeg_claiming(65_000, 65_000)],
                         ids=["png-100MP", "png-400MP", "png-10GP", "jpeg-100MP", "jpeg-4GP"])
def test_decompression_bombs_are_refused_by_pixel_count(data):
    assert len(data) < 10_000
    with pytest.raises(ValidationError) as error:
        upload_check(upload("mykad.png" if data.startswith(b"\x89PNG") else "mykad.jpg", data))
    assert error.value.messages == [PIXELS]


def test_the_pixel_limit_is_inclusive(settings):
    settings.UPLOAD_MAX_PIXELS = 16
    assert upload_check(upload("a.png", png_bytes(size=(4, 4)))).content_type == "image/png"
    with pytest.raises(ValidationError, match="at most 1.6e-05 megapixels"):
        upload_check(upload("a.png", png_bytes(size=(4, 5))))


@pytest.mark.parametrize("name, data, message", [
    ("mykad.pdf", png_bytes(), "The selected file’s name ends in .pdf but the file is a PNG."),
    ("scan.jpg", png_bytes(), "The selected file’s name ends in .jpg but the file is a PNG."),
    ("letter.html", pdf_bytes(), "The selected file’s name ends in .html but the file is a PDF."),
    ("photo.png.exe", png_bytes(), "The selected file’s name ends in .exe but the file is a PNG."),
    ("invoice\u202egnp.exe", png_bytes(), "The selected file’s name ends in .exe but the file is a PNG."),
    ("selfie.svg", jpeg_bytes(), "The selected file’s name ends in .svg but the file is a JPEG."),
])
def test_a_name_that_says_another_kind_of_file_is_refused(name, data, message):
    with pytest.raises(ValidationError) as error:
        upload_check(upload(name, data))
    assert error.value.messages == [f"{message} Rename it or choose another file."]


@pytest.mark.parametrize("name, data", [
    ("SCAN.JPEG", jpeg_bytes()), ("scan.jfif", jpeg_bytes()), ("Surat v1.2", pdf_bytes()),
    ("mykad", png_bytes()), ("../../etc/passwd.png", png_bytes()), ("sijil.final", pdf_bytes()),
])
def test_matching_unknown_or_missing_extensions_are_judged_by_content(name, data):
    upload_check(upload(name, data))


def test_messages_are_in_malay_too():
    for name, data in [("a.pdf", ACTIVE_PDFS["open_action_script"]), ("a.png", png_header_claiming(9000, 9000)),
                       ("a.pdf", pdf_with(header=b"%PDF-1.7\n%<html>\n")), ("a.pdf", png_bytes()),
                       ("a.pdf", pypdf_file(password="x"))]:
        said = {}
        for language in ("en", "ms"):
            with translation.override(language), pytest.raises(ValidationError) as error:
                upload_check(upload(name, data))
            with translation.override(language):
                said[language] = error.value.messages[0]
        assert said["en"].startswith("The selected ") and said["ms"].startswith("Fail ") or \
            said["ms"].startswith("Imej ") or said["ms"].startswith("Nama "), said


def _drafts(settings_):
    folder = settings_.MEDIA_ROOT / "drafts"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ms"])
def test_the_form_refuses_each_hostile_upload_and_stores_nothing(settings, user_client, language):
    """Through the registration page: every hostile file is refused next to its field, in the page's language,
    and neither a draft nor a document is kept (the identification card is not sent, so no draft at all)."""
    user_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    hostile = [("open.pdf", ACTIVE_PDFS["open_action_script"]), ("objstm.pdf", ACTIVE_PDFS["script_in_object_stream"]),
               ("bomb.png", png_header_claiming(10_000, 10_000)), ("mykad.pdf", png_bytes()),
               ("page.pdf", pdf_with(header=b"%PDF-1.7\n%<html><script>alert(1)</script>\n")),
               ("attach.pdf", ACTIVE_PDFS["embedded_file"]), ("empty.pdf", b"")]
    for name, data in hostile:
        payload = form_data()
        files = form_files(other=False)
        files["sector_document"] = upload(name, data)
        del files["identification_card"]
        payload.update(files)
        response = user_client.post(FORM_URL, payload)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert re.search(r'<a href="#id_sector_document">(?:<span[^>]*>[^<]*</span>: )?[^<]+</a>', body), name
        assert ("There is a problem" in body) == (language == "en"), name
        assert _drafts(settings) == [] and not Document.objects.exists(), name


def test_the_default_pixel_limit_is_forty_megapixels():
    assert getattr(settings, "UPLOAD_MAX_PIXELS", 40_000_000) == 40_000_000
    with Image.open(io.BytesIO(png_header_claiming(8000, 5000))) as image:
        assert image.size == (8000, 5000)

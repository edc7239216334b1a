"""Small generated files and a filled registration form for the registration and contribution tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from matrix.reference.models import Branch, City, Nationality, Plan, Race, Sector, SelfEmployedStatus, State


def png_bytes(size=(4, 4), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def form_data(*, sector_code: str = "information-technology", plan_number: int = 2, months: int = 4, **overrides):
    """A complete, valid POST for the registration form (files separately)."""
    state = State.objects.get(code="KTN")
    sector = Sector.objects.get(code=sector_code)
    data = {
        "status": SelfEmployedStatus.objects.get(code="others").pk,
        "nationality": Nationality.objects.get(code="malaysian").pk,
        "race": Race.objects.get(code="malay").pk,
        "gender": "M",
        "address_line_1": "No. 61 1st Floor",
        "address_line_2": "Jln Tuanku Osman",
        "state": state.pk,
        "city": City.objects.get(state=state, name="Kuala Krai").pk,
        "postcode": "18000",
        "house_phone": "60397654321",
        "mobile": "01113388378",
        "email": "testing@example.com",
        "branch": Branch.objects.get(name="Pejabat PERKESO Kota Bharu").pk,
        "sector_class": sector.classes.order_by("name_en").first().pk,
        "plan": Plan.objects.get(number=plan_number).pk,
        "months": months,
        "acknowledged": "on",
    }
    data.update(overrides)
    return data


def form_files(*, sector_code: str = "information-technology", other: bool = True) -> dict:
    files = {
        "identification_card": upload("mykad front.png", png_bytes(), "image/png"),
        "sector_document": upload("certificate.pdf", pdf_bytes(), "application/pdf"),
    }
    if other:
        files["other_document"] = upload("ssm_certificate1.jpg", jpeg_bytes(), "image/jpeg")
    return files

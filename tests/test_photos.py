"""Photos too large to decode: refused from their header, on every form that takes photos,
with a translated word and the form as it was typed; a phone's largest photo still goes
through."""

import functools
import io
from pathlib import Path

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from portal.models import Attachment, DefectReport, MessageAttachment, MessageThread, Residency
from portal.services import photos
from tests.conftest import RESIDENT, csrf_token

TOO_MANY_PIXELS_FI = (
    "Jokin valokuvista oli liian suuri: kuvassa saa olla enintään 24 megapikseliä. "
    "Ota pienempi kuva tai pienennä sitä."
)
DESCRIPTION = "Kylpyhuoneen lattiakaivo vuotaa, kuva liitteenä."


@functools.cache
def png(width: int, height: int, mode: str = "1") -> bytes:
    """A PNG of one colour: a few kilobytes, whatever its size in pixels (black and white
    unless told: the quickest to make, and the pixels' kind changes nothing of the limit)."""
    out = io.BytesIO()
    Image.new(mode, (width, height), "white").save(out, "PNG", compress_level=9)
    return out.getvalue()


# What the attack sent: 7 000 × 7 000 pixels (in a file of 143 KB; this one is smaller).
HOSTILE = (7000, 7000)
# The limit itself, and one row of pixels more.
AT_LIMIT = (6144, 4096)
OVER_LIMIT = (6144, 4097)


def files_in(app, folder: str) -> set[str]:
    path = Path(app.config["UPLOAD_DIR"]) / folder
    return {p.name for p in path.iterdir()} if path.exists() else set()


def post_defect(client, path: str, photo: bytes, **fields):
    data = {
        "location": "apartment",
        "category": "plumbing",
        "cannot_wait": "no",
        "description": DESCRIPTION,
        "phone": "040 765 4321",
        **fields,
        "csrf_token": csrf_token(client, path),
        "photos": [(io.BytesIO(photo), "lattiakaivo.png")],
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_limit_is_a_phones_24_megapixels():
    # An iPhone's default photo, sold as 24 megapixels, is 5712 × 4284.
    assert 5712 * 4284 <= photos.MAX_PIXELS == AT_LIMIT[0] * AT_LIMIT[1]
    # Pillow's own guard stands at the same place, for whatever reads a size we do not.
    assert Image.MAX_IMAGE_PIXELS == photos.MAX_PIXELS


def _never_decode(image, *args, **kwargs):
    raise AssertionError("the image was decoded")


@pytest.mark.parametrize("size", [HOSTILE, OVER_LIMIT])
def test_an_image_over_the_limit_is_refused_without_decoding_it(tmp_path, monkeypatch, size):
    monkeypatch.setattr(ImageFile.ImageFile, "load", _never_decode)
    with pytest.raises(photos.TooManyPixels) as refused:
        photos.process(png(*size), tmp_path)
    # Callers that know only the general reasons refuse it as too large.
    assert refused.value.args == (photos.PhotoError.TOO_LARGE,)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("size", [HOSTILE, OVER_LIMIT])
def test_pillow_refuses_it_too_when_our_own_check_is_passed(tmp_path, monkeypatch, size):
    # Beyond its limit Pillow only warns, up to twice the limit: the warning must refuse.
    monkeypatch.setattr(photos, "MAX_PIXELS", 10**12)
    monkeypatch.setattr(ImageFile.ImageFile, "load", _never_decode)
    with pytest.raises(photos.TooManyPixels):
        photos.process(png(*size), tmp_path)


def test_a_png_with_megabytes_of_text_is_refused(tmp_path):
    # Five text chunks of 900 KiB each, a few kilobytes in the file, inflated when opened.
    info = PngImagePlugin.PngInfo()
    for n in range(5):
        info.add_text(f"Comment{n}", "a" * 900 * 1024, zip=True)
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "PNG", pnginfo=info)
    assert len(out.getvalue()) < 50_000
    with pytest.raises(photos.PhotoError) as refused:
        photos.process(out.getvalue(), tmp_path)
    assert refused.value.args == (photos.PhotoError.NOT_A_PHOTO,)


def test_a_photo_is_decoded_under_the_process_lock(tmp_path, monkeypatch):
    held = []
    decode = photos._decode

    def watched(data):
        held.append(photos._DECODING.locked())
        return decode(data)

    monkeypatch.setattr(photos, "_decode", watched)
    photos.process(png(40, 30, "RGB"), tmp_path)
    assert held == [True]


@pytest.mark.parametrize("size", [HOSTILE, OVER_LIMIT])
def test_resident_form_refuses_it_and_keeps_the_text(app, login_as, size):
    client = login_as(RESIDENT, language="fi")
    files_before, reports_before = files_in(app, "defects"), DefectReport.select().count()
    attachments_before = Attachment.select().count()
    response = post_defect(client, "/defects/new", png(*size))
    assert response.status_code == 422
    assert TOO_MANY_PIXELS_FI in response.text
    assert DESCRIPTION in response.text
    assert files_in(app, "defects") == files_before
    assert DefectReport.select().count() == reports_before
    assert Attachment.select().count() == attachments_before


def test_visitor_form_refuses_it_and_keeps_the_text(app, client):
    client.set_cookie("locale", "fi")
    building = Residency.get(Residency.first_name == "Aino").lease.apartment.building
    files_before, reports_before = files_in(app, "defects"), DefectReport.select().count()
    response = post_defect(
        client,
        "/defects/report",
        png(*HOSTILE),
        name="Ville Vieras",
        email="ville@example.fi",
        building=str(building.id),
        apartment_number="A 1",
    )
    assert response.status_code == 422
    assert TOO_MANY_PIXELS_FI in response.text
    assert DESCRIPTION in response.text
    assert "Ville Vieras" in response.text
    assert files_in(app, "defects") == files_before
    assert DefectReport.select().count() == reports_before


def test_message_form_refuses_it_and_keeps_the_text(app, login_as):
    client = login_as(RESIDENT, language="fi")
    files_before, threads_before = files_in(app, "messages"), MessageThread.select().count()
    attachments_before = MessageAttachment.select().count()
    response = client.post(
        "/messages/new",
        data={
            "topic": "other",
            "subject": "Parvekkeen ovi",
            "body": "Parvekkeen oven tiiviste on irronnut, kuva liitteenä.",
            "csrf_token": csrf_token(client, "/messages/new"),
            "attachments": [(io.BytesIO(png(*HOSTILE)), "parveke.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Valokuva saa olla enintään 15 Mt ja 24 megapikseliä" in response.text
    assert "Parvekkeen oven tiiviste on irronnut" in response.text
    assert files_in(app, "messages") == files_before
    assert MessageThread.select().count() == threads_before
    assert MessageAttachment.select().count() == attachments_before


def test_a_photo_at_the_limit_is_accepted(app, login_as):
    client = login_as(RESIDENT, language="fi")
    response = post_defect(client, "/defects/new", png(*AT_LIMIT, "RGB"))
    assert response.status_code == 303
    report = DefectReport.select().order_by(DefectReport.id.desc()).get()
    assert report.description == DESCRIPTION
    photo = Attachment.get(Attachment.report == report.id)
    assert (photo.width, photo.height) == (1600, 1067)
    stored = Path(app.config["UPLOAD_DIR"]) / "defects" / photo.stored_name
    with Image.open(stored) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 1067))

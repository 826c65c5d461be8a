"""Photos on a slow connection: while a defect report's photo goes up, the form shows how
much has gone; the answer then takes the page's place. A wrong answer brings the form back
with its summary focused; an error page (here: too large) and a broken connection leave
the answers in place, with the reason in the person's language."""

import io
import random
import re

import pytest
from playwright.sync_api import expect

from portal.models import Attachment, DefectReport
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.browser.test_defect_journey import sign_in
from tests.browser.test_slow_phone import slow_phone
from tests.conftest import RESIDENT

pytestmark = pytest.mark.browser

# The photo (about 400 KB once the browser has shrunk it) takes about two seconds to go.
SLOW_UPLOAD = {**slow_phone.SLOW_3G, "latency": 100, "uploadThroughput": 1_600_000 / 8}


def _noisy_photo(path):
    """A photo that stays a few hundred kilobytes even after the browser shrinks it."""
    from PIL import Image

    rng = random.Random(7)
    noise = Image.frombytes("RGB", (200, 150), rng.randbytes(200 * 150 * 3))
    out = io.BytesIO()
    noise.resize((1600, 1200), Image.BILINEAR).save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return str(path)


def _reports(words):
    return DefectReport.select().where(DefectReport.description.contains(words)).count()


def _fill(page, description):
    page.get_by_label("Where is the defect?").select_option("apartment")
    page.get_by_label("What kind of defect is it?").select_option("heating")
    page.get_by_label("Describe the defect").fill(description)


def test_a_photo_upload_shows_its_progress_then_the_report(app, browser, live_server, tmp_path):
    photo = _noisy_photo(tmp_path / "patteri.jpg")
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(2 * PATIENCE_MS)
    page = sign_in(context, live_server, RESIDENT)
    page.goto(live_server + "/defects/new")
    box = page.locator("[data-upload-progress]")
    expect(box).to_be_hidden()

    # First without a description: the form comes back, in place, with its summary focused.
    page.get_by_label("Where is the defect?").select_option("apartment")
    page.get_by_label("Photos (up to 5)").set_input_files(photo)
    expect(page.locator(".previews img")).to_have_count(1)
    page.get_by_role("button", name="Send the notification").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page).to_have_url(live_server + "/defects/new")
    assert _reports("Patteri") == 0

    _fill(page, "Patteri on kylmä, kuva liitteenä.")
    page.get_by_label("Photos (up to 5)").set_input_files(photo)
    expect(page.locator(".previews img")).to_have_count(1)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_UPLOAD)
    page.get_by_role("button", name="Send the notification").click()
    expect(box).to_be_visible()
    status = box.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Sending [1-9]\d?%$"))
    assert 0 < page.locator("[data-upload-progress] progress").evaluate("p => p.value") < 1

    thanks = page.get_by_text(re.compile("Thank you! Your defect notification"))
    expect(thanks).to_be_focused(timeout=PATIENCE_MS)
    expect(page).to_have_url(re.compile(r"/defects/\d+$"))
    expect(page.get_by_role("img", name=re.compile("Photo 1"))).to_be_visible()
    report = DefectReport.get(DefectReport.description == "Patteri on kylmä, kuva liitteenä.")
    assert page.url.endswith(f"/defects/{report.id}")
    assert Attachment.select().where(Attachment.report == report).count() == 1

    # Back leads to the form page itself, loaded again.
    cdp.send("Network.emulateNetworkConditions", {**SLOW_UPLOAD, "uploadThroughput": -1})
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a defect")
    context.close()


def test_a_broken_connection_keeps_the_answers(app, browser, live_server, tmp_path):
    photo = _noisy_photo(tmp_path / "vuoto.jpg")
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = sign_in(context, live_server, RESIDENT)
    page.goto(live_server + "/defects/new")
    _fill(page, "Hanasta tippuu vettä keittiössä.")
    page.get_by_label("Photos (up to 5)").set_input_files(photo)
    expect(page.locator(".previews img")).to_have_count(1)
    context.set_offline(True)
    page.get_by_role("button", name="Send the notification").click()
    status = page.locator("[data-upload-progress] [role=status]")
    expect(status).to_have_text(re.compile("^The connection broke"))
    expect(page.get_by_label("Describe the defect")).to_have_value(
        "Hanasta tippuu vettä keittiössä."
    )
    assert _reports("Hanasta tippuu") == 0

    # Back online, the same form goes through.
    context.set_offline(False)
    page.get_by_role("button", name="Send the notification").click()
    expect(page.get_by_text(re.compile("Thank you! Your defect notification"))).to_be_visible()
    assert _reports("Hanasta tippuu") == 1
    context.close()


def test_an_error_page_shows_in_the_form_and_the_answers_stay(app, browser, live_server, tmp_path):
    photo = _noisy_photo(tmp_path / "iso.jpg")
    app.config["MAX_CONTENT_LENGTH"] = 100_000  # the shrunk photo is about 400 KB
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = sign_in(context, live_server, RESIDENT)
    page.get_by_role("button", name="På svenska").click()
    page.goto(live_server + "/defects/new")
    page.get_by_label("Var finns felet?").select_option("apartment")
    page.get_by_label("Vilken typ av fel är det?").select_option("heating")
    page.get_by_label("Beskriv felet").fill("Ovandörren stänger sig inte.")
    page.get_by_label("Foton (högst 5)").set_input_files(photo)
    expect(page.locator(".previews img")).to_have_count(1)
    page.get_by_role("button", name="Skicka anmälan").click()
    status = page.locator("[data-upload-progress] [role=status]")
    expect(status).to_have_text(re.compile("^Filen är för stor"))
    expect(page).to_have_url(live_server + "/defects/new")
    expect(page.get_by_label("Beskriv felet")).to_have_value("Ovandörren stänger sig inte.")
    assert _reports("Ovandörren") == 0
    context.close()

"""A resident reports a defect with a photo on a phone; maintenance repairs it."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, PHONE, use_language
from tests.conftest import MAINTENANCE, PASSWORD, RESIDENT

pytestmark = pytest.mark.browser


def sign_in(context, base, email):
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    use_language(page, "en")
    return page


def test_report_with_a_photo_resized_in_the_browser_then_repaired(
    app, browser, live_server, tmp_path
):
    original = tmp_path / "vuoto.jpg"
    Image.effect_noise((3000, 2000), 90).convert("RGB").save(original, quality=95)
    assert original.stat().st_size > 1_500_000

    resident = browser.new_context(viewport=PHONE, locale="en-GB")
    resident.set_default_timeout(PATIENCE_MS)
    page = sign_in(resident, live_server, RESIDENT)
    page.goto(live_server + "/defects/new")
    page.get_by_label("Where is the defect?").select_option("apartment")
    page.get_by_label("What kind of defect is it?").select_option("appliances")
    page.get_by_label("Describe the defect").fill("Jääkaappi ei kylmennä ja pitää ääntä.")
    page.get_by_label("Photos (up to 5)").set_input_files(str(original))
    expect(page.locator(".previews img")).to_have_count(1)
    expect(page.locator(".previews button", has_text="Remove")).to_be_visible()
    # The file input now holds a JPEG resized in the browser, not the 3000 px original.
    chosen = page.evaluate(
        """async () => {
            const file = document.querySelector('#photos').files[0];
            const bitmap = await createImageBitmap(file);
            return {size: file.size, type: file.type, width: bitmap.width};
        }"""
    )
    assert chosen["type"] == "image/jpeg"
    assert chosen["width"] == 1600
    assert chosen["size"] < original.stat().st_size / 3
    page.get_by_role("button", name="Send the notification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kitchen appliances")
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible()
    report_url = page.url

    staff = browser.new_context(viewport=PHONE, locale="en-GB")
    staff.set_default_timeout(PATIENCE_MS)
    desk = sign_in(staff, live_server, MAINTENANCE)
    desk.goto(live_server + "/staff/defects/")
    desk.get_by_role("link", name="Kitchen appliances").click()
    desk.get_by_label("Status").select_option("done")
    desk.get_by_label("Note", exact=True).fill("Jääkaapin termostaatti vaihdettu.")
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_text("The defect notification was updated.")).to_be_visible()

    page.goto(report_url)
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Received")
    expect(timeline).to_contain_text("Done")
    expect(timeline).to_contain_text("Jääkaapin termostaatti vaihdettu.")
    page.get_by_role("button", name="Yes, it is repaired").click()
    expect(timeline).to_contain_text("The resident confirmed the repair")
    resident.close()
    staff.close()


def test_report_in_swedish_without_javascript_on_a_slow_connection(
    app, browser, live_server, tmp_path
):
    photo = tmp_path / "kuva.jpg"
    Image.new("RGB", (2400, 1800), (120, 80, 40)).save(photo, quality=90)
    context = browser.new_context(viewport=PHONE, locale="sv-FI", java_script_enabled=False)
    context.set_default_timeout(2 * PATIENCE_MS)
    page = context.new_page()
    # A cheap phone on a poor mobile connection: 300 ms latency, 50 kB/s down, 25 kB/s up.
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 300,
            "downloadThroughput": 50_000,
            "uploadThroughput": 25_000,
        },
    )
    page.goto(live_server + "/defects/report")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_label("Ditt namn").fill("Sven Besökare")
    page.get_by_label("Byggnad").select_option(label="Sturenkatu 21, 00510 Helsinki")
    page.get_by_label("Bostad (till exempel A 12)").fill("a 5")
    page.locator("#location").select_option("apartment")
    page.locator("#category").select_option("water_leak")
    page.locator("#description").fill("Det droppar vatten från taket i badrummet.")
    page.locator("#phone").fill("040 111 2222")
    page.locator("#photos").set_input_files(str(photo))
    page.get_by_role("button", name="Skicka anmälan").click()
    # Urgent: without JavaScript the server stops the form and asks to call first.
    expect(page.locator("#called-error")).to_be_visible()
    expect(page.locator("#description")).to_have_value("Det droppar vatten från taket i badrummet.")
    page.locator("#photos").set_input_files(str(photo))
    page.locator("#called").check()
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("p.lead").inner_text().split()[-1].count("-") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()

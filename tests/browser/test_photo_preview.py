"""The photo chosen on the defect form is previewed in the browser, within the site's CSP."""

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_chosen_photo_is_previewed_without_breaking_the_content_security_policy(
    browser, live_server, tmp_path
):
    photo = tmp_path / "vuoto.jpg"
    Image.new("RGB", (800, 600), (180, 90, 40)).save(photo)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fi-FI")
    page = context.new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if msg.type == "error" else None)
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (event) {"
        " window.reportViolation(event.violatedDirective + ' ' + event.blockedURI); });"
    )
    page.goto(live_server + "/defects/report")
    page.locator("input[type=file][data-resize]").set_input_files(str(photo))
    preview = page.locator(".previews img")
    expect(preview).to_have_count(1)
    preview.evaluate("img => img.decode().catch(() => null)")
    assert preview.evaluate("img => img.naturalWidth") > 0
    assert violations == []
    context.close()

"""Every page in a real browser, as each kind of person who can see it, in fi, sv and en.

At phone width: no console errors (CSP violations included), nothing wider than the screen,
the page's language set right, and no WCAG 2.1 A/AA violation found by axe-core. Pages come
from the URL map.

Every page is checked in every language, but not as every kind of person in every language:
the kinds of person who see a page share its languages out between them
(harness.share_languages). Eleven kinds of person each opening every page in three languages
made this the slowest test of the suite, for little more than it checks now.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import harness
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.conftest import PASSWORD

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Only the violations are wanted in full: the passes would be serialised for nothing.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
AXE_RUN = "options => axe.run(document, options)"
LANGUAGES = harness.LANGUAGES

pytestmark = pytest.mark.browser


def _post_form(context, url, fields):
    page_html = context.request.get(url.rsplit("/", 1)[0] + "/").text()
    token = harness.CSRF_RE.search(page_html).group(1)
    return context.request.post(url, form={**fields, "csrf_token": token})


@pytest.mark.parametrize("kind", harness.KINDS, ids=harness.KIND_IDS)
def test_every_page_in_the_browser(app, browser, live_server, kind):
    plan = harness.share_languages(app)
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(PATIENCE_MS)
    if kind.email:
        _post_form(context, live_server + "/login", {"email": kind.email, "password": PASSWORD})
    if kind.acting_for:
        _post_form(context, live_server + harness.acting_url(kind), {})
    for link in harness.OPENED_LINKS:
        context.request.get(live_server + link)
    page = context.new_page()
    # axe-core comes with every page the browser opens, before the page's own scripts.
    page.add_init_script(Axe().axe_script)
    errors = []
    page.on(
        "console",
        lambda msg: (
            errors.append((msg.text, msg.location.get("url", ""))) if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append((str(exc), "")))
    problems = []
    for language in LANGUAGES:
        chosen = [
            (endpoint, path)
            for endpoint, path in harness.pages(app, kind)
            if language in plan[(kind.name, endpoint)]
        ]
        if not chosen:
            continue
        _post_form(context, live_server + "/locale", {"language": language})
        for _endpoint, path in chosen:
            errors.clear()
            response = page.goto(live_server + path)
            where = f"{path} ({language})"
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                problems.append(f"{where}: not an HTML page")
                continue
            lang = page.locator("html").get_attribute("lang")
            if lang != language:
                problems.append(f"{where}: lang is {lang!r}")
            for violation in page.evaluate(AXE_RUN, AXE_OPTIONS)["violations"]:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{where}: axe {violation['id']}: {violation['help']} {targets}")
            if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
                problems.append(f"{where}: wider than a {PHONE['width']} px phone screen")
            # An error page logs its own status (404, 400…) in the console: that is expected.
            own_status = "Failed to load resource: the server responded with a status of"
            problems.extend(
                f"{where}: console: {text}"
                for text, url in errors
                if not (text.startswith(own_status) and url == page.url)
            )
    context.close()
    assert not problems, "\n".join(problems)


def test_axe_finds_what_is_wrong(browser):
    """The checker itself works as the test runs it: a page without a title, a language or
    an image's text is reported."""
    page = browser.new_page()
    page.add_init_script(Axe().axe_script)
    page.goto("data:text/html,<html><body><img src='kuva.png'></body></html>")
    found = {violation["id"] for violation in page.evaluate(AXE_RUN, AXE_OPTIONS)["violations"]}
    page.close()
    assert {"document-title", "html-has-lang", "image-alt"} <= found

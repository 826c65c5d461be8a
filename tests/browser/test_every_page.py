"""Every page in a real browser, as each kind of person who can see it, in fi, sv and en.

At phone width, in every language: no console errors (CSP violations included), nothing
wider than the screen, and the page's language set right. Pages come from the URL map.

axe-core looks for WCAG 2.1 A/AA violations on every page in every language, but not as
every kind of person in every language: the kinds of person who see a page share its
languages out between them (harness.share_languages). axe takes four times as long as
loading a page; running it in three languages for each of eleven kinds of person made this
the slowest test of the suite.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import harness
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.conftest import PASSWORD

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
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
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda msg: (
            errors.append((msg.text, msg.location.get("url", ""))) if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append((str(exc), "")))
    problems = []
    axe = Axe()
    for language in LANGUAGES:
        _post_form(context, live_server + "/locale", {"language": language})
        for endpoint, path in harness.pages(app, kind):
            errors.clear()
            response = page.goto(live_server + path)
            where = f"{path} ({language})"
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                problems.append(f"{where}: not an HTML page")
                continue
            lang = page.locator("html").get_attribute("lang")
            if lang != language:
                problems.append(f"{where}: lang is {lang!r}")
            if language in plan[(kind.name, endpoint)]:
                options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
                for violation in axe.run(page, options=options).response["violations"]:
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    problems.append(
                        f"{where}: axe {violation['id']}: {violation['help']} {targets}"
                    )
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

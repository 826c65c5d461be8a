"""Browser tests: Playwright drives Debian's Chromium against the app on a loopback port.

Outside CI, the tests skip with a visible reason when no Chromium is installed; with
PORTAL_REQUIRE_TOOLS=1 (as .ci/run sets it) a missing browser fails the run instead.
"""

import os
import shutil
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.machine import real_time_environment

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import slow_phone

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("PORTAL_REQUIRE_TOOLS") == "1"
PHONE = {"width": 360, "height": 740}

# How long a step may wait for the page. A page answers in milliseconds on a quiet machine,
# but a busy one (the CI beside a benchmark) can take seconds: a passing step never waits
# this long, a failing one says so after it.
PATIENCE_MS = 30_000
expect.set_options(timeout=PATIENCE_MS)

LANGUAGE_BUTTONS = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}


def use_language(page, code, press=None):
    """Turn the page into a language unless it is in it already: the header offers only the
    other two. `press` (a keyboard helper) presses the button instead of clicking it."""
    html = page.locator("html")
    if html.get_attribute("lang") != code:
        button = page.get_by_role("button", name=LANGUAGE_BUTTONS[code])
        press(page, button) if press else button.click()
    expect(html).to_have_attribute("lang", code)


def open_menu(page):
    """Open the signed-in header's menu (a <details>) so its links can be used."""
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    return page.get_by_role("navigation", name="Main menu")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    if REQUIRED:
        raise pytest.UsageError("PORTAL_REQUIRE_TOOLS=1 but no chromium is on the PATH")
    skip = pytest.mark.skip(reason="no Chromium found: install Debian's chromium package")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # The browser keeps the machine's time when the tests run under libfaketime, which
        # sends its page renderers spinning; the pages' dates come from the server.
        "env": real_time_environment(),
        "args": slow_phone.LAUNCH_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "locale": "fi-FI"}


@pytest.fixture
def live_server(app):
    """Serve the test's app on a free loopback port for the browser; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def console_errors(page):
    """Collect console errors (CSP violations included) and uncaught page errors."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors

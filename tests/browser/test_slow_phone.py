"""A slow phone on a slow connection: Chromium throttled to slow 3G and a CPU four times
slower opens the pages residents use most, with an empty cache and again with the cache
filled. Each page shows its heading; an empty cache fetches at most three files, a filled
one nothing but the page itself. How long each takes is measured by `make bench`
(bench/slow_phone.py), where a busy machine cannot fail a test.
"""

import sys
from pathlib import Path

import pytest

from tests.conftest import RESIDENT, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import slow_phone

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "ready"),
    [(path, ready) for _, path, ready in slow_phone.PAGES],
    ids=[name for name, _, _ in slow_phone.PAGES],
)
def test_usable_on_a_slow_phone_cold_and_warm(app, browser, live_server, path, ready):
    client = app.test_client()
    sign_in(client, RESIDENT)
    context, page = slow_phone.slow_page(
        browser, live_server, client.get_cookie("portal_session").value
    )
    cold = slow_phone.visit(page, live_server + path)
    assert ready in page.get_by_role("heading", level=1).inner_text()
    warm = slow_phone.visit(page, live_server + path)
    context.close()
    assert cold["requests"] <= 3, cold
    assert warm["requests"] == 1, warm
    assert warm["bytes"] < cold["bytes"], (cold, warm)

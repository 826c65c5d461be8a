"""A slow phone on a slow connection: Chromium throttled to slow 3G (400 kbit/s each way,
400 ms round trips) and a CPU four times slower, opening the dashboard and the defect form
with an empty cache and again with the cache filled; then the other pages residents use most.

The page counts as usable when its HTML is parsed, its stylesheet applied and its deferred
script run (DOMContentLoaded). Budgets: 4 s with an empty cache, 2 s with a filled one;
a filled cache fetches nothing but the page itself.
"""

import pytest

from tests.browser.conftest import PHONE
from tests.conftest import RESIDENT, sign_in

pytestmark = pytest.mark.browser

SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
COLD_BUDGET_MS = 4000
WARM_BUDGET_MS = 2000

TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fetched = performance.getEntriesByType("resource").filter((e) => e.transferSize > 0);
  return {
    usable: nav.domContentLoadedEventEnd - nav.startTime,
    loaded: nav.loadEventEnd - nav.startTime,
    bytes: nav.transferSize + fetched.reduce((sum, e) => sum + e.transferSize, 0),
    requests: 1 + fetched.length,
  };
}"""


def _visit(page, url: str) -> dict:
    page.goto(url, wait_until="load")
    return page.evaluate(TIMING)


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/", "Hei, Aino"),
        ("/defects/new", "Tee vikailmoitus"),
        ("/defects/", "Vikailmoitukset"),
        ("/bookings/sauna", "Saunavuorot"),
        ("/payments/", "Vuokra ja maksut"),
        ("/messages/new", "Uusi viesti"),
        ("/requests/new/diy_renovation", "Muutostyölupa"),
    ],
    ids=[
        "dashboard",
        "defect-form",
        "defects",
        "sauna",
        "payments",
        "message-form",
        "request-form",
    ],
)
def test_usable_on_a_slow_phone_cold_and_warm(app, browser, live_server, path, ready):
    client = app.test_client()
    sign_in(client, RESIDENT)
    context = browser.new_context(viewport=PHONE, locale="fi-FI")
    context.add_cookies(
        [
            {
                "name": "portal_session",
                "value": client.get_cookie("portal_session").value,
                "url": live_server,
            }
        ]
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})

    cold = _visit(page, live_server + path)
    assert ready in page.get_by_role("heading", level=1).inner_text()
    warm = _visit(page, live_server + path)
    context.close()
    print(f"slow 3G {path}: cold {cold}, warm {warm}")

    assert cold["requests"] <= 3, cold
    assert warm["requests"] == 1, warm
    assert cold["usable"] <= COLD_BUDGET_MS, cold
    assert warm["usable"] <= WARM_BUDGET_MS, warm

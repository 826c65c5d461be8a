"""A slow phone on a slow connection: Chromium throttled to slow 3G (400 kbit/s each way,
400 ms round trips) and a CPU four times slower opens the pages residents use most, with an
empty cache and again with the cache filled.

A page counts as usable when its HTML is parsed, its stylesheet applied and its deferred
script run (DOMContentLoaded). Budgets: 4 s with an empty cache, 2 s with a filled one. The
times are the benchmark's; the browser tests check the same visits for what cannot flake
(the heading, the number of requests).
"""

import shutil

SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
COLD_BUDGET_MS = 4000
WARM_BUDGET_MS = 2000
PHONE = {"width": 360, "height": 740}

# (id, path, the Finnish heading that shows the page is there)
PAGES = [
    ("dashboard", "/", "Hei, Aino"),
    ("defect-form", "/defects/new", "Tee vikailmoitus"),
    ("defects", "/defects/", "Vikailmoitukset"),
    ("sauna", "/bookings/sauna", "Saunavuorot"),
    ("payments", "/payments/", "Vuokra ja maksut"),
    ("message-form", "/messages/new", "Uusi viesti"),
    ("request-form", "/requests/new/diy_renovation", "Muutostyölupa"),
]

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

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def slow_page(browser, base_url: str, session_cookie: str):
    """Open a phone-sized page, signed in with the session cookie's value, throttled to slow
    3G and a four times slower CPU; return the context and the page."""
    context = browser.new_context(viewport=PHONE, locale="fi-FI")
    context.add_cookies([{"name": "portal_session", "value": session_cookie, "url": base_url}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page


def visit(page, url: str) -> dict:
    """Load the URL and return how long it took to become usable, its bytes and requests."""
    page.goto(url, wait_until="load", timeout=60_000)
    return page.evaluate(TIMING)


def measure(base_url: str, session_cookie: str) -> list[dict]:
    """Visit every page cold and warm in Debian's Chromium; return a row per page."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=LAUNCH_ARGS
        )
        for name, path, ready in PAGES:
            context, page = slow_page(browser, base_url, session_cookie)
            cold = visit(page, base_url + path)
            heading = page.get_by_role("heading", level=1).inner_text()
            warm = visit(page, base_url + path)
            context.close()
            rows.append({"page": name, "ready": ready in heading, "cold": cold, "warm": warm})
        browser.close()
    return rows


def report(rows: list[dict]) -> list[str]:
    """Print the slow-phone table and return the budgets that broke."""
    failures = []
    print(
        f"\nSlow phone (slow 3G, CPU {CPU_SLOWDOWN}x slower; usable at DOMContentLoaded,"
        f" budgets {COLD_BUDGET_MS} ms cold, {WARM_BUDGET_MS} ms warm)"
    )
    print(f"{'page':14} {'cold ms':>8} {'warm ms':>8} {'cold B':>7} {'requests':>9}")
    for row in rows:
        cold, warm = row["cold"], row["warm"]
        print(
            f"{row['page']:14} {cold['usable']:8.0f} {warm['usable']:8.0f} {cold['bytes']:7}"
            f" {cold['requests']:>5}/{warm['requests']}"
        )
        if not row["ready"]:
            failures.append(f"slow phone {row['page']}: the page's heading did not show")
        if cold["usable"] > COLD_BUDGET_MS:
            failures.append(f"slow phone {row['page']}: usable after {cold['usable']:.0f} ms cold")
        if warm["usable"] > WARM_BUDGET_MS:
            failures.append(f"slow phone {row['page']}: usable after {warm['usable']:.0f} ms warm")
        if cold["requests"] > 3 or warm["requests"] != 1:
            failures.append(f"slow phone {row['page']}: {cold['requests']}/{warm['requests']}")
    return failures

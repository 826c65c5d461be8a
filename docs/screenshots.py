"""Screenshots of the main pages at phone width, for the README: `make screenshots`.

Builds the demo company in a temporary folder, serves it on a loopback port, signs in as a
resident and as customer service in Chromium (Debian's package) and saves each page as
docs/<name>.png. Run it again after a change to the pages to refresh the pictures.
"""

import logging
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app, demo  # noqa: E402
from portal.database import upgrade  # noqa: E402
from portal.models import db  # noqa: E402

PHONE = {"width": 360, "height": 740}
RESIDENT = "aino.virtanen@example.fi"
STAFF = "leena.makinen@example.fi"
# (file name, who signs in, path, what the picture shows)
SHOTS = [
    ("start", None, "/", "the start page before signing in"),
    ("dashboard", RESIDENT, "/", "a resident's dashboard"),
    ("defect-form", RESIDENT, "/defects/new", "the defect notification form"),
    ("sauna", RESIDENT, "/bookings/sauna", "the sauna week"),
    ("payments", RESIDENT, "/payments/", "rent and other payments"),
    ("staff-queue", STAFF, "/staff/defects/", "the staff defect queue"),
]


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Screenshots need Debian's chromium package.", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="portal-shots-"))
    app = create_app(
        {
            "SECRET_KEY": "screenshots-" + "k" * 40,
            "DATA_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
            "UPLOAD_DIR": str(folder / "uploads"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(db.obj)
        with db.connection_context():
            demo.load(app.config["IDENTITY_KEY"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            contexts = {}
            for name, who, path, _what in SHOTS:
                if who not in contexts:
                    context = browser.new_context(viewport=PHONE, locale="fi-FI")
                    page = context.new_page()
                    if who:
                        page.goto(base + "/login")
                        page.fill("input[name=email]", who)
                        page.fill("input[name=password]", demo.DEMO_PASSWORD)
                        page.locator("main form button[type=submit]").click()
                        page.wait_for_load_state("load")
                    contexts[who] = page
                page = contexts[who]
                page.goto(base + path, wait_until="load")
                target = ROOT / "docs" / f"{name}.png"
                page.screenshot(path=str(target), full_page=False)
                print(f"{target.relative_to(ROOT)}: {_what}")
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

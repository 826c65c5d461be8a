"""The portal's benchmark: queries and query plans at small and large data, bytes per page,
and server cost per page against a reference page.

The demo company is measured first, then a large one is grown on top of it (thousands of
apartments, tens of thousands of defects, requests, invoices and conversations) and every
page is measured again: the number of queries must not grow, and no list query may scan a
large table or sort it without an index. Then the portal, the reference page
(bench/reference_app.py: what every signed-in page must do, written by hand) and a bare
hello-world run under gunicorn with the same settings; wrk loads them from a second process
over loopback, alternating reference and page runs, and each page's cost is its workers' CPU
time per request against the reference's (bench/speed.py). Debian's Chromium, throttled to
slow 3G and a slower CPU, times the pages residents use most (bench/slow_phone.py). Last,
anonymous reports with photos too large to decode are sent while the start page is loaded,
against a server with the shipped gunicorn settings (bench/hostile.py).

    python bench/run.py [--seconds 3] [--rounds 3] [--connections 8] [--json results.json]
                        [--small] [--only-pages] [--pages SUBSTRING] [--only-hostile]
"""

import argparse
import gzip
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON_BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
NOSCRIPT_RE = re.compile(r"<noscript>.*?</noscript>", re.S)
BANNER_MARK = b'class="incident-banner'

# Budgets of DESIGN.md.
HTML_BUDGET = 14 * 1024
PARTIAL_BUDGET = 4 * 1024
CRITICAL_BUDGET = 45 * 1024
# The dashboard's p99 while photos are uploaded (the writes under load).
PHOTO_P99_BUDGET_MS = 50.0
QUERY_BUDGET = 8
SECRET_KEY = "bench-" + "k" * 58
# The hostile uploads keep the load they were budgeted with.
HOSTILE_CONNECTIONS = 4
# Every request of the benchmark says the same, as a browser does: the measurement must not
# depend on whether the portal notices a browser changing.
USER_AGENT = "portal-bench"

# (label, path, who, class): who is a demo email or None for a visitor; the class names the
# ratio budget (bench/speed.py). A path may name an object found after the data has grown.
# The heaviest household: hundreds of defects, and the demo's water cut in its building, so
# its pages carry the incident banner (the bytes table says which pages show one).
RESIDENT = "aino.virtanen@example.fi"
TYPICAL = "tuuli.tavallinen@example.fi"  # = dataset.TYPICAL_EMAIL, a handful of defects
STAFF = "leena.makinen@example.fi"
PAGES = [
    ("start page (visitor)", "/", None, "public"),
    ("sign-in page", "/login", None, "public"),
    ("dashboard (resident)", "/", RESIDENT, "resident-heavy"),
    ("defect list (resident)", "/defects/", RESIDENT, "resident-heavy"),
    ("defect page (resident)", "/defects/1", RESIDENT, "resident-heavy"),
    ("defect form (resident)", "/defects/new", RESIDENT, "resident-heavy"),
    ("sauna week (resident)", "/bookings/sauna", RESIDENT, "resident-heavy"),
    ("payments (resident)", "/payments/", RESIDENT, "resident-heavy"),
    ("dashboard (typical)", "/", TYPICAL, "resident-typical"),
    ("defect list (typical)", "/defects/", TYPICAL, "resident-typical"),
    ("defect page (typical)", "/defects/{typical_defect}", TYPICAL, "resident-typical"),
    ("sauna week (typical)", "/bookings/sauna", TYPICAL, "resident-typical"),
    ("payments (typical)", "/payments/", TYPICAL, "resident-typical"),
    ("staff start page", "/staff/", STAFF, "staff"),
    ("defect queue (staff)", "/staff/defects/", "jari.laine@example.fi", "staff"),
    ("defect queue p. 20 (staff)", "/staff/defects/?status=all&page=20", STAFF, "staff"),
    ("defect search (staff)", "/staff/defects/?status=all&q=Sturenkatu", STAFF, "staff"),
    ("request queue (staff)", "/staff/requests/", STAFF, "staff"),
    ("message queue (staff)", "/staff/messages/", STAFF, "staff"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback only)
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def gunicorn(app: str, port: int, env: dict, workers: int, log: Path) -> subprocess.Popen:
    """Start gunicorn the same way for either app; its errors go to ``log``."""
    command = [
        str(PYTHON_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        app,
    ]
    return subprocess.Popen(command, env=env, stderr=log.open("w"))  # noqa: S603


def prepare_data(data_dir: Path, env: dict) -> None:
    """Create the demo database the portal serves during the run."""
    for command in (["upgrade"], ["demo-data"]):
        subprocess.run(  # noqa: S603
            [str(PYTHON_BIN / "flask"), "--app", "portal", *command],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )


def bench_app(data_dir: Path):
    """The portal in this process on the benchmark's database, with the server's secret (so
    its sessions are the server's), without rate limits or a mail thread."""
    from portal import create_app

    return create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'portal.db'}",
            "UPLOAD_DIR": str(data_dir / "uploads"),
            "RATELIMIT_ENABLED": False,
            "MAIL_WORKER": "off",
        }
    )


def query_table(data_dir: Path, grow_data: bool) -> tuple[list[dict], dict, dict]:
    """Measure every page in-process at the demo size, grow the data, measure again; return
    the rows, the large data's size and the objects the page paths name (at the large size:
    the typical household's first defect)."""
    import dataset
    import queries

    from portal.demo import DEMO_PASSWORD
    from portal.models import db
    from portal.services import housekeeping

    app = bench_app(data_dir)
    small = queries.measure(app, DEMO_PASSWORD)
    sizes, ids = {}, {}
    if grow_data:
        started = time.monotonic()
        with app.app_context(), db.connection_context():
            sizes = dataset.grow()
            housekeeping.refresh_statistics()
            typical = dataset.typical_household()
        sizes["seconds to build"] = round(time.monotonic() - started, 1)
        sizes["typical household's defects"] = typical["defects"]
        ids["typical_defect"] = typical["defect"]
    large = queries.measure(app, DEMO_PASSWORD)
    with app.app_context(), db.connection_context():
        rows = queries.compare(small, large)
    return rows, sizes, ids


def session_cookie(base: str, email: str, password: str) -> str:
    """Sign in through the real form, as the benchmark's User-Agent, and return the Cookie
    header for that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    opener.open(base + "/login", data=form.encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fetch(url: str, cookie: str | None, encoding: str = "gzip") -> tuple[bytes, dict]:
    headers = {"Accept-Encoding": encoding, "User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310
        body = response.read()
        return body, dict(response.headers)


def probe(url: str, cookie: str | None) -> tuple[int, list[str]]:
    """Ask for a page once as wrk does (no redirect followed); return its status and the
    Set-Cookie headers of the answer."""
    parts = urllib.parse.urlsplit(url)
    headers = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), None, headers
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get_all("Set-Cookie") or []
    finally:
        connection.close()


def steady_cookie(url: str, cookie: str | None) -> tuple[str | None, int, list[str]]:
    """The Cookie header a browser would hold after asking for the page now, the status of a
    second request with it and the names of the cookies that second answer still sets.

    The portal notes a signed-in person's activity in the session cookie once a minute: a
    cookie taken minutes earlier is signed again and sent back on every response, which a
    browser would have taken. So the cookie is brought up to date before each page's runs;
    after that, a steady page sets no cookie (the runs of one page last under a minute)."""
    _, set_cookies = probe(url, cookie)
    if cookie and set_cookies:
        jar = dict(part.split("=", 1) for part in cookie.split("; "))
        jar.update(header.split(";", 1)[0].split("=", 1) for header in set_cookies)
        cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
    status, set_cookies = probe(url, cookie)
    return cookie, status, [header.split("=", 1)[0] for header in set_cookies]


def byte_table(base: str, cookies: dict, pages: list[tuple]) -> list[dict]:
    """Measure each page's HTML and the critical bytes of a first visit."""
    rows = []
    for label, path, who, _kind in pages:
        body, headers = fetch(base + path, cookies.get(who))
        html = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
        # A browser running JavaScript skips what is inside <noscript>, one without it skips
        # the scripts: either way the first visit loads one of the two, never both.
        assets = ASSET_RE.findall(NOSCRIPT_RE.sub("", html.decode()))
        asset_bytes = sum(len(fetch(base + asset, None)[0]) for asset in assets)
        squeezed = sum(len(fetch(base + asset, None, "br")[0]) for asset in assets)
        rows.append(
            {
                "page": label,
                "path": path,
                "html_raw": len(html),
                "html_gzip": len(gzip.compress(html, 6)),
                "html_brotli": len(brotli.compress(html, quality=5)),
                "critical_gzip": len(body) + asset_bytes,
                "critical_brotli": len(fetch(base + path, cookies.get(who), "br")[0]) + squeezed,
                "cold_requests": 1 + len(assets),
                "warm_requests": 1,
                "banner": BANNER_MARK in html,
            }
        )
    return rows


def wrk(url: str, seconds: int, connections: int, cookie: str | None) -> dict:
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--script",
        str(BENCH / "report.lua"),
        "--header",
        "Accept-Encoding: gzip, deflate, br",  # as a browser asks
        "--header",
        f"User-Agent: {USER_AGENT}",  # the one the session was signed in with
    ]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="Length of each wrk run.")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Rounds of (reference run, page run) per page."
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--warm-up-seconds", type=int, default=2, help="Load on each server before the runs."
    )
    parser.add_argument("--write-seconds", type=int, default=10)
    parser.add_argument("--hostile-seconds", type=int, default=5)
    parser.add_argument(
        "--only-hostile", action="store_true", help="Only the hostile uploads, on the demo data."
    )
    parser.add_argument(
        "--only-pages",
        action="store_true",
        help="Queries, bytes and server speed only: no writes, hostile uploads or slow phone.",
    )
    parser.add_argument(
        "--pages",
        metavar="SUBSTRING",
        help="Only the pages whose label holds SUBSTRING (any case) in the bytes and speed.",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--small", action="store_true", help="Only the demo data.")
    return parser.parse_args()


def chosen_pages(args: argparse.Namespace, ids: dict) -> list[tuple[str, str, str | None, str]]:
    """PAGES as asked for (``--pages``), their paths filled in. The typical household is grown
    with the large data: with ``--small`` its pages are left out."""
    pages, left_out = [], []
    for label, path, who, kind in PAGES:
        if args.pages and args.pages.lower() not in label.lower():
            continue
        if who == TYPICAL and args.small:
            left_out.append(label)
            continue
        pages.append((label, path.format(**ids), who, kind))
    if left_out:
        print("Left out with --small (no typical household): " + ", ".join(left_out))
    return pages


def reference_database(path: Path) -> list[str]:
    """Build the reference page's database and return the plan of its list query, which must
    walk the index in order (no scan, no sort)."""
    import reference_app

    reference_app.build_database(path)
    plan = reference_app.query_plan(path)
    if not any("USING INDEX item_owner_created" in step for step in plan) or any(
        "TEMP B-TREE" in step or step.startswith("SCAN") for step in plan
    ):
        raise RuntimeError(f"The reference page's query does not use its index: {plan}")
    return plan


def main() -> int:
    args = parse_args()
    if args.pages and not any(
        args.pages.lower() in label.lower() for label in ("hello-world", *(p[0] for p in PAGES))
    ):
        print(f"No page's label holds {args.pages!r}.", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("The benchmark needs wrk: apt-get install wrk", file=sys.stderr)
        return 2

    sys.path.insert(0, str(ROOT))
    from portal.demo import DEMO_PASSWORD

    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    inherited = [part for part in os.environ.get("PYTHONPATH", "").split(os.pathsep) if part]
    env = {
        **os.environ,
        # Production settings but for Secure cookies, which a client on plain-HTTP
        # loopback would not send back.
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_DATA_DIR": str(data_dir),
        # The servers and commands import this checkout's portal (not one installed
        # elsewhere) and the bench's own apps.
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT), *inherited]),
        "BENCH_REFERENCE_DB": str(data_dir / "reference.db"),
    }
    env.pop("PORTAL_DATABASE_URL", None)
    prepare_data(data_dir, env)
    sys.path.insert(0, str(BENCH))
    if args.only_hostile:
        import hostile

        try:
            hostile_result = hostile_uploads(data_dir, env, args)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        return 1 if hostile.report(hostile_result) else 0
    query_rows, data_sizes, ids = query_table(data_dir, grow_data=not args.small)
    pages = chosen_pages(args, ids)
    plan = reference_database(data_dir / "reference.db")
    ports = {name: free_port() for name in ("portal", "reference", "hello")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    portal_log = data_dir / "portal-server.log"
    # The three servers start the same way: the same gunicorn, workers and flags.
    servers = {
        "portal": gunicorn("portal:create_app()", ports["portal"], env, args.workers, portal_log),
        "reference": gunicorn(
            "reference_app:app",
            ports["reference"],
            env,
            args.workers,
            data_dir / "reference-server.log",
        ),
        "hello": gunicorn(
            "hello:app", ports["hello"], env, args.workers, data_dir / "hello-server.log"
        ),
    }
    writes_result, writes_failures, phone_rows, hostile_result = {}, [], [], {}
    try:
        portal = urls["portal"]
        wait_for(portal + "/healthz")
        wait_for(urls["reference"] + "/login")
        wait_for(urls["hello"] + "/")
        people = {who for _, _, who, _ in pages if who}
        if not args.only_pages:
            people |= {RESIDENT, STAFF}  # the writes' readers and the slow phone
        # One sign-in per person: the sign-in form's rate limit allows ten a minute.
        cookies = {who: session_cookie(portal, who, DEMO_PASSWORD) for who in sorted(people)}
        sizes = byte_table(portal, cookies, pages)
        speed_rows, reference, notes = server_speed(args, pages, cookies, servers, urls)
        reference["plan"] = plan
        if not args.only_pages:
            cookies[RESIDENT] = steady_cookie(portal + "/", cookies[RESIDENT])[0]
            cookies[STAFF] = steady_cookie(portal + "/staff/defects/", cookies[STAFF])[0]
            if shutil.which("chromium"):
                import slow_phone

                session = cookies[RESIDENT].split("portal_session=", 1)[1].split(";")[0]
                phone_rows = slow_phone.measure(portal, session)
            else:
                print("No chromium on the PATH: the slow-phone timings are left out.")
            if not args.small:
                writes_result, writes_failures = writes_under_load(
                    data_dir, ports["portal"], cookies, args.write_seconds
                )
                locked = portal_log.read_text(errors="replace").count("database is locked")
                writes_result["locked_errors"] = locked
                if locked:
                    writes_failures.append(f'the server logged "database is locked" {locked} times')
            hostile_result = hostile_uploads(data_dir, env, args)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)

    import speed

    failures = report_queries(query_rows, data_sizes) + report_bytes(sizes)
    if notes:
        print("\n" + "\n".join(notes))
    failures += speed.report(speed_rows, reference, speed_header(args, reference))
    print("\n" + ("\n".join(f"OVER BUDGET: {f}" for f in failures) or "Every budget holds."))
    if phone_rows:
        import slow_phone

        failures += slow_phone.report(phone_rows)
    if writes_result:
        failures += report_writes(writes_result, writes_failures, args.write_seconds)
    if hostile_result:
        import hostile

        failures += hostile.report(hostile_result)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "settings": {
                        key: getattr(args, key)
                        for key in ("seconds", "rounds", "connections", "workers")
                    },
                    "data": data_sizes,
                    "queries": query_rows,
                    "bytes": sizes,
                    "reference": reference,
                    "hello": next((r for r in speed_rows if r["page"] == "hello-world"), None),
                    "pages": [r for r in speed_rows if r["page"] != "hello-world"],
                    "cookie_notes": notes,
                    "writes": writes_result,
                    "slow_phone": phone_rows,
                    "hostile": hostile_result,
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if failures else 0


def server_speed(
    args: argparse.Namespace, pages: list[tuple], cookies: dict, servers: dict, urls: dict
) -> tuple[list[dict], dict, list[str]]:
    """Measure the hello-world and each page against the reference page in interleaved
    rounds (bench/speed.py); return the rows, the reference's own figures and what the
    steady responses said of cookies."""
    import speed

    def load(url: str, cookie: str | None) -> dict:
        return wrk(url, args.seconds, args.connections, cookie)

    reference_url = urls["reference"] + "/"
    # The reference's session is taken once: it never changes (nothing is written to it).
    _, set_cookies = probe(urls["reference"] + "/login", None)
    reference_cookie = "; ".join(header.split(";", 1)[0] for header in set_cookies)
    _, status, names = steady_cookie(reference_url, reference_cookie)
    if status != 200 or names:
        raise RuntimeError(f"The reference page answered {status}, setting {names}")
    reference = speed.Target(
        "reference page", reference_url, reference_cookie, servers["reference"].pid
    )
    html_raw = len(fetch(reference_url, reference_cookie, "identity")[0])
    # A short load on each server first: the workers import what they import lazily, fill
    # their caches and compile templates before anything is timed.
    _, first_path, first_who, _ = pages[0] if pages else (None, "/", None, None)
    for url, cookie in (
        (reference_url, reference_cookie),
        (urls["hello"] + "/", None),
        (urls["portal"] + first_path, cookies.get(first_who)),
    ):
        wrk(url, args.warm_up_seconds, args.connections, cookie)
    notes = []
    rows = []
    if not args.pages or args.pages.lower() in "hello-world":
        hello = speed.Target("hello-world", urls["hello"] + "/", None, servers["hello"].pid)
        rows.append(speed.interleaved(reference, hello, args.rounds, load))
    for label, path, who, kind in pages:
        url = urls["portal"] + path
        cookie, status, names = steady_cookie(url, cookies.get(who))
        if who:
            cookies[who] = cookie
        if names and who:
            notes.append(
                f"WARNING: {label}: a steady signed-in response sets {', '.join(names)}:"
                " every request signs the cookie again"
            )
        elif names:
            notes.append(
                f"note: {label}: every visitor's response sets {', '.join(names)}"
                " (a first visit, as measured)"
            )
        target = speed.Target(label, url, cookie, servers["portal"].pid, kind)
        row = speed.interleaved(reference, target, args.rounds, load)
        row["status"] = status  # wrk counts neither a redirect nor a 404 as an error
        rows.append(row)
        print(f"  {label}: ratio {row['ratio']:.2f}", file=sys.stderr, flush=True)
    return rows, {**speed.reference_summary(rows), "html_raw": html_raw}, notes


def speed_header(args: argparse.Namespace, reference: dict) -> str:
    return (
        f"Server ({args.workers} gunicorn workers, wrk {args.connections} connections;"
        f" {args.rounds} rounds of {args.seconds} s runs per page, alternating with the"
        f" reference page; CPU ms per request of the workers; latency in ms)\n"
        f"Reference page: {reference['html_raw']} B of HTML raw, its query:"
        f" {'; '.join(reference['plan'])}"
    )


def writes_under_load(data_dir: Path, port: int, cookies: dict, seconds: int):
    """Residents write while others read; return the figures and what went wrong."""
    import dataset
    import queries
    import writes

    database = data_dir / "portal.db"
    # The writers sign in through an app of their own on the same database: a dozen sign-ins
    # from one address would meet the sign-in form's rate limit, which is not measured here.
    app = bench_app(data_dir)
    from portal.demo import DEMO_PASSWORD

    writers = {}
    for index in range(1, 13):
        email = dataset.WRITER_EMAIL.format(index)
        client = queries.signed_in(app, email, DEMO_PASSWORD)
        # The form puts the CSRF token in the session: the cookie is taken after it.
        token = CSRF_RE.search(client.get("/messages/new").get_data(as_text=True)).group(1)
        writers[email] = (f"portal_session={client.get_cookie('portal_session').value}", token)
    with sqlite3.connect(database) as connection:
        turns = [
            row[0]
            for row in connection.execute(
                "SELECT t.id FROM sauna_turn t JOIN sauna s ON s.id = t.sauna_id "
                "WHERE s.name = 'Kasvun sauna' ORDER BY t.id"
            )
        ]
    readers = [("/", cookies[RESIDENT]), ("/staff/defects/", cookies[STAFF])]
    result = writes.run(port, writers, readers, turns, seconds=seconds)
    with app.app_context():
        failures = writes.check_stored(result, turns)
    result["photos"] = writes.photos_under_load(
        port,
        writers[dataset.WRITER_EMAIL.format(1)],
        writes.phone_photo(),
        seconds,
        lambda: wrk(f"http://127.0.0.1:{port}/", seconds, 4, cookies[RESIDENT]),
    )
    return result, failures


def hostile_uploads(data_dir: Path, env: dict, args) -> dict:
    """Anonymous reports with photos too large to decode while the start page is loaded, on
    a server of their own with the shipped gunicorn settings; return the figures."""
    import hostile

    port = free_port()
    log = data_dir / "hostile-server.log"
    server = hostile.serve(port, env, args.workers, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        return hostile.run(
            port,
            server,
            log,
            lambda path: wrk(base + path, args.hostile_seconds, HOSTILE_CONNECTIONS, None),
        )
    finally:
        server.terminate()
        server.wait(timeout=40)


def report_writes(result: dict, failures: list[str], seconds: int) -> list[str]:
    """Print the writes under load and return what broke."""
    print(f"\nWrites under load (12 residents writing, 2 readers, {seconds} s; latency in ms)")
    print(
        f"{'request':10} {'sent':>6} {'saved':>6} {'refused':>8} {'failed':>7} {'per s':>7}"
        f" {'p50':>7} {'p95':>7} {'p99':>7}"
    )
    for kind in ("message", "defect", "sauna", "read"):
        row = result[kind]
        print(
            f"{kind:10} {row['sent']:6} {row['saved']:6} {row['refused']:8} {row['failed']:7}"
            f" {row['per_second']:7.1f} {row['p50']:7.2f} {row['p95']:7.2f} {row['p99']:7.2f}"
        )
        if row["failed"]:
            failures.append(f"{kind}: {row['failed']} failed: {row['problems']}")
        if kind != "sauna" and row["refused"]:
            failures.append(f"{kind}: {row['refused']} refused: {row['problems']}")
    print(
        f"sauna turns booked: {result['sauna'].get('booked')} of 4;"
        f' "database is locked" in the server log: {result["locked_errors"]}'
    )
    photos = result["photos"]
    page = photos["page"]
    print(
        f"\nPhoto uploads under load: {photos['uploads']} uploads of a"
        f" {photos['photo_bytes'] / 1e6:.1f} MB 12-megapixel JPEG, one after another, took"
        f" p50 {photos['upload_p50']} ms, p95 {photos['upload_p95']} ms each; meanwhile the"
        f" dashboard served {page['rps']:.0f} req/s, p50 {page['p50']:.2f} ms,"
        f" p95 {page['p95']:.2f} ms, p99 {page['p99']:.2f} ms"
    )
    if photos["failed"] or page["errors"]:
        failures.append(f"photo uploads: {photos['failed']} failed {photos['problems']}")
    if page["p99"] > PHOTO_P99_BUDGET_MS:
        failures.append(f"dashboard during photo uploads: p99 {page['p99']:.1f} ms")
    print("\n".join(f"WRITES: {f}" for f in failures) or "Writes: nothing lost, no errors.")
    return failures


def report_queries(rows: list[dict], data_sizes: dict) -> list[str]:
    """Print the queries per page at both sizes and return the pages that break a rule."""
    failures = []
    if data_sizes:
        print("Large data: " + ", ".join(f"{k} {v}" for k, v in data_sizes.items()))
    print(
        f"\nQueries (budget {QUERY_BUDGET}; equal at both sizes; plans at the large size) and"
        f" HTML bytes (budget {HTML_BUDGET} B compressed, {PARTIAL_BUDGET} B for a partial)"
    )
    print(
        f"{'page':28} {'status':>6} {'small':>6} {'large':>6} {'SQL ms':>7}"
        f" {'raw':>7} {'gzip':>6} {'br':>6}  plan"
    )
    for row in rows:
        problems = ", ".join(row["plan_problems"]) or "-"
        print(
            f"{row['page']:28} {row['status']:6} {row['queries_small']:6}"
            f" {row['queries_large']:6} {row['sql_ms_large']:7.1f} {row['html_raw']:7}"
            f" {row['html_gzip']:6} {row['html_brotli']:6}  {problems}"
        )
        budget = PARTIAL_BUDGET if row["partial"] else HTML_BUDGET
        if row["html_gzip"] > budget:
            failures.append(f"{row['page']}: {row['html_gzip']} B compressed")
        if row["status"] != 200:
            failures.append(f"{row['page']}: status {row['status']}")
        if row["queries_large"] > QUERY_BUDGET:
            failures.append(f"{row['page']}: {row['queries_large']} queries")
        if row["queries_large"] != row["queries_small"]:
            failures.append(f"{row['page']}: queries grow with the data")
        if row["plan_problems"]:
            failures.append(f"{row['page']}: {problems}")
    return failures


def report_bytes(sizes: list[dict]) -> list[str]:
    """Print the bytes of each page over HTTP and return the budgets that broke."""
    failures = []
    print(
        f"\nBytes over HTTP (budgets: HTML {HTML_BUDGET} B, first visit {CRITICAL_BUDGET} B"
        " compressed)"
    )
    print(
        f"{'page':28} {'HTML raw':>9} {'HTML gz':>8} {'HTML br':>8} {'1st gz':>7} {'1st br':>7}"
        f" {'cold/warm':>10} {'banner':>7}"
    )
    for row in sizes:
        print(
            f"{row['page']:28} {row['html_raw']:9} {row['html_gzip']:8} {row['html_brotli']:8}"
            f" {row['critical_gzip']:7} {row['critical_brotli']:7}"
            f" {row['cold_requests']:>6}/{row['warm_requests']}"
            f" {'yes' if row['banner'] else '-':>7}"
        )
        if row["html_gzip"] > HTML_BUDGET or row["critical_gzip"] > CRITICAL_BUDGET:
            failures.append(f"{row['page']}: over the byte budget")
        if row["cold_requests"] > 3:
            failures.append(f"{row['page']}: {row['cold_requests']} requests on a cold load")
    heavy = [row for row in sizes if row["page"].endswith("(resident)")]
    if heavy and not any(row["banner"] for row in heavy):
        failures.append("the heaviest household's pages show no incident banner")
    return failures


if __name__ == "__main__":
    sys.exit(main())

"""The portal's benchmark: queries and query plans at small and large data, bytes per page,
and server speed against a bare Flask hello-world.

The demo company is measured first, then a large one is grown on top of it (thousands of
apartments, tens of thousands of defects, requests, invoices and conversations) and every
page is measured again: the number of queries must not grow, and no list query may scan a
large table or sort it without an index. Then both apps run under gunicorn with the same
settings on the large database; wrk loads them from a second process over loopback, one
after the other, in the same run, so the ratio compares like with like. Debian's Chromium,
throttled to slow 3G and a slower CPU, times the pages residents use most (bench/slow_phone.py).
Last, anonymous reports with photos too large to decode are sent while the start page is
loaded, against a server with the shipped gunicorn settings (bench/hostile.py).

    python bench/run.py [--seconds 5] [--connections 4] [--json results.json] [--small]
                        [--only-hostile]
"""

import argparse
import gzip
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

# Budgets of DESIGN.md.
HTML_BUDGET = 14 * 1024
PARTIAL_BUDGET = 4 * 1024
CRITICAL_BUDGET = 45 * 1024
P95_BUDGET_MS = 25.0
P99_BUDGET_MS = 50.0
RATIO_BUDGET = 0.5
QUERY_BUDGET = 8
SECRET_KEY = "bench-" + "k" * 58

# (label, path, who): who is a demo email or None for a visitor.
RESIDENT = "aino.virtanen@example.fi"
STAFF = "leena.makinen@example.fi"
PAGES = [
    ("start page (visitor)", "/", None),
    ("sign-in page", "/login", None),
    ("dashboard (resident)", "/", RESIDENT),
    ("defect list (resident)", "/defects/", RESIDENT),
    ("defect page (resident)", "/defects/1", RESIDENT),
    ("defect form (resident)", "/defects/new", RESIDENT),
    ("sauna week (resident)", "/bookings/sauna", RESIDENT),
    ("payments (resident)", "/payments/", RESIDENT),
    ("staff start page", "/staff/", STAFF),
    ("defect queue (staff)", "/staff/defects/", "jari.laine@example.fi"),
    ("defect queue p. 20 (staff)", "/staff/defects/?status=all&page=20", STAFF),
    ("defect search (staff)", "/staff/defects/?status=all&q=Sturenkatu", STAFF),
    ("request queue (staff)", "/staff/requests/", STAFF),
    ("message queue (staff)", "/staff/messages/", STAFF),
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


def query_table(data_dir: Path, grow_data: bool) -> tuple[list[dict], dict]:
    """Measure every page in-process at the demo size, grow the data, measure again."""
    import dataset
    import queries

    from portal.demo import DEMO_PASSWORD
    from portal.models import db
    from portal.services import housekeeping

    app = bench_app(data_dir)
    small = queries.measure(app, DEMO_PASSWORD)
    sizes = {}
    if grow_data:
        started = time.monotonic()
        with app.app_context(), db.connection_context():
            sizes = dataset.grow()
            housekeeping.refresh_statistics()
        sizes["seconds to build"] = round(time.monotonic() - started, 1)
    large = queries.measure(app, DEMO_PASSWORD)
    with app.app_context(), db.connection_context():
        rows = queries.compare(small, large)
    return rows, sizes


def session_cookie(base: str, email: str, password: str) -> str:
    """Sign in through the real form and return the Cookie header for that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    opener.open(base + "/login", data=form.encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fetch(url: str, cookie: str | None, encoding: str = "gzip") -> tuple[bytes, dict]:
    headers = {"Accept-Encoding": encoding}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310
        body = response.read()
        return body, dict(response.headers)


def byte_table(base: str, cookies: dict) -> list[dict]:
    """Measure each page's HTML and the critical bytes of a first visit."""
    rows = []
    for label, path, who in PAGES:
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
    ]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write-seconds", type=int, default=10)
    parser.add_argument("--hostile-seconds", type=int, default=5)
    parser.add_argument(
        "--only-hostile", action="store_true", help="Only the hostile uploads, on the demo data."
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--small", action="store_true", help="Only the demo data.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("The benchmark needs wrk: apt-get install wrk", file=sys.stderr)
        return 2

    sys.path.insert(0, str(ROOT))
    from portal.demo import DEMO_PASSWORD

    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = {
        **os.environ,
        # Production settings but for Secure cookies, which a client on plain-HTTP
        # loopback would not send back.
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(BENCH),
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
    query_rows, data_sizes = query_table(data_dir, grow_data=not args.small)
    portal_port, hello_port = free_port(), free_port()
    portal_log = data_dir / "portal-server.log"
    servers = [
        gunicorn("portal:create_app()", portal_port, env, args.workers, portal_log),
        gunicorn("hello:app", hello_port, env, args.workers, data_dir / "hello-server.log"),
    ]
    writes_result, writes_failures, phone_rows, hostile_result = {}, [], [], {}
    try:
        portal, hello = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{hello_port}"
        wait_for(portal + "/healthz")
        wait_for(hello + "/")
        people = sorted({who for _, _, who in PAGES if who})
        # One sign-in per person: the sign-in form's rate limit allows ten a minute.
        cookies = {who: session_cookie(portal, who, DEMO_PASSWORD) for who in people}
        sizes = byte_table(portal, cookies)
        baseline = wrk(hello + "/", args.seconds, args.connections, None)
        speed = []
        for label, path, who in PAGES:
            result = wrk(portal + path, args.seconds, args.connections, cookies.get(who))
            result.update(page=label, ratio=result["rps"] / baseline["rps"])
            speed.append(result)
        if shutil.which("chromium"):
            import slow_phone

            session = cookies[RESIDENT].split("portal_session=", 1)[1].split(";")[0]
            phone_rows = slow_phone.measure(portal, session)
        else:
            print("No chromium on the PATH: the slow-phone timings are left out.")
        if not args.small:
            writes_result, writes_failures = writes_under_load(
                data_dir, portal_port, cookies, args.write_seconds
            )
            locked = portal_log.read_text(errors="replace").count("database is locked")
            writes_result["locked_errors"] = locked
            if locked:
                writes_failures.append(f'the server logged "database is locked" {locked} times')
        hostile_result = hostile_uploads(data_dir, env, args)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)

    failures = report_queries(query_rows, data_sizes) + report(sizes, baseline, speed, args)
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
                    "data": data_sizes,
                    "queries": query_rows,
                    "bytes": sizes,
                    "hello": baseline,
                    "pages": speed,
                    "writes": writes_result,
                    "slow_phone": phone_rows,
                    "hostile": hostile_result,
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if failures else 0


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
            lambda path: wrk(base + path, args.hostile_seconds, args.connections, None),
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
    if page["p99"] > P99_BUDGET_MS:
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


def report(sizes: list[dict], baseline: dict, speed: list[dict], args) -> list[str]:
    """Print the tables and return the budgets that broke."""
    failures = []
    print(
        f"\nBytes over HTTP (budgets: HTML {HTML_BUDGET} B, first visit {CRITICAL_BUDGET} B"
        " compressed)"
    )
    print(
        f"{'page':28} {'HTML raw':>9} {'HTML gz':>8} {'HTML br':>8} {'1st gz':>7} {'1st br':>7}"
        f" {'cold/warm':>10}"
    )
    for row in sizes:
        print(
            f"{row['page']:28} {row['html_raw']:9} {row['html_gzip']:8} {row['html_brotli']:8}"
            f" {row['critical_gzip']:7} {row['critical_brotli']:7}"
            f" {row['cold_requests']:>6}/{row['warm_requests']}"
        )
        if row["html_gzip"] > HTML_BUDGET or row["critical_gzip"] > CRITICAL_BUDGET:
            failures.append(f"{row['page']}: over the byte budget")
        if row["cold_requests"] > 3:
            failures.append(f"{row['page']}: {row['cold_requests']} requests on a cold load")
    print(
        f"\nServer ({args.workers} gunicorn workers, wrk {args.connections} connections,"
        f" {args.seconds} s each; latency in ms)"
    )
    print(f"{'page':28} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'ratio':>6} {'errors':>6}")
    for row in [{**baseline, "page": "hello-world", "ratio": 1.0}, *speed]:
        print(
            f"{row['page']:28} {row['rps']:8.0f} {row['p50']:7.2f} {row['p95']:7.2f}"
            f" {row['p99']:7.2f} {row['ratio']:6.2f} {row['errors']:6}"
        )
    for row in speed:
        if row["p95"] > P95_BUDGET_MS or row["p99"] > P99_BUDGET_MS:
            failures.append(f"{row['page']}: p95 {row['p95']:.1f} ms, p99 {row['p99']:.1f} ms")
        if row["ratio"] < RATIO_BUDGET:
            failures.append(f"{row['page']}: {row['ratio']:.0%} of hello-world's throughput")
        if row["errors"]:
            failures.append(f"{row['page']}: {row['errors']} errors")
    print("\n" + ("\n".join(f"OVER BUDGET: {f}" for f in failures) or "Every budget holds."))
    return failures


if __name__ == "__main__":
    sys.exit(main())

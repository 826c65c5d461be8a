"""The portal's benchmark: bytes per page, and server speed against a bare Flask hello-world.

Both apps run under gunicorn with the same settings; wrk loads them from a second process
over loopback, one after the other, in the same run, so the ratio compares like with like.

    python bench/run.py [--seconds 5] [--connections 4] [--json results.json]
"""

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON_BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')

# Budgets of DESIGN.md.
HTML_BUDGET = 14 * 1024
CRITICAL_BUDGET = 45 * 1024
P95_BUDGET_MS = 25.0
P99_BUDGET_MS = 50.0
RATIO_BUDGET = 0.5

# (label, path, who): who is a demo email or None for a visitor.
PAGES = [
    ("start page (visitor)", "/", None),
    ("sign-in page", "/login", None),
    ("dashboard (resident)", "/", "aino.virtanen@example.fi"),
    ("defect list (resident)", "/defects/", "aino.virtanen@example.fi"),
    ("defect form (resident)", "/defects/new", "aino.virtanen@example.fi"),
    ("staff start page", "/staff/", "leena.makinen@example.fi"),
    ("defect queue (staff)", "/staff/defects/", "jari.laine@example.fi"),
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


def gunicorn(app: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    """Start gunicorn the same way for either app."""
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
    return subprocess.Popen(command, env=env)  # noqa: S603


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


def session_cookie(base: str, email: str, password: str) -> str:
    """Sign in through the real form and return the Cookie header for that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    opener.open(base + "/login", data=form.encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fetch(url: str, cookie: str | None) -> tuple[bytes, dict]:
    headers = {"Accept-Encoding": "gzip"}
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
        assets = ASSET_RE.findall(html.decode())
        asset_bytes = sum(len(fetch(base + asset, None)[0]) for asset in assets)
        rows.append(
            {
                "page": label,
                "path": path,
                "html_raw": len(html),
                "html_gzip": len(gzip.compress(html, 6)),
                "critical_gzip": len(body) + asset_bytes,
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
        "Accept-Encoding: gzip",
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
    parser.add_argument("--json", type=Path)
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
        "PORTAL_SECRET_KEY": "bench-" + "k" * 58,
        "PORTAL_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(BENCH),
    }
    env.pop("PORTAL_DATABASE_URL", None)
    prepare_data(data_dir, env)
    portal_port, hello_port = free_port(), free_port()
    servers = [
        gunicorn("portal:create_app()", portal_port, env, args.workers),
        gunicorn("hello:app", hello_port, env, args.workers),
    ]
    try:
        portal, hello = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{hello_port}"
        wait_for(portal + "/healthz")
        wait_for(hello + "/")
        cookies = {who: session_cookie(portal, who, DEMO_PASSWORD) for _, _, who in PAGES if who}
        sizes = byte_table(portal, cookies)
        baseline = wrk(hello + "/", args.seconds, args.connections, None)
        speed = []
        for label, path, who in PAGES:
            result = wrk(portal + path, args.seconds, args.connections, cookies.get(who))
            result.update(page=label, ratio=result["rps"] / baseline["rps"])
            speed.append(result)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)

    failures = report(sizes, baseline, speed, args)
    if args.json:
        args.json.write_text(
            json.dumps({"bytes": sizes, "hello": baseline, "pages": speed}, indent=2) + "\n"
        )
    return 1 if failures else 0


def report(sizes: list[dict], baseline: dict, speed: list[dict], args) -> list[str]:
    """Print the tables and return the budgets that broke."""
    failures = []
    print(f"\nBytes (gzip; budgets: HTML {HTML_BUDGET} B, first visit {CRITICAL_BUDGET} B)")
    print(f"{'page':28} {'HTML raw':>9} {'HTML gz':>8} {'1st visit':>10} {'cold/warm':>10}")
    for row in sizes:
        print(
            f"{row['page']:28} {row['html_raw']:9} {row['html_gzip']:8} {row['critical_gzip']:10}"
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

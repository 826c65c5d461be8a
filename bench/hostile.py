"""Hostile uploads: ten anonymous defect reports at once, each with a PNG of a few hundred
kilobytes that says it is 7 000 × 7 000 pixels, while visitors load the start page; against
the shipped server settings (deploy/gunicorn.conf.py: sync workers, a 60-second timeout).

Decoded, one such photo took a worker seconds and hundreds of megabytes; two of them once kept
the portal from answering for half a minute, until gunicorn killed both workers. Each report
comes from an address of its own, as from a botnet, so no per-address limit stands in the way:
what is measured is what the photos cost. Budget: the start page's p95 while the ten reports
are sent at most three times its quiet value, every report refused (422), no worker replaced.
"""

import functools
import http.client
import io
import math
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BIN = Path(sys.executable).parent
ATTACKERS = 10
# The reports are sent this long after the pages' timing began, so that pages are timed
# before, during and after them.
ATTACK_AFTER_SECONDS = 1.0
SIDE = 7000
RATIO_BUDGET = 3.0
BOUNDARY = "hostileboundary5c2e"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BUILDING_RE = re.compile(r'<option value="(\d+)"')


@functools.cache
def hostile_png() -> bytes:
    """The attack's photo: 7 000 × 7 000 pixels of one colour, some 150 KB as a PNG."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), (200, 200, 200)).save(out, "PNG", compress_level=9)
    return out.getvalue()


def serve(port: int, env: dict, workers: int, log: Path) -> subprocess.Popen:
    """The portal under the shipped gunicorn settings; workers' births and deaths go to
    ``log``. Forwarded addresses from loopback are believed (one proxy, as behind nginx), so
    each attacker counts against its own address's limits, as on the internet."""
    command = [
        str(PYTHON_BIN / "gunicorn"),
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--log-level",
        "info",
        # A worker recycled after its couple of thousand requests would change pid as one
        # that died does: the run is shorter than a worker's planned life.
        "--max-requests",
        "0",
        "--chdir",
        str(ROOT),
        "portal:create_app()",
    ]
    env = {
        **env,
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_WORKERS": str(workers),
        "PORTAL_TRUSTED_PROXIES": "1",
    }
    return subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w")
    )


def worker_pids(master: int) -> set[int]:
    """The gunicorn master's worker processes (Linux: the kernel's list of its children)."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in path.read_text().split()}


def _send(port: int, method: str, path: str, headers: dict, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), response.headers
    finally:
        connection.close()


class Attacker:
    """One anonymous visitor from an address of its own, with the report form open."""

    def __init__(self, port: int, address: str):
        self.port = port
        self.forwarded = {"X-Forwarded-For": address}
        _status, page, headers = _send(port, "GET", "/defects/report", self.forwarded)
        self.cookie = "; ".join(
            value.split(";", 1)[0] for key, value in headers.items() if key.lower() == "set-cookie"
        )
        self.fields = {
            "csrf_token": CSRF_RE.search(page).group(1),
            "name": "Hyökkääjä",
            "building": BUILDING_RE.search(page).group(1),
            "location": "stairwell",
            "category": "windows_doors",
            "cannot_wait": "no",
            "description": "Porraskäytävän ikkuna ei sulkeudu.",
            "phone": "040 000 0000",
        }
        self.status = None
        self.milliseconds = None

    def send(self, photo: bytes) -> None:
        """Send the report with the photo; keep the answer's status and how long it took."""
        parts = [
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
            for name, value in self.fields.items()
        ]
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; '
            'filename="ikkuna.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
            + photo
            + b"\r\n"
        )
        parts.append(f"--{BOUNDARY}--\r\n".encode())
        headers = {
            **self.forwarded,
            "Cookie": self.cookie,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        }
        started = time.perf_counter()
        try:
            self.status = _send(self.port, "POST", "/defects/report", headers, b"".join(parts))[0]
        except OSError:
            self.status = 0
        self.milliseconds = (time.perf_counter() - started) * 1000


def run(port: int, server: subprocess.Popen, log: Path, measure) -> dict:
    """Time the start page quiet, then again while ten reports are sent at once
    (``measure(path)`` runs wrk on a path and returns its figures); return the figures."""
    photo = hostile_png()
    before = worker_pids(server.pid)
    # Both workers compile the pages' templates before anything is timed.
    for _ in range(10):
        for path in ("/", "/defects/report"):
            _send(port, "GET", path, {})
    quiet = measure("/")
    attackers = [Attacker(port, f"10.0.0.{index + 1}") for index in range(ATTACKERS)]
    timed = {}
    pages = threading.Thread(target=lambda: timed.update(measure("/")))
    pages.start()
    time.sleep(ATTACK_AFTER_SECONDS)
    started = time.perf_counter()
    reports = [threading.Thread(target=a.send, args=(photo,)) for a in attackers]
    for thread in reports:
        thread.start()
    for thread in reports:
        thread.join()
    attack_ms = (time.perf_counter() - started) * 1000
    pages.join()
    text = log.read_text(errors="replace")
    answers = {}
    for attacker in attackers:
        answers[attacker.status] = answers.get(attacker.status, 0) + 1
    return {
        "photo_bytes": len(photo),
        "quiet": quiet,
        "attacked": timed,
        "answers": answers,
        "attack_ms": round(attack_ms),
        "report_ms": sorted(round(a.milliseconds) for a in attackers),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        # Killed (out of memory, or after a timeout) or crashed.
        "workers_killed": len(re.findall(r"was sent SIG|exited with code", text)),
        "workers_replaced": len(before - worker_pids(server.pid)),
    }


def report(result: dict) -> list[str]:
    """Print the hostile-uploads figures and return the budgets that broke."""
    quiet, attacked = result["quiet"], result["attacked"]
    sent = sum(result["answers"].values())
    refused = result["answers"].get(422, 0)
    print(
        f"\nHostile uploads ({ATTACKERS} anonymous reports at once, each with a {SIDE} × {SIDE}"
        f" px PNG of {result['photo_bytes'] / 1000:.0f} KB; the start page, in ms)"
    )
    print(f"{'start page':12} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>6}")
    for label, row in (("quiet", quiet), ("under attack", attacked)):
        print(
            f"{label:12} {row['rps']:8.0f} {row['p50']:7.2f} {row['p95']:7.2f}"
            f" {row['p99']:7.2f} {row['errors']:6}"
        )
    # A page that got no answer at all during the attack has no latency to compare.
    ratio = attacked["p95"] / quiet["p95"] if attacked["requests"] and quiet["p95"] else math.inf
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(result["answers"].items()))
    print(
        f"p95 under attack: {ratio:.1f} × quiet (budget {RATIO_BUDGET:.0f} ×). The {sent} reports"
        f" ({answers}) were all answered in {result['attack_ms']} ms, each in"
        f" {result['report_ms'][0]}–{result['report_ms'][-1]} ms; worker timeouts"
        f" {result['worker_timeouts']}, workers killed {result['workers_killed']}, workers"
        f" replaced {result['workers_replaced']}"
    )
    failures = []
    if ratio > RATIO_BUDGET:
        failures.append(f"hostile uploads: start page p95 {ratio:.1f} × its quiet value")
    if refused != sent:
        failures.append(f"hostile uploads: {sent - refused} of {sent} reports not refused")
    if result["worker_timeouts"] or result["workers_killed"] or result["workers_replaced"]:
        failures.append("hostile uploads: a worker died")
    if quiet["errors"] or attacked["errors"]:
        failures.append(f"hostile uploads: {quiet['errors'] + attacked['errors']} page errors")
    return failures

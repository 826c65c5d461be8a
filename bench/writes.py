"""Writes under load: residents report defects, write to customer service and contend for
the same sauna turns, while a resident and a staff member keep reading, all at once against
the production server on the large database.

Every write must be answered (a redirect on success, a refusal for a turn someone else got
first), no request may fail, the server may not log "database is locked", and afterwards
the database must hold exactly what was answered as saved and never two active bookings of
one turn.
"""

import datetime
import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

MARK = "Kuormitustesti"


@dataclass
class Tally:
    """What one kind of request got back."""

    sent: int = 0
    saved: int = 0
    refused: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def record(self, what: str, status: int, started: float, success: int, body: str = "") -> None:
        """Count one answer: ``success`` is the status of a saved write or a good read;
        a 4xx is a refusal, anything else a failure."""
        self.sent += 1
        self.latencies.append((time.perf_counter() - started) * 1000)
        if status == success:
            self.saved += 1
        elif 400 <= status < 500:
            self.refused += 1
            self.problems.append(f"{what}: HTTP {status}")
        else:
            self.failed += 1
            self.problems.append(f"{what}: HTTP {status} {body[:200]}".rstrip())


def request(port: int, method: str, path: str, cookie: str, form: dict | None = None):
    """Send one request to the server on loopback; return its status, text and headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), response.headers
    finally:
        connection.close()


def _request(port: int, method: str, path: str, cookie: str, form: dict | None = None):
    return request(port, method, path, cookie, form)[:2]


def _forms(index: int, turns: list[int], rounds: int | None):
    """The writes one resident makes in turn: a message, a defect report, a sauna turn;
    ``rounds`` times, or for as long as asked (None).

    Every resident tries the turns in the same order, one a round, so after as many rounds
    as there are turns every turn has been tried by someone still without one: each is
    booked exactly once however the requests interleave. The turns are asked for from next
    week on: this week's may already be over, and a turn that is over cannot be booked."""
    today = datetime.datetime.now(ZoneInfo("Europe/Helsinki")).date()
    year, week, _ = (today + datetime.timedelta(days=7 - today.weekday())).isocalendar()
    next_week = f"{year}-W{week:02d}"
    n = 0
    while rounds is None or n < rounds:
        n += 1
        yield (
            "message",
            "/messages/new",
            {
                "topic": "other",
                "subject": f"{MARK} {index}-{n}",
                "body": "Hei! Kysyisin vuokranmaksusta. Kiitos!",
            },
        )
        yield (
            "defect",
            "/defects/new",
            {
                "location": "apartment",
                "category": "heating",
                "cannot_wait": "no",
                "description": f"{MARK} {index}-{n}: patteri ei lämpene makuuhuoneessa.",
                "phone": "040 123 4567",
            },
        )
        yield (
            "sauna",
            "/bookings/sauna/request",
            {"turn": str(turns[n % len(turns)]), "week": next_week},
        )


def _writer(port, index, cookie, token, turns, rounds, deadline, tallies, lock):
    for kind, path, form in _forms(index, turns, rounds):
        if deadline is not None and time.monotonic() >= deadline:
            return
        started = time.perf_counter()
        try:
            status, body = _request(port, "POST", path, cookie, {**form, "csrf_token": token})
        except OSError as error:
            status, body = 0, str(error)
        with lock:
            tallies[kind].record(path, status, started, 303, body)


def _reader(port, path, cookie, deadline, writers_done, tally, lock):
    """Read the page again and again (at least once) until the deadline or, without one,
    until the writers are done."""
    while True:
        started = time.perf_counter()
        try:
            status, _body = _request(port, "GET", path, cookie)
        except OSError:
            status = 0
        with lock:
            tally.record(path, status, started, 200)
        if writers_done.is_set() or (deadline is not None and time.monotonic() >= deadline):
            return


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(
    port: int,
    writers: dict[str, tuple[str, str]],
    readers: list[tuple[str, str]],
    turns: list[int],
    seconds: float | None = None,
    rounds: int | None = None,
) -> dict:
    """Load the server for ``seconds`` (a benchmark) or until every writer has made
    ``rounds`` rounds of writes (a test: the same work however busy the machine is);
    return the tallies per kind of request."""
    if (seconds is None) == (rounds is None):
        raise ValueError("give either seconds or rounds")
    lock = threading.Lock()
    tallies = {kind: Tally() for kind in ("message", "defect", "sauna", "read")}
    deadline = None if seconds is None else time.monotonic() + seconds
    writers_done = threading.Event()
    writer_threads = [
        threading.Thread(
            target=_writer,
            args=(port, index, cookie, token, turns, rounds, deadline, tallies, lock),
        )
        for index, (cookie, token) in enumerate(writers.values(), start=1)
    ]
    reader_threads = [
        threading.Thread(
            target=_reader,
            args=(port, path, cookie, deadline, writers_done, tallies["read"], lock),
        )
        for path, cookie in readers
    ]
    started = time.monotonic()
    for thread in writer_threads + reader_threads:
        thread.start()
    for thread in writer_threads:
        thread.join()
    writers_done.set()
    for thread in reader_threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        kind: {
            "sent": tally.sent,
            "saved": tally.saved,
            "refused": tally.refused,
            "failed": tally.failed,
            "per_second": round(tally.saved / elapsed, 1),
            "p50": round(percentile(tally.latencies, 0.50), 2),
            "p95": round(percentile(tally.latencies, 0.95), 2),
            "p99": round(percentile(tally.latencies, 0.99), 2),
            "problems": tally.problems[:5],
        }
        for kind, tally in tallies.items()
    }


def check_stored(results: dict, turns: list[int]) -> list[str]:
    """Compare what the database (the models' database, SQLite or PostgreSQL) holds with
    what the server answered as saved."""
    from peewee import fn

    from portal.database import is_sqlite
    from portal.models import DefectReport, MessageThread, SaunaBooking, db

    failures = []
    threads = MessageThread.select().where(MessageThread.subject.startswith(MARK)).count()
    reports = DefectReport.select().where(DefectReport.description.startswith(MARK)).count()
    active = SaunaBooking.select(SaunaBooking.turn, fn.COUNT(SaunaBooking.id).alias("n")).where(
        (SaunaBooking.status == SaunaBooking.ACTIVE) & SaunaBooking.turn.in_(turns)
    )
    per_turn = {row.turn_id: row.n for row in active.group_by(SaunaBooking.turn)}
    for kind, stored in (("message", threads), ("defect", reports)):
        if stored != results[kind]["saved"]:
            failures.append(f"{results[kind]['saved']} {kind}s answered as sent, {stored} stored")
    doubled = [turn for turn, n in per_turn.items() if n > 1]
    if doubled:
        failures.append(f"sauna turns booked twice: {doubled}")
    if is_sqlite(db.obj):
        integrity = db.obj.execute_sql("PRAGMA quick_check").fetchone()[0]
        if integrity != "ok":
            failures.append(f"integrity check: {integrity}")
    results["sauna"]["booked"] = sum(per_turn.values())
    return failures


def phone_photo(width: int = 4032, height: int = 3024) -> bytes:
    """A 12-megapixel JPEG as a phone takes it (noise over a gradient: hard to compress)."""
    import io

    from PIL import Image

    noise = Image.effect_noise((width, height), 48).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.6).save(out, "JPEG", quality=90)
    return out.getvalue()


def _multipart(fields: dict, photo: bytes) -> tuple[bytes, str]:
    boundary = "benchboundary7d1f"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
        'filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _uploader(port, cookie, token, photo, deadline, tally, lock):
    n = 0
    while time.monotonic() < deadline:
        n += 1
        body, content_type = _multipart(
            {
                "csrf_token": token,
                "location": "apartment",
                "category": "heating",
                "cannot_wait": "no",
                "description": f"{MARK} photo {n}: patteri ei lämpene makuuhuoneessa.",
                "phone": "040 123 4567",
            },
            photo,
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request(
                "POST",
                "/defects/new",
                body=body,
                headers={"Cookie": cookie, "Content-Type": content_type},
            )
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        finally:
            connection.close()
        with lock:
            tally.record("photo upload", status, started, 303)


def photos_under_load(
    port: int, writer: tuple[str, str], photo: bytes, seconds: int, measure
) -> dict:
    """One resident uploads 12-megapixel photos one after another while ``measure`` loads a
    page: how long an upload takes, and what the other requests see meanwhile."""
    lock = threading.Lock()
    tally = Tally()
    thread = threading.Thread(
        target=_uploader,
        args=(port, *writer, photo, time.monotonic() + seconds + 1, tally, lock),
    )
    thread.start()
    time.sleep(0.5)
    page = measure()
    thread.join()
    return {
        "uploads": tally.saved,
        "failed": tally.failed,
        "photo_bytes": len(photo),
        "upload_p50": round(percentile(tally.latencies, 0.50), 1),
        "upload_p95": round(percentile(tally.latencies, 0.95), 1),
        "page": page,
        "problems": tally.problems[:5],
    }

"""The reference page: by hand, the least that every signed-in page of the portal must do.

Plain Flask, the standard library's sqlite3 and one Jinja template. Per request it checks
Flask's own signed-cookie session, loads the person by primary key, reads their 20 newest
rows of 30 000 through an index, joined to one small table, renders a layout of the
portal's size (header, navigation, the list, footer), compresses it as the portal does
(brotli quality 5 when the client takes it, else gzip 6) and sets the same security headers.

The benchmark serves it exactly as it serves the portal (gunicorn, the same workers and
flags) and divides its CPU time per request by each page's (bench/speed.py): what a page
costs beyond it is the framework's, the ORM's, the translations' and the page's own work.
``build_database`` writes its database into the benchmark's data folder; the server finds it
through ``BENCH_REFERENCE_DB``. ``GET /login`` signs in (there is no password: what is
measured is the page behind it).
"""

import datetime
import gzip
import os
import random
import sqlite3
import threading
from pathlib import Path

import brotli
from flask import Flask, Response, redirect, render_template, request, session

ROWS = 30_000
USERS = 100
# The signed-in person: one of USERS, owning a hundredth of the rows (300).
USER_ID = 1
PAGE_ROWS = 20

# The same policy and headers as portal/security.py sets on a page (copied, not imported:
# the reference must not load the portal).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'none'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=()",
    "Cache-Control": "no-store",
}
# Below this size compression costs more than it saves (as in the portal).
COMPRESS_MIN_BYTES = 500

# The one list query: the index on (owner_id, created) finds the person's rows already in
# order, so SQLite reads 20 index entries and 20 rows, and joins each by primary key.
ITEMS_SQL = """
    SELECT item.id, item.reference, item.title, item.status, item.created, category.name
    FROM item JOIN category ON category.id = item.category_id
    WHERE item.owner_id = ?
    ORDER BY item.created DESC
    LIMIT ?
"""
USER_SQL = "SELECT id, first_name, last_name, email, address FROM user WHERE id = ?"
CATEGORIES = (
    "Heating",
    "Water and pipes",
    "Windows and doors",
    "Electricity",
    "Ventilation",
    "Locks and keys",
    "Kitchen appliances",
    "Bathroom",
    "Balcony",
    "Stairwell",
    "Yard",
    "Other",
)
STATUSES = {
    "received": "Received",
    "in_progress": "In progress",
    "waiting": "Waiting for parts",
    "done": "Done",
    "rejected": "Not a defect",
}
TITLES = (
    "The radiator in the bedroom does not get warm.",
    "The kitchen tap drips all the time, also when it is closed.",
    "The living-room window does not close properly and lets in a draught.",
    "The bathroom fan makes a loud noise.",
)

app = Flask(__name__, template_folder="reference_templates")
app.config.update(
    SECRET_KEY=os.environ.get("PORTAL_SECRET_KEY", "reference-" + "k" * 54),
    SESSION_COOKIE_NAME="reference_session",
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
)

# One connection per worker thread, opened on its first request (after gunicorn's fork), as
# the portal keeps pooled connections: opening one costs as much as a small page.
_local = threading.local()


def connection() -> sqlite3.Connection:
    """This thread's connection to the reference database."""
    if not hasattr(_local, "connection"):
        _local.connection = sqlite3.connect(os.environ["BENCH_REFERENCE_DB"])
        _local.connection.execute("PRAGMA cache_size = -16000")
    return _local.connection


@app.template_filter()
def day(value: str) -> str:
    """'2026-03-04 08:00:00' as 4.3.2026, the Finnish way."""
    year, month, date = value[:10].split("-")
    return f"{int(date)}.{int(month)}.{year}"


@app.get("/login")
def login():
    """Sign in as the reference person (the benchmark takes the cookie once)."""
    session["user_id"] = USER_ID
    return Response("Signed in.", mimetype="text/plain")


@app.get("/")
def page():
    """The person's 20 newest rows in the layout."""
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return redirect("/login")
    db = connection()
    user = db.execute(USER_SQL, (user_id,)).fetchone()
    if user is None:
        return redirect("/login")
    items = db.execute(ITEMS_SQL, (user_id, PAGE_ROWS)).fetchall()
    return render_template("page.html", user=user, items=items, statuses=STATUSES, count=len(items))


@app.after_request
def headers_and_compression(response: Response) -> Response:
    """The portal's security headers, then brotli 5 or gzip 6 as the client accepts."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype != "text/html" or response.status_code != 200:
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) < COMPRESS_MIN_BYTES:
        return response
    accepted = request.accept_encodings
    if accepted["br"]:
        response.set_data(brotli.compress(body, quality=5))
        response.headers["Content-Encoding"] = "br"
    elif accepted["gzip"]:
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response


def build_database(path: Path, rows: int = ROWS, users: int = USERS, seed: int = 7) -> None:
    """Write the reference database: ``users`` people, a small table of categories and
    ``rows`` rows, each person's in an index on (owner, created)."""
    rng = random.Random(seed)  # noqa: S311 (made-up rows, not secrets)
    start = datetime.datetime(2026, 1, 1, 8, 0)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = wal")
        db.executescript(
            """
            CREATE TABLE user (
                id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
                email TEXT NOT NULL UNIQUE, address TEXT NOT NULL);
            CREATE TABLE category (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE item (
                id INTEGER PRIMARY KEY,
                owner_id INTEGER NOT NULL REFERENCES user (id),
                category_id INTEGER NOT NULL REFERENCES category (id),
                reference TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL,
                created TEXT NOT NULL);
            CREATE INDEX item_owner_created ON item (owner_id, created);
            """
        )
        db.executemany(
            "INSERT INTO user VALUES (?, ?, ?, ?, ?)",
            [
                (n, "Aino", f"Virtanen {n}", f"user{n}@example.fi", f"Sturenkatu {n} A 4")
                for n in range(1, users + 1)
            ],
        )
        db.executemany("INSERT INTO category VALUES (?, ?)", enumerate(CATEGORIES, start=1))
        db.executemany(
            "INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    n,
                    n % users + 1,
                    rng.randrange(1, len(CATEGORIES) + 1),
                    f"R{n:07d}",
                    rng.choice(TITLES),
                    rng.choice(tuple(STATUSES)),
                    str(start - datetime.timedelta(minutes=7 * n)),
                )
                for n in range(1, rows + 1)
            ],
        )
        db.execute("ANALYZE")


def query_plan(path: Path) -> list[str]:
    """SQLite's plan for the list query, one line per step."""
    with sqlite3.connect(path) as db:
        rows = db.execute("EXPLAIN QUERY PLAN " + ITEMS_SQL, (USER_ID, PAGE_ROWS)).fetchall()
    return [row[-1] for row in rows]

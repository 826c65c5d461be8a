"""Queries per page at small and at large data, and the plans of the queries a page runs.

Runs in-process with Flask's test client against the benchmark's database: every page is
asked for once with the demo data and once after the large dataset is added. A page whose
query count grows with the data runs a query per row; a query whose plan scans a large table
or sorts it without an index is reported by name.
"""

import gzip
import re
import time
from dataclasses import dataclass, field

import brotli

from portal.models import (
    DefectReport,
    Invoice,
    MessageThread,
    Residency,
    ServiceRequest,
    db,
)
from portal.services import buildings, incidents

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LARGE_TABLE_ROWS = 2000


@dataclass
class Query:
    sql: str
    params: tuple
    ms: float


@dataclass
class Measured:
    status: int
    queries: list[Query] = field(default_factory=list)
    partial: bool = False
    html: bytes = b""


def _ids() -> dict[str, int]:
    """Objects of the demo people that exist at both sizes, so the same URLs are asked."""
    aino = Residency.get(Residency.first_name == "Aino")
    return {
        "defect": DefectReport.select(DefectReport.id)
        .where(DefectReport.lease == aino.lease_id)
        .order_by(DefectReport.id)
        .first()
        .id,
        "request": ServiceRequest.select(ServiceRequest.id)
        .where(ServiceRequest.lease == aino.lease_id)
        .order_by(ServiceRequest.id)
        .first()
        .id,
        "thread": MessageThread.select(MessageThread.id)
        .where(MessageThread.lease == aino.lease_id)
        .order_by(MessageThread.id)
        .first()
        .id,
        "invoice": Invoice.select(Invoice.id)
        .where(Invoice.lease == aino.lease_id)
        .order_by(Invoice.id)
        .first()
        .id,
    }


def pages(ids: dict[str, int]) -> list[tuple[str, str, str, bool]]:
    """(label, who, path, htmx partial) for the pages the benchmark measures."""
    resident = "aino.virtanen@example.fi"
    staff = "leena.makinen@example.fi"
    admin = "admin@example.fi"
    return [
        ("dashboard", resident, "/", False),
        ("defect list", resident, "/defects/", False),
        ("defect page", resident, f"/defects/{ids['defect']}", False),
        ("defect form", resident, "/defects/new", False),
        ("bookings", resident, "/bookings/", False),
        ("sauna week", resident, "/bookings/sauna", False),
        ("sauna week (partial)", resident, "/bookings/sauna?week=1", True),
        ("parking", resident, "/bookings/parking", False),
        ("requests", resident, "/requests/", False),
        ("request page", resident, f"/requests/{ids['request']}", False),
        ("messages", resident, "/messages/", False),
        ("conversation", resident, f"/messages/{ids['thread']}", False),
        ("notices", resident, "/notices/", False),
        ("payments", resident, "/payments/", False),
        ("invoice", resident, f"/payments/{ids['invoice']}", False),
        ("rental agreement", resident, "/lease", False),
        ("building", resident, "/building", False),
        ("powers of attorney", resident, "/mandates/", False),
        ("your data", resident, "/profile/data", False),
        ("appointments (partial)", None, "/appointments/?week=1", True),
        ("staff start", staff, "/staff/", False),
        ("defect queue", staff, "/staff/defects/", False),
        ("defect queue, page 100", staff, "/staff/defects/?status=all&page=100", False),
        ("defect queue (partial)", staff, "/staff/defects/?status=all", True),
        ("defect search", staff, "/staff/defects/?status=all&q=Sturenkatu", False),
        ("staff defect page", staff, f"/staff/defects/{ids['defect']}", False),
        ("request queue", staff, "/staff/requests/", False),
        ("request search", staff, "/staff/requests/?status=all&q=Virtanen", False),
        ("staff request page", staff, f"/staff/requests/{ids['request']}", False),
        ("message queue", staff, "/staff/messages/", False),
        ("payments (staff)", staff, "/staff/payments/", False),
        ("register search", staff, "/staff/register/?q=Sturenkatu", False),
        ("mandates (staff)", staff, "/staff/mandates/?status=all", False),
        ("audit log", admin, "/staff/audit/", False),
    ]


def signed_in(app, email: str | None, password: str):
    client = app.test_client()
    client.set_cookie("locale", "fi")
    if email:
        page = client.get("/login").get_data(as_text=True)
        token = CSRF_RE.search(page).group(1)
        client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    return client


def measure(app, password: str) -> dict[str, Measured]:
    """Ask for each page once; record its status and the SQL it ran."""
    ids = _ids()
    clients = {}
    results = {}
    recorded: list[Query] = []

    def hook(event):
        recorded.append(Query(event.sql, tuple(event.params or ()), event.duration * 1000))

    for label, who, path, partial in pages(ids):
        if who not in clients:
            clients[who] = signed_in(app, who, password)
        headers = {"HX-Request": "true"} if partial else {}
        # Each page as when what a process keeps for half a minute is read afresh (the
        # incidents a resident's pages name, the service teams, a staff queue's buildings):
        # the most queries it makes, the same at every run.
        incidents.forget_shown()
        buildings.forget_teams()
        recorded.clear()
        db.obj.query_hooks.append(hook)
        try:
            response = clients[who].get(path, headers=headers)
        finally:
            db.obj.query_hooks.remove(hook)
        results[label] = Measured(response.status_code, list(recorded), partial, response.data)
    return results


def large_tables() -> set[str]:
    names = db.obj.get_tables()
    return {
        name
        for name in names
        if db.obj.execute_sql(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] >= LARGE_TABLE_ROWS  # noqa: S608
    }


# A sort in a temporary B-tree is fine for a household's few rows; one that takes longer
# than this at the large size sorts too many rows without an index.
SORT_MS = 5.0


def _best_ms(query: Query, times: int = 5) -> float:
    """The query's quickest of a few more runs: one run, the first on data just grown or on a
    busy machine, can take several times as long as the sort itself."""
    best = query.ms
    for _ in range(times):
        started = time.perf_counter()
        db.obj.execute_sql(query.sql, query.params).fetchall()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def plan_problems(query: Query, large: set[str]) -> list[str]:
    """Full scans of large tables, and slow index-less sorts, in one SELECT (SQLite)."""
    sql = query.sql
    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    rows = db.obj.execute_sql("EXPLAIN QUERY PLAN " + sql, query.params).fetchall()
    found = []
    # Peewee names tables t1, t2, …: read the plan's names back as tables.
    aliases = dict((alias, table) for table, alias in re.findall(r'"?(\w+)"? AS "?(t\d+)"?', sql))
    limited = re.search(r"\bLIMIT\b", sql) is not None
    for row in rows:
        # "SCAN t" reads the table from the start: the whole of it unless the rows come in
        # the wanted order (the primary key) and a LIMIT stops early. "SCAN t USING INDEX i"
        # walks an index in order; "SEARCH" looks rows up.
        match = re.match(r"SCAN (\w+)$", row[-1])
        table = aliases.get(match.group(1), match.group(1)) if match else None
        if table in large and not limited:
            found.append(f"scans {table}")
    if any("USE TEMP B-TREE FOR ORDER BY" in row[-1] for row in rows):
        ms = _best_ms(query) if query.ms > SORT_MS else query.ms
        if ms > SORT_MS:
            found.append(f"sorts without an index ({ms:.0f} ms)")
    return found


def compare(small: dict[str, Measured], large: dict[str, Measured]) -> list[dict]:
    """One row per page: status, queries at both sizes, and plan problems at the large size."""
    tables = large_tables()
    rows = []
    for label, measured in large.items():
        problems = sorted({p for query in measured.queries for p in plan_problems(query, tables)})
        rows.append(
            {
                "page": label,
                "status": measured.status,
                "queries_small": len(small[label].queries),
                "queries_large": len(measured.queries),
                "sql_ms_large": round(sum(q.ms for q in measured.queries), 1),
                "slowest_ms_large": round(max((q.ms for q in measured.queries), default=0), 1),
                "plan_problems": problems,
                "partial": measured.partial,
                "html_raw": len(measured.html),
                "html_gzip": len(gzip.compress(measured.html, 6)),
                "html_brotli": len(brotli.compress(measured.html, quality=5)),
            }
        )
    return rows

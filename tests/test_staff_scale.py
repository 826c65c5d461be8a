"""Staff queues stay within the page budgets with tens of thousands of rows."""

import datetime
import gzip
import re

from portal.database import is_sqlite
from portal.models import Apartment, DefectReport, db
from portal.services import housekeeping
from tests.conftest import CUSTOMER_SERVICE, sign_in, use_language
from tests.test_every_route import HTML_BUDGET, QUERY_BUDGET

COUNT = 20_000


def _many_defects():
    flats = list(Apartment.select())
    start = datetime.datetime(2024, 1, 1)
    rows = [
        {
            "reference": f"S{index:06d}",
            "building": flats[index % len(flats)].building_id,
            "apartment": flats[index % len(flats)].id,
            "reporter_name": f"Asukas {index}",
            "location": "apartment",
            "category": "heating",
            "description": "Patteri on kylmä.",
            "status": ("received", "in_progress", "done")[index % 3],
            "urgent": index % 97 == 0,
            "created_at": start + datetime.timedelta(minutes=index),
            "updated_at": start + datetime.timedelta(minutes=index),
        }
        for index in range(COUNT)
    ]
    with db.atomic():
        for offset in range(0, COUNT, 1000):
            DefectReport.insert_many(rows[offset : offset + 1000]).execute()


def test_the_defect_queue_with_20000_reports_stays_within_budgets(app, queries):
    _many_defects()
    client = app.test_client()
    sign_in(client, CUSTOMER_SERVICE)
    use_language(client, "fi")
    for url in (
        "/staff/defects/",
        "/staff/defects/?status=all&page=250",
        "/staff/defects/?status=received&urgent=1",
        "/staff/defects/?status=all&q=S012345",
        "/staff/defects/?status=all&q=Asukas 1999",
    ):
        queries.clear()
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        assert len(queries) <= QUERY_BUDGET, (url, len(queries))
        assert len(response.data) <= HTML_BUDGET, (url, len(response.data))
        html = gzip.decompress(response.data).decode()
        assert 'id="results"' in html
    # Consecutive pages neither skip nor repeat a report.
    expected = [
        r.id
        for r in DefectReport.select(DefectReport.id)
        .order_by(DefectReport.urgent.desc(), DefectReport.created_at, DefectReport.id)
        .limit(150)
    ]
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/staff/defects/?status=all&page={page}").text
        shown += [int(i) for i in re.findall(r'href="/staff/defects/(\d+)"', html)]
    assert shown == expected
    found = client.get("/staff/defects/?status=all&q=s012345").text
    assert len(re.findall(r'href="/staff/defects/\d+"', found)) == 1
    # With the planner's statistics brought up to date (housekeeping does it), a page of the
    # queue is read in order from its index: no table scan, no sort of every open report.
    housekeeping.refresh_statistics()
    if not is_sqlite(db.obj):
        return  # the plan below is SQLite's
    seen = []
    db.obj.query_hooks.append(lambda event: seen.append((event.sql, event.params)))
    client.get("/staff/defects/")
    sql, params = next(q for q in seen if "ORDER BY" in q[0] and "defect_report" in q[0])
    rows = db.obj.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    # The page's reports are chosen from the index, in its order, and skipping the earlier
    # pages reads the index alone; only the page's own fifty lines are put in order again.
    chosen = next(row[0] for row in rows if "SUBQUERY" in row[-1])
    inner = [row[-1] for row in rows if row[1] == chosen]
    assert any("defect_report_open_queue" in step for step in inner), rows
    assert not any("TEMP B-TREE" in step for step in inner), rows
    assert not any(step.startswith("SCAN") and "INDEX" not in step for _i, _p, _n, step in rows)

"""Staff queues stay within the page budgets with tens of thousands of rows."""

import datetime
import gzip
import re

from portal.models import Apartment, DefectReport, db
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
    found = client.get("/staff/defects/?status=all&q=s012345").text
    assert len(re.findall(r'href="/staff/defects/\d+"', found)) == 1
    # The queue's rows are found through an index, not by scanning the table.
    plan = " ".join(
        str(row)
        for row in db.obj.execute_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM defect_report WHERE status IN "
            "('received', 'in_progress') ORDER BY urgent DESC, created_at, id LIMIT 51"
        ).fetchall()
    )
    assert "USING COVERING INDEX defectreport_status_urgent_created_at" in plan, plan
    assert "SCAN defect_report" not in plan, plan

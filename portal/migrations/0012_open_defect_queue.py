"""The open defect queue read in order from one index: whether a report is open, then the
queue's order. The queue asks for the same expression with constants, so the planner can
use it (a bound parameter list could not be matched). And visitors' reports by their email."""

from peewee import *

OPEN = "(status IN ('received', 'in_progress', 'waiting'))"


def up(migrator, db):
    db.execute_sql(
        f"CREATE INDEX defect_report_open_queue ON defect_report "
        f"({OPEN}, urgent DESC, created_at, id)"
    )
    # Reports of visitors are found by their email (a person's data, its erasure).
    db.execute_sql('CREATE INDEX "defectreport_reporter_email" ON defect_report (reporter_email)')
    db.execute_sql("ANALYZE")


def down(migrator, db):
    db.execute_sql("DROP INDEX defectreport_reporter_email")
    db.execute_sql("DROP INDEX defect_report_open_queue")

"""Indexes in the order the staff queues list their rows, so a page of a queue is read from
an index instead of sorting every open row; then statistics for the query planner."""

from peewee import *


def up(migrator, db):
    db.execute_sql(
        "CREATE INDEX defect_report_queue ON defect_report (urgent DESC, created_at, id)"
    )
    db.execute_sql(
        'CREATE INDEX "servicerequest_created_at_id" ON service_request (created_at, id)'
    )
    # Only the conversations waiting for an answer, in the order the queue shows them.
    db.execute_sql(
        "CREATE INDEX message_thread_waiting ON message_thread (last_resident_at, id) "
        "WHERE last_staff_at IS NULL OR last_resident_at > last_staff_at"
    )
    db.execute_sql("ANALYZE")


def down(migrator, db):
    for name in (
        "message_thread_waiting",
        "servicerequest_created_at_id",
        "defect_report_queue",
    ):
        db.execute_sql(f'DROP INDEX "{name}"')

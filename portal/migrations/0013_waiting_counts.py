"""The staff start page counts what waits in covering indexes: new defect reports by status,
building and urgency, and the conversations waiting for an answer by team and building.
Without them each count read thousands of table rows."""

from peewee import *


def up(migrator, db):
    db.execute_sql(
        'CREATE INDEX "defect_report_waiting_count" ON defect_report (status, building_id, urgent)'
    )
    db.execute_sql(
        'CREATE INDEX "message_thread_waiting_count" ON message_thread (team_id, building_id) '
        "WHERE last_staff_at IS NULL OR last_resident_at > last_staff_at"
    )
    db.execute_sql("ANALYZE")


def down(migrator, db):
    db.execute_sql('DROP INDEX "message_thread_waiting_count"')
    db.execute_sql('DROP INDEX "defect_report_waiting_count"')

"""The staff start page counts current and upcoming leases from an index of their dates:
for staff who serve every building the count reads no other table, and without the index it
read every lease."""

from peewee import *


def up(migrator, db):
    db.execute_sql('CREATE INDEX "lease_dates" ON lease (start_date, end_date)')
    db.execute_sql("ANALYZE")


def down(migrator, db):
    db.execute_sql('DROP INDEX "lease_dates"')

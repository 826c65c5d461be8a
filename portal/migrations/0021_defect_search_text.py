"""What the staff's defect search looks in, kept on each report: its address (the street
address and the apartment's number) and, on a line of its own, the reporter's name.

The search used to join every report it went through to its building and apartment, in the
queue's order, until fifty matched: a rare name read all of them. The database itself keeps
the text up to date (a trigger), whichever way a report is written, also when personal data
is erased from it or an address changes. The address is written as the search has always
read it; the line break between it and the name is not in anything the search box sends, so
a search matches within the address or within the name, never across both.
"""

from peewee import *

SQLITE_FILL = """UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = defect_report.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = defect_report.apartment_id), '') ||
        char(10) ||
        COALESCE(defect_report.reporter_name, '')"""

POSTGRES_FILL = """UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = defect_report.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = defect_report.apartment_id), '') ||
        chr(10) ||
        COALESCE(defect_report.reporter_name, '')"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER defect_report_search_text_new AFTER INSERT ON defect_report
    BEGIN
        UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = NEW.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = NEW.apartment_id), '') ||
        char(10) ||
        COALESCE(NEW.reporter_name, '')
        WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER defect_report_search_text_changed
    AFTER UPDATE OF building_id, apartment_id, reporter_name ON defect_report
    BEGIN
        UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = NEW.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = NEW.apartment_id), '') ||
        char(10) ||
        COALESCE(NEW.reporter_name, '')
        WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER building_search_text_changed AFTER UPDATE OF street_address ON building
    BEGIN
        UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = defect_report.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = defect_report.apartment_id), '') ||
        char(10) ||
        COALESCE(defect_report.reporter_name, '')
        WHERE building_id = NEW.id;
    END""",
    """CREATE TRIGGER apartment_search_text_changed AFTER UPDATE OF number ON apartment
    BEGIN
        UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = defect_report.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = defect_report.apartment_id), '') ||
        char(10) ||
        COALESCE(defect_report.reporter_name, '')
        WHERE apartment_id = NEW.id;
    END""",
]
SQLITE_DROPS = [
    "DROP TRIGGER defect_report_search_text_new",
    "DROP TRIGGER defect_report_search_text_changed",
    "DROP TRIGGER building_search_text_changed",
    "DROP TRIGGER apartment_search_text_changed",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION defect_report_search_text() RETURNS trigger AS $$
    BEGIN
        NEW.search_text :=
        COALESCE((SELECT street_address FROM building WHERE id = NEW.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = NEW.apartment_id), '') ||
        chr(10) ||
        COALESCE(NEW.reporter_name, '');
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER defect_report_search_text
    BEFORE INSERT OR UPDATE OF building_id, apartment_id, reporter_name ON defect_report
    FOR EACH ROW EXECUTE FUNCTION defect_report_search_text()""",
    """CREATE FUNCTION address_search_text() RETURNS trigger AS $$
    BEGIN
        UPDATE defect_report SET search_text =
        COALESCE((SELECT street_address FROM building WHERE id = defect_report.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = defect_report.apartment_id), '') ||
        chr(10) ||
        COALESCE(defect_report.reporter_name, '')
        WHERE (TG_TABLE_NAME = 'building' AND building_id = NEW.id)
           OR (TG_TABLE_NAME = 'apartment' AND apartment_id = NEW.id);
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER building_search_text AFTER UPDATE OF street_address ON building
    FOR EACH ROW EXECUTE FUNCTION address_search_text()""",
    """CREATE TRIGGER apartment_search_text AFTER UPDATE OF number ON apartment
    FOR EACH ROW EXECUTE FUNCTION address_search_text()""",
]
POSTGRES_DROPS = [
    "DROP TRIGGER apartment_search_text ON apartment",
    "DROP TRIGGER building_search_text ON building",
    "DROP FUNCTION address_search_text()",
    "DROP TRIGGER defect_report_search_text ON defect_report",
    "DROP FUNCTION defect_report_search_text()",
]


def _is_sqlite(db) -> bool:
    return isinstance(db, SqliteDatabase)


def up(migrator, db):
    migrator.migrate(migrator.add_column("defect_report", "search_text", TextField(default="")))
    sqlite = _is_sqlite(db)
    for statement in (
        [SQLITE_FILL, *SQLITE_TRIGGERS] if sqlite else [POSTGRES_FILL, *POSTGRES_TRIGGERS]
    ):
        db.execute_sql(statement)


def down(migrator, db):
    for statement in SQLITE_DROPS if _is_sqlite(db) else POSTGRES_DROPS:
        db.execute_sql(statement)
    migrator.migrate(migrator.drop_column("defect_report", "search_text"))

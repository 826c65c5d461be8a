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

# The text of one report: {row} is the report's row (NEW in a trigger), {newline} the
# database's way to write a line break.
TEXT = """COALESCE((SELECT street_address FROM building WHERE id = {row}.building_id), '') ||
        ' ' ||
        COALESCE((SELECT number FROM apartment WHERE id = {row}.apartment_id), '') ||
        {newline} ||
        COALESCE({row}.reporter_name, '')"""


def _text(row: str, newline: str) -> str:
    return TEXT.replace("{row}", row).replace("{newline}", newline)


def _sqlite(statement: str, row: str) -> str:
    return statement.replace("{text}", _text(row, "char(10)"))


def _postgres(statement: str, row: str) -> str:
    return statement.replace("{text}", _text(row, "chr(10)"))


FILL = "UPDATE defect_report SET search_text = {text}"

SQLITE_TRIGGERS = [
    _sqlite(
        """CREATE TRIGGER defect_report_search_text_new AFTER INSERT ON defect_report
    BEGIN
        UPDATE defect_report SET search_text = {text} WHERE id = NEW.id;
    END""",
        "NEW",
    ),
    _sqlite(
        """CREATE TRIGGER defect_report_search_text_changed
    AFTER UPDATE OF building_id, apartment_id, reporter_name ON defect_report
    BEGIN
        UPDATE defect_report SET search_text = {text} WHERE id = NEW.id;
    END""",
        "NEW",
    ),
    _sqlite(
        """CREATE TRIGGER building_search_text_changed AFTER UPDATE OF street_address ON building
    BEGIN
        UPDATE defect_report SET search_text = {text} WHERE building_id = NEW.id;
    END""",
        "defect_report",
    ),
    _sqlite(
        """CREATE TRIGGER apartment_search_text_changed AFTER UPDATE OF number ON apartment
    BEGIN
        UPDATE defect_report SET search_text = {text} WHERE apartment_id = NEW.id;
    END""",
        "defect_report",
    ),
]
SQLITE_DROPS = [
    "DROP TRIGGER defect_report_search_text_new",
    "DROP TRIGGER defect_report_search_text_changed",
    "DROP TRIGGER building_search_text_changed",
    "DROP TRIGGER apartment_search_text_changed",
]

POSTGRES_TRIGGERS = [
    _postgres(
        """CREATE FUNCTION defect_report_search_text() RETURNS trigger AS $$
    BEGIN
        NEW.search_text := {text};
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
        "NEW",
    ),
    """CREATE TRIGGER defect_report_search_text
    BEFORE INSERT OR UPDATE OF building_id, apartment_id, reporter_name ON defect_report
    FOR EACH ROW EXECUTE FUNCTION defect_report_search_text()""",
    _postgres(
        """CREATE FUNCTION address_search_text() RETURNS trigger AS $$
    BEGIN
        UPDATE defect_report SET search_text = {text}
        WHERE (TG_TABLE_NAME = 'building' AND building_id = NEW.id)
           OR (TG_TABLE_NAME = 'apartment' AND apartment_id = NEW.id);
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
        "defect_report",
    ),
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
    if _is_sqlite(db):
        statements = [_sqlite(FILL, "defect_report"), *SQLITE_TRIGGERS]
    else:
        statements = [_postgres(FILL, "defect_report"), *POSTGRES_TRIGGERS]
    for statement in statements:
        db.execute_sql(statement)


def down(migrator, db):
    for statement in SQLITE_DROPS if _is_sqlite(db) else POSTGRES_DROPS:
        db.execute_sql(statement)
    migrator.migrate(migrator.drop_column("defect_report", "search_text"))

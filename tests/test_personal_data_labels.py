"""The person's own data is shown in their language: every kind of data and every field
has a name a person understands, not the database's."""

import re

from portal.services import personal_data
from tests.conftest import RESIDENT


def visible(page: str) -> str:
    """The page's text without its markup."""
    return re.sub(r"<[^>]*>", " ", page)


def test_the_kinds_and_fields_of_ones_data_are_named_in_finnish(login_as):
    client = login_as(RESIDENT, "fi")
    listing = visible(client.get("/profile/data").text)
    assert "Merkintäsi asukasrekisterissä" in listing
    for table in personal_data.TABLES:
        assert f" {table} " not in listing, table
    account = client.get("/profile/data/person").text
    names = re.findall(r"<dt>(.*?)</dt>", account)
    assert "Aino" in account and "Etunimi" in names and "Sukunimi" in names
    for column in ("first_name", "last_name", "created_at", "email", "notify_by_email", "id"):
        assert column not in names, column
    reports = re.findall(r"<dt>(.*?)</dt>", client.get("/profile/data/defect_report").text)
    assert reports and not {"created_at", "reporter_name", "description"} & set(reports)


def test_every_table_and_field_shown_has_a_label():
    fields = set()
    for table in personal_data.TABLES:
        assert table in personal_data.TABLE_LABELS, table
        model, _ = personal_data._selections(personal_data.Person(id=0, email=""))[table]
        fields |= {
            column.column_name
            for column in model._meta.sorted_fields
            if column.column_name not in personal_data.NOT_SHOWN
        }
    assert fields - set(personal_data.FIELD_LABELS) == set()

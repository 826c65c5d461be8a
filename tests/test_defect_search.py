"""The staff's defect search looks in each report's address and reporter's name, which the
database keeps beside the report however it is written, changed or erased."""

import re

from portal.models import Apartment, Building, DefectReport, Person
from portal.services import personal_data
from tests.conftest import CUSTOMER_SERVICE, RESIDENT, csrf_token, sign_in, use_language


def found(client, words: str) -> set[int]:
    page = client.get("/staff/defects/", query_string={"status": "all", "q": words}).text
    return {int(number) for number in re.findall(r'href="/staff/defects/(\d+)"', page)}


def staff(app):
    client = app.test_client()
    sign_in(client, CUSTOMER_SERVICE)
    use_language(client, "en")
    return client


def test_a_report_sent_by_a_resident_is_found_by_address_and_by_name(app, login_as):
    resident = login_as(RESIDENT)
    answer = resident.post(
        "/defects/new",
        data={
            "csrf_token": csrf_token(resident, "/defects/new"),
            "location": "apartment",
            "category": "heating",
            "cannot_wait": "no",
            "description": "The radiator in the bedroom stays cold.",
            "phone": "040 123 4567",
        },
    )
    assert answer.status_code == 303
    report = DefectReport.select().order_by(DefectReport.id.desc()).get()
    apartment = Apartment.get_by_id(report.apartment_id)
    street = Building.get_by_id(report.building_id).street_address
    assert report.search_text == f"{street} {apartment.number}\n{report.reporter_name}"
    client = staff(app)
    assert report.id in found(client, f"{street} {apartment.number}")
    assert report.id in found(client, report.reporter_name.split()[-1].lower())
    # The address and the name are one text for the database, but never one match.
    assert report.id not in found(client, f"{apartment.number} {report.reporter_name}")


def test_an_erased_reporters_name_is_no_longer_found(app):
    person = Person.get(Person.email == RESIDENT)
    reports = {report.id for report in DefectReport.select().where(DefectReport.reporter == person)}
    assert reports
    client = staff(app)
    assert reports <= found(client, person.last_name)
    personal_data.erase(person)
    assert not reports & found(client, person.last_name)
    assert not DefectReport.select().where(DefectReport.search_text.contains(person.last_name))


def test_a_changed_street_address_is_found_at_once(app):
    report = DefectReport.select().where(DefectReport.apartment.is_null(False)).first()
    Building.update(street_address="Uusikatu 99").where(Building.id == report.building_id).execute()
    Apartment.update(number="Z 7").where(Apartment.id == report.apartment_id).execute()
    assert report.id in found(staff(app), "Uusikatu 99 Z 7")

"""The resident's own information, bank account changes, the building page and rescue plan,
and the rental agreement."""

import io
import re

from portal.demo import rescue_plan_pdf
from portal.models import AuditEntry, OutboxEmail, Person, Token
from tests.conftest import (
    ASOY_RESIDENT,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    OTHER_RESIDENT,
    RESIDENT,
    age_sign_in,
    csrf_token,
    sign_in,
    use_language,
)

GOOD_IBAN = "FI21 1234 5600 0007 85"
TAMPERED_IBAN = "FI21 1234 5600 0007 86"


def change_account(client, iban, password=""):
    return client.post(
        "/profile/bank-account",
        data={
            "bank-iban": iban,
            "bank-password": password,
            "csrf_token": csrf_token(client, "/profile"),
        },
    )


def test_contact_information_and_language(login_as):
    client = login_as(RESIDENT)
    page = client.get("/profile").text
    assert "The username cannot be changed" in page
    response = client.post(
        "/profile",
        data={
            "contact-phone": "050 111 2222",
            "contact-language": "sv",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert response.status_code == 303
    person = Person.get(Person.email == RESIDENT)
    assert (person.phone, person.language, person.notify_by_email) == ("050 111 2222", "sv", False)
    assert 'lang="sv"' in client.get("/profile").text
    bad = client.post(
        "/profile",
        data={
            "contact-phone": "<call me>",
            "contact-language": "xx",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert bad.status_code == 422
    assert Person.get(Person.email == RESIDENT).phone == "050 111 2222"


def test_a_tampered_iban_is_refused(login_as):
    client = login_as(RESIDENT)
    response = change_account(client, TAMPERED_IBAN)
    assert response.status_code == 422
    assert "not a valid IBAN" in response.text
    assert not Token.select().where(Token.purpose == "bank_account").exists()


def test_a_bank_account_change_is_confirmed_from_an_email_link(app, login_as):
    client = login_as(RESIDENT)
    assert change_account(client, GOOD_IBAN).status_code == 303
    assert Person.get(Person.email == RESIDENT).iban == ""  # not before the link
    email = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == RESIDENT)
        .order_by(OutboxEmail.id.desc())
        .get()
    )
    assert "0785" in email.body_text and "1234 5600" not in email.body_text
    link = re.search(r"/profile/bank-account/confirm\?t=\S+", email.body_text).group(0)
    path = "/profile/bank-account/confirm"
    # Another person signed in cannot use the link.
    other = app.test_client()
    sign_in(other, OTHER_RESIDENT)
    assert other.get(link, follow_redirects=True).status_code == 400
    assert client.get(link).headers["Location"] == path
    assert "FI •••• 0785" in client.get(path).text
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert Person.get(Person.email == RESIDENT).iban == "FI2112345600000785"
    assert "FI •••• 0785" in client.get("/profile").text
    # The link works once.
    assert client.post(path, data={"csrf_token": csrf_token(client, "/profile")}).status_code == 400
    details = " ".join(e.detail + e.action for e in AuditEntry.select())
    assert "bank_account_changed" in details
    assert "1234" not in details and "FI21" not in details


def test_a_stale_sign_in_needs_the_password_again(login_as):
    client = login_as(RESIDENT)
    age_sign_in(client, 2 * 3600)
    assert "Your password" in client.get("/profile").text
    refused = change_account(client, GOOD_IBAN, password="wrong-password")
    assert refused.status_code == 422 and "The password was not right." in refused.text
    from tests.conftest import PASSWORD

    assert change_account(client, GOOD_IBAN, password=PASSWORD).status_code == 303


def test_the_building_page_and_its_rescue_plan(app, login_as):
    client = login_as(RESIDENT)
    page = client.get("/building").text
    assert "Sturenkatu 21" in page and "Kaukolämpö" in page
    plan = client.get("/building/rescue-plan")
    assert plan.status_code == 200 and plan.mimetype == "application/pdf"
    assert plan.data.startswith(b"%PDF-") and b"Sturenkatu 21" in plan.data
    assert plan.headers["Cache-Control"] == "no-store"
    # Another building's plan cannot be reached: the page serves only the reader's own.
    other = app.test_client()
    sign_in(other, ASOY_RESIDENT)
    assert b"Kalliolanrinne 4" in other.get("/building/rescue-plan").data


def test_staff_upload_a_rescue_plan_only_for_their_buildings(app):
    from portal.models import Building

    sturenkatu = Building.get(Building.street_address == "Sturenkatu 21")
    asoy = app.test_client()
    sign_in(asoy, ASOY_STAFF)
    assert asoy.get(f"/staff/buildings/{sturenkatu.id}/rescue-plan").status_code == 404
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    url = f"/staff/buildings/{sturenkatu.id}"
    refused = staff.post(
        url,
        data={
            "rescue_plan": (io.BytesIO(b"MZ not a pdf"), "plan.pdf"),
            "csrf_token": csrf_token(staff, url),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "must be a PDF" in refused.text
    new_plan = rescue_plan_pdf("Sturenkatu 21", title="Uusi pelastussuunnitelma")
    staff.post(
        url,
        data={
            "heating": "Maalämpö",
            "rescue_plan": (io.BytesIO(new_plan), "plan.pdf"),
            "csrf_token": csrf_token(staff, url),
        },
        content_type="multipart/form-data",
    )
    assert staff.get(f"{url}/rescue-plan").data == new_plan


def test_the_rental_agreement_with_its_monthly_payments(login_as):
    page = login_as(RESIDENT).get("/lease").text
    assert "Agreement number" in page
    assert "1 043,60 €" in page.replace("\xa0", " ")
    # Rent, the sauna turn (15 €) and parking space P2 (32 €): 1 090,60 € a month.
    assert "1 090,60 €" in page.replace("\xa0", " ")
    assert "Mikko Virtanen" in page and "Elias Virtanen" in page
    assert "/requests/new/lease_termination" in page


def test_other_residents_see_the_agreement_but_not_the_change_links(login_as):
    page = login_as(OTHER_RESIDENT).get("/lease").text
    assert "Agreement number" in page
    assert "/requests/new/lease_termination" not in page

"""Forms shown before they are sent (the sign-in form, the resident's defect form) are kept
once per language: each person still gets their own CSRF token and their own values."""

import pytest

from portal.models import CompanyProfile, DefectReport, Person
from portal.services import company
from portal.views import defects as defect_views
from tests.conftest import CSRF_RE, PASSWORD, sign_in, use_language

AINO = "aino.virtanen@example.fi"
HANNA = "hanna.korhonen@example.fi"


def tokens(page: str) -> set[str]:
    return set(CSRF_RE.findall(page))


def sign_in_form(page: str) -> str:
    return page[
        page.index('<form class="stack" id="signin"') : page.index(
            "</form>", page.index('id="signin"')
        )
    ]


def test_each_visitor_gets_the_kept_sign_in_form_with_their_own_token(app):
    first, second = app.test_client(), app.test_client()
    pages = [use_language(client, "en").get("/login").text for client in (first, second)]
    forms = [sign_in_form(page) for page in pages]
    assert all("\x1f" not in page for page in pages)
    # One token per page (the header's forms and the sign-in form carry the same), and
    # each visitor's is their own.
    [first_token], [second_token] = (tokens(page) for page in pages)
    assert first_token != second_token
    assert first_token in forms[0] and second_token in forms[1]
    assert forms[0].replace(first_token, "T") == forms[1].replace(second_token, "T")
    assert '<label for="password">Password</label>' in forms[0]
    answer = first.post(
        "/login", data={"email": AINO, "password": PASSWORD, "csrf_token": first_token}
    )
    assert answer.status_code == 303
    # The other visitor's token is not good for this session.
    third = app.test_client()
    third.get("/login")
    refused = third.post(
        "/login", data={"email": AINO, "password": PASSWORD, "csrf_token": second_token}
    )
    assert refused.status_code == 400


@pytest.mark.parametrize(("language", "label"), [("fi", "Salasana"), ("sv", "Lösenord")])
def test_the_kept_sign_in_form_is_in_the_visitors_language(app, language, label):
    client = use_language(app.test_client(), language)
    assert f'<label for="password">{label}</label>' in sign_in_form(client.get("/login").text)


def test_the_kept_sign_in_form_returns_to_the_page_asked_for_with_the_address_escaped(app):
    client = app.test_client()
    page = client.get('/login?next=/defects/?q="><b>').text
    form = sign_in_form(page)
    assert "<b>" not in form
    assert 'action="/login?next=/defects/?q%3D%22%3E%3Cb%3E"' in form
    other = sign_in_form(app.test_client().get("/login?next=/payments/").text)
    assert 'action="/login?next=/payments/"' in other
    [token] = tokens(page)
    answer = client.post(
        "/login?next=/payments/", data={"email": AINO, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.headers["Location"] == "/payments/"


def defect_form(page: str) -> str:
    start = page.index('<form class="stack" action="/defects/new"')
    return page[start : page.index("</form>", start)]


def test_each_resident_gets_the_kept_defect_form_with_their_own_phone_and_token(app, monkeypatch):
    made = []
    build = defect_views._blank_defect_form
    monkeypatch.setattr(
        defect_views, "_blank_defect_form", lambda marks: made.append(1) or build(marks)
    )
    Person.update(phone='040 123 "><b>').where(Person.email == HANNA).execute()
    forms = {}
    for email in (AINO, HANNA):
        client = app.test_client()
        sign_in(client, email)
        page = use_language(client, "en").get("/defects/new").text
        assert "\x1f" not in page
        [token] = tokens(page)
        forms[email] = (defect_form(page), token, client)
    assert len(made) == 1  # made for the first resident, kept for the second
    aino_form, aino_token, aino = forms[AINO]
    hanna_form, hanna_token, _hanna = forms[HANNA]
    aino_phone = Person.get(Person.email == AINO).phone
    assert f'value="{aino_phone}"' in aino_form
    assert 'value="040 123 &#34;&gt;&lt;b&gt;"' in hanna_form
    assert "<b>" not in hanna_form
    assert aino_token in aino_form and hanna_token in hanna_form and aino_token != hanna_token
    # Sent with the token the kept form carried, the report is stored.
    answer = aino.post(
        "/defects/new",
        data={
            "csrf_token": aino_token,
            "location": "apartment",
            "category": "windows_doors",
            "cannot_wait": "no",
            "description": "The balcony door does not close properly.",
            "phone": aino_phone,
        },
    )
    assert answer.status_code == 303
    assert (
        DefectReport.select()
        .where(DefectReport.description == "The balcony door does not close properly.")
        .exists()
    )


def test_the_kept_defect_form_names_the_maintenance_callers_new_number_at_once(login_as):
    client = login_as(AINO)
    assert "starting with 010" not in defect_form(client.get("/defects/new").text)
    CompanyProfile.update(maintenance_caller="010 555").execute()
    company.forget()
    form = defect_form(client.get("/defects/new").text)
    assert "from a number starting with 010 555." in form


def test_a_defect_pages_kept_reply_form_sends_to_its_own_report(login_as):
    client = login_as(AINO)
    lease = Person.get(Person.email == AINO).residencies.get().lease
    open_ones = list(
        DefectReport.select()
        .where((DefectReport.lease == lease) & (DefectReport.status == DefectReport.RECEIVED))
        .limit(2)
    )
    done = (
        DefectReport.select()
        .where((DefectReport.lease == lease) & (DefectReport.status == DefectReport.DONE))
        .get()
    )
    for report in open_ones:
        page = client.get(f"/defects/{report.id}").text
        assert f'action="/defects/{report.id}/comment"' in page
        assert "/decision" not in page
        [token] = tokens(page)
    answer = client.post(
        f"/defects/{report.id}/comment", data={"note": "Still dripping.", "csrf_token": token}
    )
    assert answer.status_code == 303
    assert "Still dripping." in client.get(f"/defects/{report.id}").text
    page = client.get(f"/defects/{done.id}").text
    assert f'action="/defects/{done.id}/decision"' in page
    assert "Yes, it is repaired" in page
    assert "/comment" not in page


def test_the_kept_parts_do_not_grow_with_each_report_a_household_opens(app, login_as):
    client = login_as(AINO)
    lease = Person.get(Person.email == AINO).residencies.get().lease
    first = (
        DefectReport.select()
        .where((DefectReport.lease == lease) & (DefectReport.status == DefectReport.RECEIVED))
        .get()
    )
    reports = [first]
    for number in range(2):
        copy = {**first.__data__, "reference": f"K99{number}"}
        copy.pop("id")
        reports.append(DefectReport.get_by_id(DefectReport.insert(copy).execute()))
    client.get(f"/defects/{reports[0].id}")
    kept = len(app.extensions["fragments"])
    for report in reports[1:]:
        assert f'action="/defects/{report.id}/comment"' in client.get(f"/defects/{report.id}").text
    assert len(app.extensions["fragments"]) == kept

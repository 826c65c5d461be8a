"""The layout's kept parts: made once per language and values, never stale, never shared
between people whose menus differ."""

import pytest
from flask import url_for

from portal import fragments, web
from portal.models import ServiceTeam
from tests.conftest import sign_in, use_language


def footer(page: str) -> str:
    return page[page.index('<footer class="foot">') :]


def test_a_kept_part_is_made_once_for_each_language_and_each_value(app):
    made = []

    def make(text):
        made.append(text)
        return f"<b>{text}</b>"

    for language in ("fi", "sv", "fi", "sv", "fi"):
        with app.test_request_context("/", headers={"Cookie": f"locale={language}"}):
            kept = fragments.kept(("test", "a"), lambda: make("a"))
            assert kept == "<b>a</b>"
            assert fragments.kept(("test", "b"), lambda: make("b")) == "<b>b</b>"
    assert made == ["a", "b", "a", "b"]


def test_a_full_store_starts_again(app, monkeypatch):
    monkeypatch.setattr(fragments, "KEPT", 3)
    with app.test_request_context("/"):
        for number in range(7):
            fragments.kept(("test", number), lambda number=number: str(number))
            assert len(app.extensions["fragments"]) <= 3
        assert fragments.kept(("test", 6), lambda: "made again") == "6"


def test_a_fragment_escapes_the_values_given_to_it(app):
    with app.test_request_context("/"):
        html = fragments.fragment("layout/_brand.html", logo="x.png", short_name='"><script>')
    assert "<script>" not in html
    assert 'alt="&#34;&gt;&lt;script&gt;"' in html


def test_the_footer_shows_a_teams_new_number_at_once(app, client):
    use_language(client, "en")
    team = ServiceTeam.get(ServiceTeam.is_default)
    assert team.phone in footer(client.get("/").text)
    ServiceTeam.update(phone="09 555 0100").where(ServiceTeam.id == team.id).execute()
    page = footer(client.get("/").text)
    assert "09 555 0100" in page
    assert 'href="tel:+358955501' in page


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_menu_is_in_the_pages_language_and_marks_its_section(app, language):
    resident = app.test_client()
    sign_in(resident, "aino.virtanen@example.fi")
    use_language(resident, language)
    labels = {"fi": "Vikailmoitukset", "sv": "Felanmälningar", "en": "Defect notifications"}
    home = resident.get("/").text
    defects = resident.get("/defects/").text
    assert f'<a href="/defects/">{labels[language]}</a>' in home
    assert f'<a href="/defects/" aria-current="page">{labels[language]}</a>' in defects
    assert 'aria-current="page"' not in defects.replace(
        '<a href="/defects/" aria-current="page">', ""
    )


def test_a_staff_member_and_a_resident_never_see_each_others_menu(app):
    resident = app.test_client()
    sign_in(resident, "aino.virtanen@example.fi")
    staff = app.test_client()
    sign_in(staff, "leena.makinen@example.fi")
    for client in (resident, staff):
        use_language(client, "en")
    for _round in range(2):
        resident_page = resident.get("/profile").text
        staff_page = staff.get("/staff/").text
        assert 'href="/staff/defects/"' not in resident_page
        assert 'href="/profile"' in resident_page
        assert 'href="/staff/defects/"' in staff_page
        assert 'href="/profile"' not in staff_page.split("</nav>")[0]


@pytest.mark.parametrize("root", ["", "/portal"])
def test_an_address_by_id_is_the_one_url_for_gives(app, root):
    with app.test_request_context("/", base_url=f"http://localhost{root}/"):
        for endpoint, name in [("defects.show", "report_id"), ("staff_messages.show", "thread_id")]:
            address_of = web.id_url(endpoint, name)
            for key in (1, 42, 2**31 - 2):
                assert address_of(key) == url_for(endpoint, **{name: key})
        assert web.id_url("defects.show", "report_id")(7) == f"{root}/defects/7"


def test_an_address_by_id_takes_only_a_number(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        web.id_url("defects.show", "report_id")("7/../../staff")

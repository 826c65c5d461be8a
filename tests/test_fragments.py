"""The layout's kept parts: made once per language and values, never stale, never shared
between people whose menus differ."""

import re

import pytest
from flask import render_template_string, url_for
from flask_babel import force_locale, get_locale

from portal import csrf_tokens, fragments, i18n, web
from portal.models import Building, Mandate, Person, Residency, ServiceTeam
from portal.services import buildings, teams
from tests.conftest import CSRF_RE, sign_in, use_language


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
    admin = Person.get(Person.staff_role == Person.ADMIN)
    contacts = {name: getattr(team, name) for name in teams.CONTACT_FIELDS}
    teams.change_contacts(team, {**contacts, "phone": "09 555 0100"}, admin)
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


def menu_links(page: str) -> set[str]:
    menu = page[page.index('<nav class="main-nav"') : page.index("</nav>")]
    return set(re.findall(r'<a href="([^"]+)"', menu))


def test_an_agents_menu_follows_what_their_mandate_covers_beside_the_grantors_own(app):
    aino = app.test_client()
    sign_in(aino, "aino.virtanen@example.fi")
    agent = app.test_client()
    sign_in(agent, "kaisa.lehtonen@example.fi")
    mandate = (
        Mandate.select()
        .join(Residency, on=(Mandate.grantor == Residency.id))
        .where(
            (Residency.first_name == "Aino") & (Mandate.agent_email == "kaisa.lehtonen@example.fi")
        )
        .get()
    )
    token = CSRF_RE.search(agent.get("/mandates/").text).group(1)
    assert agent.post(f"/mandates/{mandate.id}/act", data={"csrf_token": token}).status_code == 303
    own = menu_links(aino.get("/notices/").text)
    specific = menu_links(agent.get("/notices/").text)
    assert "/defects/" in own and "/defects/" not in specific
    assert "/bookings/" in specific
    Mandate.update(scopes="general").where(Mandate.id == mandate.id).execute()
    general = menu_links(agent.get("/notices/").text)
    assert "/defects/" in general
    # Aino's own menu, judged again after the agent's: the same as before.
    assert menu_links(aino.get("/notices/").text) == own


@pytest.mark.parametrize("roots", [("", "/portal"), ("/portal", "")])
def test_an_address_by_id_is_the_one_url_for_gives_under_each_root(app, roots):
    # The same app under two roots, one after the other: each root keeps its own function.
    for root in roots:
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, name in [
                ("defects.show", "report_id"),
                ("staff_messages.show", "thread_id"),
            ]:
                address_of = web.id_url(endpoint, name)
                for key in (1, 42, 2**31 - 2):
                    assert address_of(key) == url_for(endpoint, **{name: key})
            assert web.id_url("defects.show", "report_id")(7) == f"{root}/defects/7"


def test_an_address_by_id_takes_only_a_number(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        web.id_url("defects.show", "report_id")("7/../../staff")


def csrf_values(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (None, "/login?next=%2F"),
        ("aino.virtanen@example.fi", "/notices/"),
        ("leena.makinen@example.fi", "/staff/"),
    ],
)
def test_the_kept_header_carries_the_persons_own_token_name_and_address(app, email, path):
    client = app.test_client()
    if email:
        sign_in(client, email)
    use_language(client, "en")
    page = client.get(path).text
    header = page[: page.index("</header>")]
    assert "\x1f" not in page
    [token] = csrf_values(header)
    assert 'name="next" id="language-next" value="' in header
    assert f'value="{path}"' in header
    if email is None:
        assert "Sign out" not in header
    else:
        person = Person.get(Person.email == email)
        assert f'<span class="who">{person.display_name}</span>' in header
    # The token the header carries is this session's: switching the language with it works.
    answer = client.post("/locale", data={"csrf_token": token, "language": "sv", "next": "/"})
    assert answer.status_code in (302, 303)


def test_a_persons_name_is_escaped_in_the_kept_header(app):
    aino = Person.get(Person.email == "aino.virtanen@example.fi")
    Person.update(first_name='<b id="x">Aino').where(Person.id == aino.id).execute()
    client = app.test_client()
    sign_in(client, "aino.virtanen@example.fi")
    header = client.get("/profile").text.split("</header>")[0]
    assert '<b id="x">' not in header
    assert "&lt;b id=&#34;x&#34;&gt;Aino" in header


def test_a_signed_token_serves_the_sessions_pages_for_a_while_and_then_is_signed_again(
    app, monkeypatch
):
    signed = []
    original = csrf_tokens.generate_csrf

    def counting():
        signed.append(1)
        return original()

    monkeypatch.setattr(csrf_tokens, "generate_csrf", counting)
    client = app.test_client()
    sign_in(client, "aino.virtanen@example.fi")
    first = csrf_values(client.get("/profile").text)
    signed.clear()
    assert csrf_values(client.get("/notices/").text) == first
    assert csrf_values(client.get("/profile").text) == first
    assert signed == []
    # Another session signs its own.
    other = app.test_client()
    sign_in(other, "aino.virtanen@example.fi")
    assert csrf_values(other.get("/profile").text) != first
    # After a while the token is signed again.
    monkeypatch.setattr(csrf_tokens, "REUSE_SECONDS", 0)
    signed.clear()
    client.get("/notices/")
    assert signed == [1]


def test_a_kept_page_text_reads_as_translated_each_time(app):
    source = (
        '{{ _("Sign out") }}|{{ _("100%% sure") }}|{{ _("Hello, %(name)s", name=who) }}'
        '|{{ _("Sign out") }}'
    )
    for language, sign_out in [("en", "Sign out"), ("fi", "Kirjaudu ulos"), ("en", "Sign out")]:
        with app.test_request_context("/", headers={"Cookie": f"locale={language}"}):
            for _round in range(2):
                page = render_template_string(source, who="<b>Aino</b>")
                parts = page.split("|")
                assert parts[0] == parts[3] == sign_out
                assert parts[1] == "100% sure"
                assert "&lt;b&gt;Aino&lt;/b&gt;" in parts[2]


def test_page_texts_in_a_loop_and_after_a_set_are_translated_and_escape_only_their_values(app):
    source = (
        '{% set shown = "x" %}{% for who in people %}{{ _("Hello, %(name)s", name=who) }}|'
        '{{ _("Home") }}|{{ ngettext("%(num)d line", "%(num)d lines", loop.index) }}|{% endfor %}'
    )
    with app.test_request_context("/", headers={"Cookie": "locale=fi"}):
        page = render_template_string(source, people=["<b>Aino</b>", "Eino"])
    assert page.split("|") == [
        "Hei, &lt;b&gt;Aino&lt;/b&gt;",
        "Etusivu",
        "1 line",
        "Hei, Eino",
        "Etusivu",
        "2 lines",
        "",
    ]
    # Where a template does not escape (an email's text), the name goes in as it is.
    plain = (
        '{% autoescape false %}{% set shown = "x" %}{{ _("Hello, %(name)s", name=who) }}'
        "{% endautoescape %}"
    )
    with app.test_request_context("/", headers={"Cookie": "locale=fi"}):
        assert render_template_string(plain, who="<b>Aino</b>") == "Hei, <b>Aino</b>"


def test_the_quick_locale_is_flask_babels_also_when_forced(app):
    with app.test_request_context("/", headers={"Cookie": "locale=sv"}):
        assert str(i18n.current_locale()) == str(get_locale()) == "sv_FI"
        with force_locale("fi_FI"):
            assert str(i18n.current_locale()) == "fi_FI"
            assert i18n.translations().ugettext("Sign out") == "Kirjaudu ulos"
        assert str(i18n.current_locale()) == "sv_FI"
    with app.app_context(), force_locale("en_FI"):
        assert str(i18n.current_locale()) == "en_FI"


@pytest.mark.parametrize("root", ["", "/portal"])
def test_a_templates_link_without_values_is_url_fors_under_any_root(app, root):
    with app.test_request_context("/", base_url=f"http://localhost{root}/"):
        for _round in range(2):
            assert (
                web.page_url_for("defects.index") == url_for("defects.index") == f"{root}/defects/"
            )
            assert web.page_url_for("defects.show", report_id=3) == f"{root}/defects/3"
            assert web.page_url_for("defects.index", _anchor="x") == f"{root}/defects/#x"


def test_visitor_pages_read_the_teams_once_and_afresh_after_a_change_made_here(
    app, client, queries
):
    use_language(client, "en")
    client.get("/login")
    queries.clear()
    page = client.get("/").text
    assert not [sql for sql in queries if "service_team" in sql]
    team = ServiceTeam.get(ServiceTeam.is_default)
    assert team.phone in footer(page)
    admin = Person.get(Person.staff_role == Person.ADMIN)
    contacts = {name: getattr(team, name) for name in teams.CONTACT_FIELDS}
    teams.change_contacts(team, {**contacts, "phone": "09 555 0177"}, admin)
    queries.clear()
    assert "09 555 0177" in footer(client.get("/login").text)
    assert [sql for sql in queries if "service_team" in sql]


def test_a_staff_queues_building_choices_follow_a_building_moved_to_another_team(app):
    asoy = app.test_client()
    sign_in(asoy, "riikka.heikkinen@example.fi")
    rental = Building.get(Building.street_address == "Sturenkatu 21")
    choice = f'<option value="{rental.id}">Sturenkatu 21</option>'
    assert choice not in asoy.get("/staff/defects/").text
    admin = Person.get(Person.staff_role == Person.ADMIN)
    buildings.change_team(
        admin, rental, ServiceTeam.get(ServiceTeam.key == "asoy_customer_service")
    )
    assert choice in asoy.get("/staff/defects/").text
    assert choice in asoy.get("/staff/requests/").text

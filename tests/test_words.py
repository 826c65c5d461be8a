"""Words a person reads at the edges of the portal: a link that opens, signing out, and what
switching the language also changes."""

import re

from flask_babel import force_locale

from portal.i18n import BABEL_LOCALES, gettext
from portal.models import AuditEntry, Mandate, Person
from tests.conftest import AGENT, RESIDENT, csrf_token, use_language


def test_the_link_to_what_an_agent_did_is_a_verb_not_the_open_status(login_as):
    aino = Person.get(Person.email == RESIDENT)
    mandate = Mandate.get(Mandate.grantor == aino)
    AuditEntry.create(
        actor=Person.get(Person.email == AGENT),
        subject=aino,
        action="acted:defect.report",
        detail="/defects/",
        mandate=mandate,
    )
    client = login_as(RESIDENT, "fi")
    page = client.get(f"/mandates/{mandate.id}").text
    links = re.findall(r'<a href="/defects/">([^<]*)</a>', page)
    assert links, "the history links to what the agent did"
    assert "Avoimet" not in links
    # The defect list's heading for open notifications keeps its own word.
    assert "<h2>Avoimet</h2>" in client.get("/defects/").text


def translated(app, language, text):
    """The text as the portal writes it in a language (English until it is translated)."""
    with app.test_request_context(), force_locale(BABEL_LOCALES[language]):
        return gettext(text)


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>', page)


def test_signing_out_says_so_in_swedish(app, login_as):
    client = login_as(RESIDENT, "sv")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    page = client.get(response.headers["Location"]).text
    assert '<html lang="sv">' in page
    assert flashes(page) == [translated(app, "sv", "You have signed out on all your devices.")]
    assert "Logga ut" not in page


def test_switching_the_language_signed_in_says_emails_follow(app, login_as, client):
    message = "Emails from the portal now come in this language too."
    Person.update(language="en").where(Person.email == RESIDENT).execute()
    login_as(RESIDENT, None)
    use_language(client, "fi")
    page = client.get("/").text
    assert '<html lang="fi">' in page
    assert flashes(page) == [translated(app, "fi", message)]
    assert Person.get(Person.email == RESIDENT).language == "fi"
    # A visitor's choice reaches no email: nothing to say.
    visitor = app.test_client()
    use_language(visitor, "sv")
    assert flashes(visitor.get("/login").text) == []

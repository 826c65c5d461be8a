"""Words a person reads at the edges of the portal: a link that opens, signing out, and what
switching the language also changes."""

import re

from portal.models import AuditEntry, Mandate, Person
from tests.conftest import AGENT, RESIDENT


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

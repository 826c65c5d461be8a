"""The back office's page of one resident links only to what the staff member can open."""

import re

from portal.models import MessageThread, Person, ServiceTeam
from tests.conftest import CUSTOMER_SERVICE, RESIDENT, sign_in, use_language


def test_customer_service_is_not_linked_to_another_teams_conversation(app):
    own = MessageThread.get_by_id(1)
    leena = Person.get(Person.email == CUSTOMER_SERVICE)
    other_team = ServiceTeam.select().where(ServiceTeam.id != leena.staff_team_id).first()
    # The household wrote about the same home to another team as well.
    fields = {f.name: getattr(own, f.name) for f in MessageThread._meta.sorted_fields}
    fields.pop("id")
    elsewhere = MessageThread.create(
        **{**fields, "team": other_team, "subject": "Toisen tiimin keskustelu"}
    )

    staff = app.test_client()
    assert sign_in(staff, CUSTOMER_SERVICE).status_code == 303
    use_language(staff, "fi")
    aino = Person.get(Person.email == RESIDENT)
    page = staff.get(f"/staff/people/{aino.id}")
    assert page.status_code == 200
    conversations = re.search(r'id="msg-title".*?</section>', page.text, re.S).group(0)
    assert "Keskustelut" in conversations
    assert f"/staff/messages/{elsewhere.id}" not in conversations
    linked = re.findall(r'href="(/staff/messages/\d+)"', conversations)
    assert f"/staff/messages/{own.id}" in linked
    for href in linked:
        assert staff.get(href).status_code == 200
    assert staff.get(f"/staff/messages/{elsewhere.id}").status_code == 404

"""Customer service messages: routing to the household's team, replies by email and unread
marks, files, and nobody reading another household's conversation."""

import io

from portal.models import Message, MessageAttachment, MessageThread, OutboxEmail, Residency
from tests.conftest import (
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    OTHER_RESIDENT,
    RESIDENT,
    SWEDISH_RESIDENT,
    csrf_token,
    make_photo,
    sign_in,
    use_language,
)


def staff_client(app, email):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    return client


def start(client, **data):
    token = csrf_token(client, "/messages/new")
    fields = {"topic": "rent_payment", "subject": "Rent in January", "body": "Hello", **data}
    return client.post(
        "/messages/new",
        data={**fields, "csrf_token": token},
        content_type="multipart/form-data",
    )


def test_a_message_goes_to_the_households_team_and_the_reply_comes_back(app, login_as):
    client = login_as(RESIDENT)
    response = start(
        client, body="Can I pay in two parts?", attachments=[(io.BytesIO(make_photo()), "a.jpg")]
    )
    assert response.status_code == 303
    thread = MessageThread.select().order_by(MessageThread.id.desc()).get()
    assert thread.team.key == "customer_service"
    assert MessageAttachment.select().join(Message).where(Message.thread == thread.id).count() == 1
    staff = staff_client(app, CUSTOMER_SERVICE)
    queue = staff.get("/staff/messages/").text
    assert f"/staff/messages/{thread.id}" in queue
    # Its line names the household's home.
    line = queue.split(f'/staff/messages/{thread.id}"')[1].split("</li>")[0]
    home = thread.lease.apartment
    assert f"{home.building.street_address} {home.number}" in line
    asoy = staff_client(app, ASOY_STAFF)
    assert f"/staff/messages/{thread.id}" not in asoy.get("/staff/messages/?show=all").text
    assert asoy.get(f"/staff/messages/{thread.id}").status_code == 404
    url = f"/staff/messages/{thread.id}"
    reply = staff.post(
        url, data={"body": "Yes, in two parts.", "csrf_token": csrf_token(staff, url)}
    )
    assert reply.status_code == 303
    # Answered: no longer waiting; the household sees a new reply and gets an email.
    assert f"/staff/messages/{thread.id}" not in staff.get("/staff/messages/").text
    # The demo's older thread has an unread reply too: two marks, then one.
    assert client.get("/messages/").text.count("New reply") == 2
    email = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == RESIDENT)
        .order_by(OutboxEmail.id.desc())
        .get()
    )
    assert "Rent in January" in email.subject
    assert f"/messages/{thread.id}" in email.body_text
    page = client.get(f"/messages/{thread.id}").text
    assert "Yes, in two parts." in page
    assert client.get("/messages/").text.count("New reply") == 1


def test_the_as_oy_team_answers_its_own_households(app):
    hanna = MessageThread.get(MessageThread.subject == "Storage room")
    assert hanna.team.key == "asoy_customer_service"
    asoy = staff_client(app, ASOY_STAFF)
    assert f"/staff/messages/{hanna.id}" in asoy.get("/staff/messages/").text
    main = staff_client(app, CUSTOMER_SERVICE)
    assert f"/staff/messages/{hanna.id}" not in main.get("/staff/messages/?show=all").text
    assert main.get(f"/staff/messages/{hanna.id}").status_code == 404


def test_another_households_thread_and_file_are_not_found(app, login_as):
    sofia = MessageThread.get(MessageThread.subject == "Husmöte i januari")
    photo = MessageAttachment.select().join(Message).where(Message.thread == sofia.id).get()
    client = login_as(RESIDENT)
    assert client.get(f"/messages/{sofia.id}").status_code == 404
    assert client.get(f"/messages/{sofia.id}/files/{photo.id}").status_code == 404
    aino = MessageThread.get(MessageThread.subject == "Vuokran eräpäivän siirto")
    # The file of another thread through one's own thread's address: not found either.
    assert client.get(f"/messages/{aino.id}/files/{photo.id}").status_code == 404
    own = app.test_client()
    sign_in(own, SWEDISH_RESIDENT)
    response = own.get(f"/messages/{sofia.id}/files/{photo.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_household_shares_its_threads(login_as):
    aino = MessageThread.get(MessageThread.subject == "Vuokran eräpäivän siirto")
    client = login_as(OTHER_RESIDENT)
    assert "Vuokran eräpäivän siirto" in client.get("/messages/").text
    assert "Voit maksaa vuokran 12.12." in client.get(f"/messages/{aino.id}").text


def test_bad_messages_are_refused_and_nothing_is_stored(login_as):
    client = login_as(RESIDENT)
    before = MessageThread.select().count()
    for data in ({"topic": "gossip"}, {"subject": ""}, {"body": ""}, {"body": "x" * 5001}):
        assert start(client, **data).status_code == 422
    too_many = start(client, attachments=[(io.BytesIO(make_photo()), f"{i}.jpg") for i in range(4)])
    assert too_many.status_code == 422
    assert "at most 3 files" in too_many.text
    not_a_photo = start(client, attachments=[(io.BytesIO(b"GIF89a broken"), "x.gif")])
    assert not_a_photo.status_code == 422
    assert MessageThread.select().count() == before


def test_staff_html_in_a_message_stays_text(app, login_as):
    aino = MessageThread.get(MessageThread.subject == "Vuokran eräpäivän siirto")
    staff = staff_client(app, CUSTOMER_SERVICE)
    url = f"/staff/messages/{aino.id}"
    evil = '<script>alert(1)</script><a hx-get="/logout">x</a>'
    staff.post(url, data={"body": evil, "csrf_token": csrf_token(staff, url)})
    page = login_as(RESIDENT).get(f"/messages/{aino.id}").text
    assert "<script>alert(1)</script>" not in page
    assert 'hx-get="/logout"' not in page
    assert "&lt;script&gt;" in page


def test_rent_replies_reach_every_lease_party_with_an_account(app):
    thread = MessageThread.get(MessageThread.subject == "Vuokran eräpäivän siirto")
    lease_parties = Residency.select().where(
        (Residency.lease == thread.lease_id) & (Residency.role == "lease_party")
    )
    assert {r.first_name for r in lease_parties} == {"Aino", "Mikko"}  # Mikko has no account
    staff = staff_client(app, CUSTOMER_SERVICE)
    url = f"/staff/messages/{thread.id}"
    staff.post(url, data={"body": "One more thing.", "csrf_token": csrf_token(staff, url)})
    recipients = {
        e.to_address for e in OutboxEmail.select().where(OutboxEmail.subject.contains("Vuokran"))
    }
    assert recipients == {RESIDENT}

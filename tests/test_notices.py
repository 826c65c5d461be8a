"""Resident notices: who sees which, in which language, staff text kept inert, email once."""

import datetime

from portal import clock
from portal.models import Building, Notice, OutboxEmail, Residency
from portal.services import notices
from tests.conftest import (
    ASOY_RESIDENT,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    RESIDENT,
    SWEDISH_RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)


def notice(title):
    return Notice.get(Notice.title_fi == title)


def staff_client(app, email=CUSTOMER_SERVICE):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    return client


def publish(client, **data):
    fields = {
        "title_fi": "Otsikko",
        "body_fi": "Teksti",
        "audience": "everyone",
        "publish_on": clock.today().isoformat(),
        **data,
    }
    return client.post(
        "/staff/notices/", data={**fields, "csrf_token": csrf_token(client, "/staff/notices/")}
    )


def test_residents_see_notices_to_everyone_and_to_their_building(app, login_as):
    page = login_as(RESIDENT).get("/notices/").text
    assert "Customer service at Christmas" in page  # English version for an English reader
    assert "Porraskäytävien maalaus" in page  # Finnish only: shown in Finnish
    assert "Pihatalkoot" not in page  # another building's
    assert "Vesikatko" not in page  # not yet published
    client = app.test_client()
    sign_in(client, ASOY_RESIDENT)
    use_language(client, "sv")
    page = client.get("/notices/").text
    assert "Kundtjänsten under julen" in page and "Pihatalkoot" in page
    assert "Porraskäytävien maalaus" not in page


def test_another_buildings_or_a_future_notice_is_not_found(login_as):
    client = login_as(RESIDENT)
    assert client.get(f"/notices/{notice('Pihatalkoot').id}").status_code == 404
    assert client.get(f"/notices/{notice('Vesikatko Kontulankaari 9:ssä').id}").status_code == 404
    assert client.get(f"/notices/{notice('Porraskäytävien maalaus').id}").status_code == 200


def test_unread_until_opened(login_as):
    client = login_as(RESIDENT)
    assert client.get("/notices/").text.count('class="badge new"') == 2
    client.get(f"/notices/{notice('Porraskäytävien maalaus').id}")
    assert client.get("/notices/").text.count('class="badge new"') == 1


def test_staff_text_is_shown_as_text(app, login_as):
    staff = staff_client(app)
    evil = '<img src=x onerror=alert(1)><button hx-post="/logout">Go</button>'
    assert publish(staff, title_fi="Tiedote <b>", body_fi=evil).status_code == 303
    created = Notice.get(Notice.title_fi == "Tiedote <b>")
    page = login_as(RESIDENT).get(f"/notices/{created.id}").text
    assert "<img src=x" not in page and 'hx-post="/logout"' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Tiedote &lt;b&gt;" in page


def test_email_goes_out_once_on_the_day_of_publication(app):
    staff = staff_client(app)
    later = clock.today() + datetime.timedelta(days=3)
    sturenkatu = Building.get(Building.street_address == "Sturenkatu 21")
    response = publish(
        staff,
        title_fi="Sähkökatko",
        audience="buildings",
        buildings=[str(sturenkatu.id)],
        publish_on=later.isoformat(),
        send_email="y",
    )
    assert response.status_code == 303
    assert not OutboxEmail.select().where(OutboxEmail.subject.contains("Sähkökatko")).exists()
    with app.app_context():
        assert notices.send_due(later) == 2  # Aino and Elias have accounts in Sturenkatu 21
        assert notices.send_due(later) == 0
    sent = {
        e.to_address for e in OutboxEmail.select().where(OutboxEmail.subject.contains("Sähkökatko"))
    }
    assert sent == {RESIDENT, "elias.virtanen@example.fi"}
    assert SWEDISH_RESIDENT not in sent  # Vääksyntie 6 was not chosen


def test_email_goes_only_to_those_who_live_there_on_the_day(app):
    """A resident who moves in after the notice's day is not emailed; one who moves in on
    that day is."""
    staff = staff_client(app)
    later = clock.today() + datetime.timedelta(days=3)
    sturenkatu = Building.get(Building.street_address == "Sturenkatu 21")
    elias = Residency.get(Residency.first_name == "Elias")
    for moved_in, title in ((later + datetime.timedelta(days=1), "Hissikatko"), (later, "Pesula")):
        Residency.update(moved_in=moved_in).where(Residency.id == elias.id).execute()
        response = publish(
            staff,
            title_fi=title,
            audience="buildings",
            buildings=[str(sturenkatu.id)],
            publish_on=later.isoformat(),
            send_email="y",
        )
        assert response.status_code == 303
        with app.app_context():
            notices.send_due(later)
    sent = {
        (e.subject, e.to_address)
        for e in OutboxEmail.select().where(
            OutboxEmail.subject.contains("Hissikatko") | OutboxEmail.subject.contains("Pesula")
        )
    }
    assert {address for subject, address in sent if "Hissikatko" in subject} == {RESIDENT}
    assert {address for subject, address in sent if "Pesula" in subject} == {
        RESIDENT,
        "elias.virtanen@example.fi",
    }


def test_the_as_oy_team_publishes_only_to_its_own_buildings(app):
    staff = staff_client(app, ASOY_STAFF)
    before = Notice.select().count()
    assert publish(staff, audience="everyone").status_code == 422
    sturenkatu = Building.get(Building.street_address == "Sturenkatu 21")
    refused = publish(staff, audience="buildings", buildings=[str(sturenkatu.id)])
    assert refused.status_code == 422
    assert "Choose among the buildings listed." in refused.text
    assert Notice.select().count() == before
    assert (
        staff.post(
            f"/staff/notices/{notice('Porraskäytävien maalaus').id}/end",
            data={"csrf_token": csrf_token(staff, "/staff/notices/")},
        ).status_code
        == 404
    )


def test_a_half_translation_and_a_bad_date_are_refused(app):
    staff = staff_client(app)
    before = Notice.select().count()
    assert publish(staff, title_sv="Rubrik").status_code == 422
    bad = publish(staff, publish_on="31.13.2026")
    assert bad.status_code == 422 and "dd.mm.yyyy" in bad.text
    ends_first = publish(staff, expires_on=(clock.today() - datetime.timedelta(days=1)).isoformat())
    assert ends_first.status_code == 422
    assert Notice.select().count() == before


def test_staff_stop_showing_a_notice(app, login_as):
    staff = staff_client(app)
    painting = notice("Porraskäytävien maalaus")
    staff.post(
        f"/staff/notices/{painting.id}/end",
        data={"csrf_token": csrf_token(staff, "/staff/notices/")},
    )
    assert "Porraskäytävien maalaus" not in login_as(RESIDENT).get("/notices/").text

"""The company settings page: an administrator edits the company's names, colour, logo,
email sender, service point and payee; the logo is checked and cleaned; every change is
audited without the account number."""

import io
import re

import pytest
from PIL import Image, PngImagePlugin

from portal.models import AuditEntry, CompanyProfile
from portal.services import logos
from tests.conftest import (
    ADMIN,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    MAINTENANCE,
    PASSWORD,
    RESIDENT,
    age_sign_in,
    csrf_token,
    logo_bytes,
    sign_in,
    theme_of,
    use_language,
)

URL = "/staff/settings"
IBAN = "FI49 5000 9420 0287 30"
KOTIKATU = {
    "name_fi": "Kotikatu Oy",
    "name_sv": "Kotikatu Ab",
    "name_en": "Kotikatu Ltd",
    "short_name_fi": "Kotikatu",
    "short_name_sv": "Kotikatu",
    "short_name_en": "Kotikatu",
    "brand_color": "#1A5E8A",
    "privacy_url": "https://kotikatu.example/tietosuoja",
    "mail_sender_name": "Kotikatu",
    "mail_sender_address": "portaali@kotikatu.example",
    "service_point_address": "Kotikatu 1, 33100 Tampere",
    "appointment_hours": "mon 10:00-12:00",
    "walk_in_hours": "fri 09:00-11:00",
    "maintenance_caller": "+358 3 555",
    "payee_name": "Kotikatu Oy",
    "payee_iban": IBAN,
    "payee_bic": "ndeafihh",
}
SVG_HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
HOUSE = b'<rect width="32" height="32" fill="#1a5e8a"/>'


def _png(width=48, height=48, text=None):
    info = None
    if text:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (26, 94, 138, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _admin(app, language="en"):
    client = app.test_client()
    sign_in(client, ADMIN)
    use_language(client, language)
    return client


def _send(client, logo=None, **changes):
    """Send the settings form with Kotikatu's details, changed as told; ``logo`` is a
    (bytes, file name) pair to upload."""
    data = {**KOTIKATU, **changes, "csrf_token": csrf_token(client, URL)}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    return client.post(URL, data=data, content_type="multipart/form-data")


def _profile():
    return CompanyProfile.select().order_by(CompanyProfile.id).first()


def test_an_administrator_opens_the_page_from_the_start_page_and_sees_the_current_details(app):
    admin = _admin(app)
    start = admin.get("/staff/").text
    assert f'href="{URL}">Company settings</a>' in start
    page = admin.get(URL)
    assert page.status_code == 200
    assert "<h1>Company settings</h1>" in page.text
    profile = _profile()
    assert f'value="{profile.name_fi}"' in page.text
    assert f'value="{profile.payee_bic}"' in page.text
    # A sample of the colour and the logo as they are now.
    assert f'fill="{profile.brand_color}"' in page.text
    assert 'alt="The current logo"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    # Signed in just now: no password is asked for.
    assert 'name="password"' not in page.text


def test_saving_stores_the_details_and_every_page_shows_them(app):
    admin = _admin(app)
    old_version = admin.get("/staff/").text
    response = _send(admin, logo=(SVG_HEAD + HOUSE + b"</svg>", "kotikatu.svg"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(URL)
    page = admin.get(URL).text
    assert "The company&#39;s details were saved." in page
    profile = _profile()
    assert profile.name_fi == "Kotikatu Oy" and profile.short_name_en == "Kotikatu"
    # Stored the way the rest of the portal reads them.
    assert profile.brand_color == "#1a5e8a"
    assert profile.payee_iban == "FI4950009420028730"
    assert profile.payee_bic == "NDEAFIHH"
    assert profile.appointment_hours == "mon 10:00-12:00"
    assert profile.logo_type == "image/svg+xml" and b'fill="#1a5e8a"' in bytes(profile.logo)
    # The title, the header's logo and the theme follow at once.
    home = admin.get("/staff/").text
    assert re.search(r"<title>[^<]*– Kotikatu</title>", home)
    logo_src = re.search(r'<img class="logo" src="([^"]+)" alt="Kotikatu"', home).group(1)
    assert logo_src not in old_version
    assert bytes(profile.logo) == logo_bytes(admin, logo_src)
    assert "--brand:#1a5e8a" in theme_of(admin.get("/staff/"))
    resident = app.test_client()
    sign_in(resident, RESIDENT)
    assert re.search(r"<title>[^<]*– Kotikatu</title>", resident.get("/").text)


def test_the_change_is_audited_by_field_names_without_the_account_number(app):
    admin = _admin(app)
    before = AuditEntry.select().where(AuditEntry.action == "company_changed").count()
    assert _send(admin).status_code == 303
    entry = (
        AuditEntry.select()
        .where(AuditEntry.action == "company_changed")
        .order_by(AuditEntry.id.desc())
        .first()
    )
    assert before == 0 and entry is not None
    assert entry.actor.email == ADMIN
    assert "payee_iban" in entry.detail and "brand_color" in entry.detail
    assert "FI49" not in entry.detail and "50009420028730" not in entry.detail
    assert "logo" not in entry.detail.split(", ")
    # The audit log shows the entry to the administrator.
    log = admin.get("/staff/audit/").text
    assert "<strong>company_changed</strong>" in log and "payee_iban" in log
    assert "FI49" not in log
    # Sending the same details again changes nothing and writes nothing.
    assert _send(admin).status_code == 303
    assert AuditEntry.select().where(AuditEntry.action == "company_changed").count() == 1


@pytest.mark.parametrize("email", [CUSTOMER_SERVICE, MAINTENANCE, ASOY_STAFF, RESIDENT])
def test_no_one_but_an_administrator_opens_or_sends_the_page(app, email):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    assert client.get(URL).status_code == 403
    before = _profile().updated_at
    token = csrf_token(client, "/")
    assert client.post(URL, data={**KOTIKATU, "csrf_token": token}).status_code == 403
    assert _profile().updated_at == before
    if email != RESIDENT:
        assert "Company settings" not in client.get("/staff/").text


def test_a_visitor_is_sent_to_sign_in(app):
    response = app.test_client().get(URL)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_an_old_sign_in_needs_the_password_again(app):
    admin = _admin(app)
    age_sign_in(admin, 3600)
    page = admin.get(URL).text
    assert 'name="password"' in page and "you signed in a while ago" in page
    before = _profile().name_fi
    wrong = _send(admin, password="not-the-password")
    assert wrong.status_code == 422
    assert "The password was not right." in wrong.text
    # What was typed is still there to send again.
    assert 'value="Kotikatu Oy"' in wrong.text
    assert _profile().name_fi == before
    assert _send(admin, password=PASSWORD).status_code == 303
    assert _profile().name_fi == "Kotikatu Oy"
    # The password proved, the next change goes through without it.
    assert 'name="password"' not in admin.get(URL).text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"brand_color": "#7fb3e0"},
            # Numbers are written the Finnish way in every language of the portal.
            "White text on #7fb3e0 has a contrast of 2,2:1; choose a darker colour "
            "(at least 4,5:1).",
        ),
        # Just under the limit: the ratio shown is rounded down, never to the limit itself.
        ({"brand_color": "#777777"}, "White text on #777777 has a contrast of 4,4:1"),
        ({"brand_color": "blue"}, "Write the colour as #rrggbb"),
        ({"payee_iban": "FI49 5000 9420 0287 31"}, "That is not a valid IBAN."),
        ({"payee_bic": "NOTABIC"}, "That is not a valid BIC."),
        ({"appointment_hours": "mornings"}, "Write the hours like mon-fri 09:00-12:00"),
        ({"walk_in_hours": "fri 12:00-09:00"}, "Write the hours like mon-fri 09:00-12:00"),
        ({"privacy_url": "http://kotikatu.example/tietosuoja"}, "starting with https://"),
        ({"privacy_url": "javascript:alert(1)"}, "starting with https://"),
        ({"mail_sender_address": "portaali"}, "Enter an email address in the form"),
        ({"maintenance_caller": "call us"}, "Write the beginning of the number with digits"),
        ({"name_sv": ""}, "This is needed."),
        ({"short_name_en": "K" * 41}, "Field cannot be longer than 40 characters."),
        ({"service_point_address": " "}, "This is needed."),
        ({"payee_name": ""}, "This is needed."),
    ],
)
def test_wrong_details_are_refused_with_a_message_and_nothing_is_saved(app, changes, message):
    admin = _admin(app)
    before = _profile()
    response = _send(admin, **changes)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert 'id="form-errors"' in response.text
    # The other answers are kept as typed.
    assert 'value="Kotikatu Ltd"' in response.text
    after = _profile()
    assert after.name_en == before.name_en and after.updated_at == before.updated_at
    assert not AuditEntry.select().where(AuditEntry.action == "company_changed").exists()


def test_a_dark_enough_colour_just_over_the_limit_is_taken(app):
    admin = _admin(app)
    assert _send(admin, brand_color="767676").status_code == 303
    assert _profile().brand_color == "#767676"


# Each a file that must never reach a page as it is: cleaned (the danger left out) or refused.
HOSTILE_SVGS = {
    "script": SVG_HEAD + HOUSE + b"<script>alert(document.cookie)</script></svg>",
    "onload": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + HOUSE + b"</svg>",
    "event_on_shape": SVG_HEAD + b'<rect width="9" height="9" onclick="alert(1)"/></svg>',
    "external_href": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<a xlink:href="https://evil.example/"><rect width="9" height="9"/></a>'
        b'<image href="https://evil.example/track.png" width="9" height="9"/>'
        b'<rect xlink:href="https://evil.example/x" width="2" height="2"/></svg>'
    ),
    "external_url": (
        SVG_HEAD + b'<rect width="9" height="9" fill="url(https://evil.example/p#g)"/>'
        b'<rect width="9" height="9" fill="\\75 rl(https://evil.example/q)"/>'
        b'<rect width="9" height="9" style="fill:url(https://evil.example/s)"/></svg>'
    ),
    "style_element": SVG_HEAD + b"<style>@import url(https://evil.example/s.css);</style></svg>",
    "doctype_entity": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lollollol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><title>&lol2;</title></svg>'
    ),
    "external_entity": (
        b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><title>&xxe;</title></svg>'
    ),
    "foreign_object": (
        SVG_HEAD + b'<foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/'
        b'xhtml"><iframe src="https://evil.example/"></iframe></div></foreignObject></svg>'
    ),
    "animation_rewrites_a_link": (
        SVG_HEAD + b'<a href="#x"><set attributeName="href" to="javascript:alert(1)"/>'
        b'<rect width="9" height="9"/></a></svg>'
    ),
    "utf16_hides_a_doctype": (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY e "x">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><title>&e;</title></svg>'
    ).encode("utf-16"),
}
FORBIDDEN = [
    b"script",
    b"onload",
    b"onclick",
    b"evil.example",
    b"DOCTYPE",
    b"ENTITY",
    b"lollollol",
    b"foreignObject",
    b"iframe",
    b"style",
    b"javascript",
    b"<set",
    b"root:",
]


@pytest.mark.parametrize("name", HOSTILE_SVGS)
def test_a_hostile_svg_is_cleaned_or_refused_and_never_stored_as_it_is(app, name):
    admin = _admin(app)
    before = bytes(_profile().logo)
    response = _send(admin, logo=(HOSTILE_SVGS[name], f"{name}.svg"))
    stored = bytes(_profile().logo)
    if response.status_code == 303:
        assert stored != before and stored.startswith(b"<svg")
    else:
        assert response.status_code == 422
        assert "The SVG file" in response.text or "must be an SVG or a PNG" in response.text
        assert 'value="Kotikatu Oy"' in response.text
        assert stored == before
    for word in FORBIDDEN:
        assert word.lower() not in stored.lower(), word
    served = admin.get("/company/logo")
    assert served.data == stored
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]


def test_the_cleaned_svg_keeps_the_drawing_and_local_references():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'viewBox="0 0 32 32" onload="x()"><defs><linearGradient id="g"><stop offset="0" '
        b'stop-color="#fff"/></linearGradient></defs><script>x()</script>'
        b'<rect width="32" height="32" fill="url(#g)" transform="rotate(45 16 16)"/>'
        b'<g clip-path="url(#c)"><path d="M0 0h9v9z" xlink:href="#g"/></g>'
        b"<title>Kotikatu &amp; co</title></svg>"
    )
    cleaned, kind = logos.checked(svg)
    assert kind == "image/svg+xml"
    assert b'viewBox="0 0 32 32"' in cleaned and b'fill="url(#g)"' in cleaned
    assert b'clip-path="url(#c)"' in cleaned and b'transform="rotate(45 16 16)"' in cleaned
    assert b'href="#g"' in cleaned and b'stop-color="#fff"' in cleaned
    assert b"<title>Kotikatu &amp; co</title>" in cleaned
    assert b"onload" not in cleaned and b"script" not in cleaned


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect", logos.LogoRefused.UNREADABLE_SVG),
        (b"<svg><rect/></svg>", logos.LogoRefused.UNREADABLE_SVG),
        (b"GIF89a not a logo", logos.LogoRefused.NOT_AN_IMAGE),
        (b"", logos.LogoRefused.NOT_AN_IMAGE),
        (SVG_HEAD + b"<g>" * 200 + b"</g>" * 200 + b"</svg>", logos.LogoRefused.UNREADABLE_SVG),
        (SVG_HEAD + b" " * logos.MAX_BYTES + b"</svg>", logos.LogoRefused.TOO_LARGE),
        (_png(1025, 10), logos.LogoRefused.TOO_MANY_PIXELS),
        (_png()[:60], logos.LogoRefused.NOT_AN_IMAGE),
    ],
)
def test_files_that_cannot_be_a_logo_are_refused(data, reason):
    with pytest.raises(logos.LogoRefused) as refused:
        logos.checked(data)
    assert refused.value.reason == reason


def test_a_png_is_taken_drawn_again_without_its_text(app):
    admin = _admin(app)
    response = _send(admin, logo=(_png(text="secret note"), "logo.png"))
    assert response.status_code == 303
    profile = _profile()
    assert profile.logo_type == "image/png"
    stored = bytes(profile.logo)
    assert b"secret note" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.size == (48, 48)
    assert admin.get("/company/logo").headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        ((_png(2000, 40), "wide.png"), "The logo is larger than 1024 × 1024 pixels."),
        ((SVG_HEAD + b" " * logos.MAX_BYTES + b"</svg>", "big.svg"), "larger than 100 KB"),
        ((b"%PDF-1.7 not a logo", "logo.pdf"), "The logo must be an SVG or a PNG file."),
    ],
)
def test_a_refused_logo_keeps_the_other_answers_and_the_old_logo(app, logo, message):
    admin = _admin(app)
    before = _profile()
    response = _send(admin, logo=logo)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Kotikatu Oy"' in response.text
    after = _profile()
    assert bytes(after.logo) == bytes(before.logo) and after.name_fi == before.name_fi


def test_the_logo_can_be_removed(app):
    admin = _admin(app)
    assert _send(admin, drop_logo="y").status_code == 303
    profile = _profile()
    assert profile.logo is None and profile.logo_type == ""
    home = admin.get("/staff/").text
    assert '<img class="logo"' not in home
    assert admin.get("/company/logo").status_code == 404
    page = admin.get(URL).text
    assert "There is no logo yet" in page and 'name="drop_logo"' not in page
    entry = AuditEntry.select().where(AuditEntry.action == "company_changed").get()
    assert "logo" in entry.detail.split(", ")


def test_the_page_speaks_the_administrators_language(app):
    admin = _admin(app, language="fi")
    page = admin.get(URL)
    assert page.status_code == 200 and '<html lang="fi">' in page.text
    assert "Nimi suomeksi" in page.text

"""Every page of the portal so far: size budget, works without JavaScript, no inline code."""

import gzip
from html.parser import HTMLParser

import pytest

from tests.conftest import (
    ADMIN,
    ASOY_RESIDENT,
    CUSTOMER_SERVICE,
    FUTURE_RESIDENT,
    RESIDENT,
    sign_in,
    use_language,
)

HTML_BUDGET = 14 * 1024
PAGES = [
    (None, "/", 200),
    (None, "/login", 200),
    (RESIDENT, "/", 200),
    (ASOY_RESIDENT, "/", 200),
    (FUTURE_RESIDENT, "/", 200),
    (CUSTOMER_SERVICE, "/staff/", 200),
    (ADMIN, "/staff/", 200),
    (RESIDENT, "/staff/", 403),
    (None, "/no-such-page", 404),
]
CASES = [(who, path, status, lang) for who, path, status in PAGES for lang in ("fi", "sv", "en")]


class PageParser(HTMLParser):
    """Collect what the checks below look at."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self.h1 = 0
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "form" and not (attributes.get("action") and attributes.get("method")):
            self.problems.append("form without action and method")
        if tag == "script" and not attributes.get("src"):
            self.problems.append("inline script")
        if tag == "style" or "style" in attributes:
            self.problems.append("inline style")
        if any(name.startswith("on") for name in attributes):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "img" and "alt" not in attributes:
            self.problems.append("image without alt text")


def fetch(app, who, path, language):
    client = app.test_client()
    if who:
        sign_in(client, who)
        use_language(client, language)
    else:
        client.set_cookie("locale", language)
    return client.get(path, headers={"Accept-Encoding": "gzip"})


@pytest.mark.parametrize(("who", "path", "status", "language"), CASES)
def test_page(app, who, path, status, language):
    response = fetch(app, who, path, language)
    assert response.status_code == status
    assert response.headers.get("Content-Encoding") == "gzip"
    assert len(response.data) <= HTML_BUDGET, f"{len(response.data)} bytes compressed"
    parser = PageParser()
    parser.feed(gzip.decompress(response.data).decode())
    assert parser.lang == language
    assert parser.h1 == 1
    assert parser.problems == []
    assert "no-store" in response.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_htmx_partial_of_the_sign_in_form(client):
    response = client.get("/login", headers={"HX-Request": "true", "Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<form class="stack" id="signin"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_request_gets_the_whole_page(client):
    response = client.get("/login", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)

"""Fragments for htmx requests, and whole pages for boosted ones."""


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

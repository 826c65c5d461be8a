"""Static files: the vendored htmx stays the published file; caching by fingerprint."""

import gzip
import hashlib
import re

import brotli

from portal.assets import STATIC_DIR, shipped

HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_vendored_htmx_is_the_published_2_0_11_file():
    body = (STATIC_DIR / "vendor" / "htmx-2.0.11.min.js").read_bytes()
    assert hashlib.sha256(body).hexdigest() == HTMX_SHA256
    assert (STATIC_DIR / "vendor" / "htmx-2.0.11.LICENSE").exists()


def _linked(client, pattern):
    html = client.get("/").get_data(as_text=True)
    match = re.search(pattern, html)
    assert match, pattern
    return match.group(1)


def test_fingerprinted_files_are_cached_for_a_year(client):
    url = _linked(client, r'<link rel="stylesheet" href="(/static/css/portal\.[0-9a-f]{12}\.css)"')
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"--brand" in response.data


def test_one_script_carries_htmx_and_the_portal_script_compressed(client):
    url = _linked(client, r'<script src="(/static/js/bundle\.[0-9a-f]{12}\.js)" defer>')
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(response.data)
    htmx = (STATIC_DIR / "vendor" / "htmx-2.0.11.min.js").read_bytes()
    assert body.startswith(htmx)
    ours = shipped("js/portal.js", (STATIC_DIR / "js" / "portal.js").read_bytes())
    assert body.endswith(ours)
    assert b"// " not in ours and b"function" in ours
    # A browser that takes brotli gets the smaller copy of the same file.
    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.data) == body
    assert len(squeezed.data) < len(response.data)
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    assert "Content-Encoding" not in client.get(url).headers
    refused = client.get(url, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["Content-Encoding"] == "gzip"
    assert len(gzip.compress(ours)) <= 3 * 1024


def test_stale_fingerprint_gets_the_current_file_briefly_cached(client):
    response = client.get("/static/css/portal.000000000000.css")
    assert response.status_code == 404
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_static_paths_cannot_escape_the_folder(client):
    for path in (
        "/static/../config.py",
        "/static/%2e%2e/config.py",
        "/static/../../pyproject.toml",
    ):
        assert client.get(path).status_code == 404


def _same_page(html: bytes) -> bytes:
    """The page without its CSRF token: the token is signed with the second it was made
    in, so two requests a second apart differ there and nowhere else."""
    return re.sub(rb'(name="csrf_token"[^>]*value=")[^"]+"', rb'\1"', html)


def test_pages_are_compressed_as_the_browser_asks(client):
    plain = client.get("/").get_data()
    squeezed = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert _same_page(brotli.decompress(squeezed.data)) == _same_page(plain)
    packed = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert _same_page(gzip.decompress(packed.data)) == _same_page(plain)
    assert len(squeezed.data) < len(packed.data) < len(plain)
    assert "Tervetuloa Asukasportaaliin" in plain.decode()

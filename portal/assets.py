"""Fingerprinted static files, held in memory with a gzip copy.

A file is linked as ``/static/css/portal.<hash>.css``. Because the name changes whenever
the content does, browsers may keep it for a year without asking again; a request for an
old or unknown fingerprint gets the current file with a short cache lifetime instead.
"""

import functools
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, abort

from portal.security import preferred_encoding

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = (".css", ".js", ".svg", ".txt")
# Files served as one, so that a first visit needs one request for all of its JavaScript.
BUNDLES = {"js/bundle.js": ("vendor/htmx-2.0.11.min.js", "js/portal.js")}


@dataclass(frozen=True)
class Asset:
    name: str
    url_name: str
    body: bytes
    gzip_body: bytes | None
    brotli_body: bytes | None
    mimetype: str
    digest: str


def _fingerprinted(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


def _asset(name: str, body: bytes) -> Asset:
    digest = hashlib.sha256(body).hexdigest()[:12]
    packed = squeezed = None
    if name.endswith(COMPRESSIBLE):
        # Compressed once at start-up, at the strongest levels.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        squeezed = brotli.compress(body, quality=11)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Asset(name, _fingerprinted(name, digest), body, packed, squeezed, mimetype, digest)


@functools.cache
def load_assets(root: Path = STATIC_DIR) -> dict[str, Asset]:
    """Read every static file once per process and compute its fingerprint and compressed
    copies (a quarter of a second: the strongest brotli level is slow to write)."""
    assets = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        assets[name] = _asset(name, path.read_bytes())
    for name, parts in BUNDLES.items():
        bodies = (shipped(assets[part].name, assets[part].body) for part in parts)
        assets[name] = _asset(name, b"\n;\n".join(bodies))
    return assets


def shipped(name: str, body: bytes) -> bytes:
    """Return a bundled file as browsers get it: our own script without its comment lines,
    which explain the code to its readers and would be a fifth of every first visit."""
    if name.startswith("vendor/"):
        return body
    lines = body.split(b"\n")
    return b"\n".join(line for line in lines if not line.lstrip().startswith(b"//"))


def init_app(app: Flask) -> None:
    """Register the static view and the ``asset_url`` template helper."""
    assets = load_assets()
    by_url = {asset.url_name: asset for asset in assets.values()}
    app.extensions["portal_assets"] = assets

    def asset_url(name: str) -> str:
        return f"/static/{assets[name].url_name}"

    def serve_static(filename: str) -> Response:
        asset = by_url.get(filename)
        cache = IMMUTABLE
        if asset is None:
            asset = assets.get(filename) or abort(404)
            cache = "public, max-age=300"
        encoding = preferred_encoding() if asset.gzip_body is not None else None
        body = {"br": asset.brotli_body, "gzip": asset.gzip_body}.get(encoding, asset.body)
        response = Response(body, mimetype=asset.mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.headers["Cache-Control"] = cache
        response.headers["ETag"] = f'"{asset.digest}"'
        response.vary.add("Accept-Encoding")
        return response

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=serve_static)
    app.jinja_env.globals["asset_url"] = asset_url

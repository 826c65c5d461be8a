"""How the portal meets the network: which proxies it believes, whom a development server
answers, and the log line each request leaves.

Behind nginx every request arrives from 127.0.0.1. With ``PORTAL_TRUSTED_PROXIES`` set to
the number of proxies in front, werkzeug's ProxyFix takes the client's address and scheme
from that many hops of X-Forwarded-For and X-Forwarded-Proto, so rate limits, audit
entries and sessions see the real client, and https from the proxy makes links https.
Without it no forwarding header is believed: anyone can send one. Even then the headers
count only on connections from the proxies' own addresses (``PORTAL_PROXY_ADDRESSES``,
this computer by default): someone who reaches a gunicorn port directly cannot choose whose
limits their requests count against.
"""

import functools
import ipaddress
import json
import logging
import secrets
import sys
import time

import click
from flask import Flask, Response, abort, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import clock
from portal.config import ConfigError

REQUEST_LOG = "portal.requests"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@functools.lru_cache(maxsize=256)
def is_loopback(address: str | None) -> bool:
    """Tell whether an address (or host name given to a server) is this computer only."""
    if not address:
        return False
    if address.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def peer_address() -> str | None:
    """The address of whoever opened the connection: the proxy's when behind one, whatever
    the forwarding headers say."""
    original = request.environ.get("werkzeug.proxy_fix.orig")
    if original is not None:
        return original.get("REMOTE_ADDR")
    return request.environ.get("REMOTE_ADDR")


class TrustedProxies:
    """ProxyFix for connections from the proxies' addresses; other connections as they are."""

    def __init__(self, app, hops: int, addresses: list):
        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = addresses

    def _from_proxy(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self._from_proxy(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for name in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO"):
            environ.pop(name, None)
        return self.app(environ, start_response)


def proxy_networks(setting: str) -> list:
    """The networks of ``PORTAL_PROXY_ADDRESSES`` (addresses or networks, comma-separated)."""
    networks = []
    for part in setting.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    f"PORTAL_PROXY_ADDRESSES: {part.strip()!r} is not an address"
                ) from None
    return networks


def _development_serves_this_computer_only() -> Response | None:
    """A development portal (demo data, email shown on a page, a generated key) answers
    only this computer, whichever server runs it."""
    if not is_loopback(peer_address()):
        abort(403)
    return None


def _refuse_public_development_server(app: Flask) -> None:
    """`flask run --host 0.0.0.0` in development would publish the demo to the network."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return
    host = context.params.get("host")
    if host and not is_loopback(host):
        raise ConfigError(
            f"Development mode serves only this computer, not {host}: use 127.0.0.1, or "
            "set PORTAL_ENV=production with the settings docs/deploy.md lists."
        )


# Session cookies already checked, per signing key: most requests bring back the cookie
# the previous one set. When full, the store starts again.
CHECKED_COOKIES_KEPT = 10_000
_SCALARS = (str, int, float, bool, type(None))


class SecureOverHttps(SecureCookieSessionInterface):
    """The session cookie is Secure in production always, and anywhere the request came
    over https (as a trusted proxy reports it), so it never travels back over plain http.

    A cookie whose signature was checked once is not checked again while it is kept: its
    contents and the time it was signed are remembered under the whole cookie, signature
    and all, so only the very same bytes are taken on trust, and its age is still judged
    on every request. Checking cost about a twentieth of a small page."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, tuple] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app: Flask):
        return self._signing(app)[0]

    def _signing(self, app: Flask) -> tuple:
        """The serializer for the app's keys (made once per set of keys) and its checked
        cookies."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._serializers.get(keys)
        if kept is None:
            serializer = super().get_signing_serializer(app)
            # The signer tells the age of a signature as it reckons it (by the machine's
            # time, which the cookie's signing time is in).
            kept = (serializer, {}, serializer.make_signer())
            self._serializers = {keys: kept}
        return kept

    def open_session(self, app: Flask, request):
        if not app.secret_key:
            return None
        serializer, checked, signer = self._signing(app)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = checked.get(value)
        if known is not None:
            age = signer.get_timestamp() - known[0]
            if 0 <= age <= max_age:
                return self.session_class(known[1])
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        # Only contents of plain values are kept: a list in the session (flashed messages)
        # is changed in place by the request that reads it.
        if isinstance(data, dict) and all(isinstance(v, _SCALARS) for v in data.values()):
            if len(checked) >= CHECKED_COOKIES_KEPT:
                checked.clear()
            checked[value] = (int(signed_at.timestamp()), dict(data))
        return self.session_class(data)


class JsonLines(logging.Formatter):
    """The record's message is already one JSON object: write it as it is."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


def _request_logger() -> logging.Logger:
    logger = logging.getLogger(REQUEST_LOG)
    if not any(getattr(handler, "portal_json", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        handler.portal_json = True
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def _start_request() -> None:
    g.request_started = time.perf_counter()
    # nginx's own id when it sends one through a trusted proxy, so both logs can be joined.
    given = request.headers.get("X-Request-Id", "") if current_app.config["TRUSTED_PROXIES"] else ""
    if given and len(given) <= 64 and given.isalnum():
        g.request_id = given
    else:
        g.request_id = secrets.token_hex(8)


def log_line(response: Response) -> dict:
    """What one request leaves in the log: never the path as sent (a link's query can hold
    a token), never an email, token, IBAN or identity code: the route's template instead."""
    rule = request.url_rule.rule if request.url_rule is not None else None
    user = current_user if current_user and current_user.is_authenticated else None
    return {
        "time": clock.utcnow().isoformat(timespec="milliseconds") + "Z",
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": rule or "(no route)",
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.get("request_started", 0)) * 1000, 1),
        "user_id": user.id if user is not None else None,
    }


def _log_request(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code >= 400:
        current_app.extensions["request_log"].info(json.dumps(log_line(response)))
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        networks = proxy_networks(app.config["PROXY_ADDRESSES"])
        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies, networks)
    app.session_interface = SecureOverHttps()
    if app.config["ENV_NAME"] == "development":
        _refuse_public_development_server(app)
        app.before_request(_development_serves_this_computer_only)
    if app.config["LOG_FORMAT"] == "json":
        app.extensions["request_log"] = _request_logger()
        app.before_request(_start_request)
        app.after_request(_log_request)

"""Strong identification with online banking or Mobile ID, through an OpenID Connect provider.

Authlib is the client: authorization code flow with PKCE (S256), state and nonce kept in the
session; the ID token's signature, issuer, audience, expiry and nonce are checked. The
provider is configured by issuer URL, client id and secret; tests and the local demo use a
real provider process on loopback.
"""

from dataclasses import dataclass

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError

from portal.services.identity import IdentityCodeError, identity_hash


class BankIdError(Exception):
    """The identification did not succeed: cancelled, refused, or a response we cannot trust."""


@dataclass(frozen=True)
class Identity:
    identity_hash: str
    first_name: str
    last_name: str


def is_configured() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER_URL"))


def _client():
    return current_app.extensions["bank_id"].bank


def start(redirect_uri: str):
    """Send the person to the identification provider."""
    return _client().authorize_redirect(redirect_uri)


def finish() -> Identity:
    """Complete the identification on return from the provider; raise BankIdError if it failed."""
    try:
        token = _client().authorize_access_token(leeway=30)
    except (OAuthError, JoseError, requests.RequestException, KeyError, ValueError) as error:
        # The reason goes to the log for staff; the person sees one calm message.
        current_app.logger.warning("Bank identification failed: %s", type(error).__name__)
        raise BankIdError(str(type(error).__name__)) from error
    claims = token.get("userinfo") or {}
    code = claims.get(current_app.config["OIDC_IDENTITY_CLAIM"])
    if not isinstance(code, str) or not code.strip():
        current_app.logger.warning("Bank identification gave no identity code")
        raise BankIdError("no identity code")
    try:
        hashed = identity_hash(code, current_app.config["IDENTITY_KEY"])
    except IdentityCodeError as error:
        current_app.logger.warning("Bank identification gave a malformed identity code")
        raise BankIdError("malformed identity code") from error
    return Identity(
        identity_hash=hashed,
        first_name=str(claims.get("given_name") or ""),
        last_name=str(claims.get("family_name") or ""),
    )


def init_app(app: Flask) -> None:
    """Register the provider's client on an OAuth registry of this app's own."""
    issuer = app.config.get("OIDC_ISSUER_URL", "").rstrip("/")
    registry = OAuth(app)
    app.extensions["bank_id"] = registry
    if issuer:
        registry.register(
            "bank",
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
        )

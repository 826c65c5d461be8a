"""Personal identity codes are never stored: only a keyed hash that matches a person to the
register."""

import hashlib
import hmac

from stdnum.fi import hetu


class IdentityCodeError(ValueError):
    """The identity code is not a Finnish personal identity code."""


def identity_hash(code: str, key: str) -> str:
    """Return the keyed hash of a Finnish personal identity code; raise if it is malformed."""
    try:
        # Temporary codes (individual numbers 900-999) are valid identities too.
        normalised = hetu.validate(code, allow_temporary=True)
    except hetu.ValidationError as error:
        raise IdentityCodeError("not a personal identity code") from error
    return hmac.new(key.encode(), normalised.encode(), hashlib.sha256).hexdigest()

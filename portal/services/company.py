"""The housing company running the portal: its names, logo, colour, email sender, customer
service point and payee, kept as one row of data so that any company can run the portal.

Every page needs the row, so a process keeps it for half a minute rather than reading it
for each page (one query less on every page); a change made on this server shows at once,
on the others within that half minute. The colour is a few bytes of style inside each page
(allowed by its hash in the Content Security Policy) and a small logo is inside it too, so a
first visit on a slow phone costs no extra downloads; a larger logo is served under an
address that changes with the row, so browsers keep it for a year."""

import base64
import datetime
import functools
import hashlib
from dataclasses import dataclass

from flask import g, has_app_context
from flask.globals import _cv_app

from portal import database
from portal.models import CompanyProfile, Person, db, utcnow
from portal.services import audit

DEFAULT_COLOR = "#004f8c"
# WCAG 2.x AA for normal text: white text on the brand colour must reach this.
MIN_CONTRAST = 4.5
# What the profile holds besides the logo, in the order the settings page shows them.
FIELDS = (
    "name_fi",
    "name_sv",
    "name_en",
    "short_name_fi",
    "short_name_sv",
    "short_name_en",
    "brand_color",
    "privacy_url",
    "mail_sender_name",
    "mail_sender_address",
    "service_point_address",
    "appointment_hours",
    "walk_in_hours",
    "service_point_directions_fi",
    "service_point_directions_sv",
    "service_point_directions_en",
    "key_service_fi",
    "key_service_sv",
    "key_service_en",
    "maintenance_caller",
    "payee_name",
    "payee_iban",
    "payee_bic",
)


KEEP_SECONDS = 30
_kept = database.Kept(KEEP_SECONDS)


def _stored() -> CompanyProfile | None:
    return CompanyProfile.select().order_by(CompanyProfile.id).first()


def current() -> CompanyProfile | None:
    """The company's profile (None before ``init-company``): the same row for the whole of
    a request, read again at most every ``KEEP_SECONDS``."""
    app_context = _cv_app.get(None)
    state = app_context.g if app_context is not None else None
    if state is not None and "company" in state:
        return state.company
    found = _kept.get(_stored)
    if state is not None:
        state.company = found
    return found


def forget() -> None:
    """Read the profile again on its next use (after it was saved here)."""
    _kept.forget()
    if has_app_context():
        g.pop("company", None)


def version(profile: CompanyProfile | None) -> str:
    """A short mark that changes whenever the profile does: the logo's address."""
    if profile is None:
        return "0"
    stamp = f"{profile.id}:{profile.updated_at.isoformat()}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:10]


def parse_color(text: str) -> tuple[int, int, int] | None:
    """Read "#rrggbb" (or "#rgb") into its three channels; None when it is not a colour."""
    value = (text or "").strip().lower().removeprefix("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6 or any(ch not in "0123456789abcdef" for ch in value):
        return None
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g_, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g_ + 0.0722 * b


def contrast_with_white(rgb: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of white text on this colour (1 to 21)."""
    return 1.05 / (_luminance(rgb) + 0.05)


def normal_color(text: str) -> str:
    """The colour as "#rrggbb" in lower case (it must parse)."""
    r, g_, b = parse_color(text)
    return f"#{r:02x}{g_:02x}{b:02x}"


def darker(color: str, factor: float = 0.75) -> str:
    """A darker shade of the colour, for links under the pointer and pressed buttons."""
    r, g_, b = parse_color(color) or parse_color(DEFAULT_COLOR)
    return f"#{int(r * factor):02x}{int(g_ * factor):02x}{int(b * factor):02x}"


def theme_css(profile: CompanyProfile | None) -> str:
    """The style sheet that gives the pages the company's colour."""
    return _theme_of(profile.brand_color if profile else DEFAULT_COLOR)


# Every page carries the theme and names its hash in its policy: each is made once per colour.
@functools.lru_cache(maxsize=16)
def _theme_of(color: str) -> str:
    color = normal_color(color if parse_color(color) else DEFAULT_COLOR)
    return f":root{{--brand:{color};--brand-dark:{darker(color)}}}\n"


@functools.lru_cache(maxsize=16)
def _digest_of(css: str) -> str:
    digest = hashlib.sha256(css.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def maintenance_caller() -> str:
    """The number maintenance calls residents from, as the defect pages and emails say."""
    profile = current()
    return profile.maintenance_caller if profile else ""


def key_service() -> str:
    """Where residents return and collect keys, in the language of this request (until the
    company has written it: ask customer service)."""
    from portal.i18n import current_language
    from portal.i18n import gettext as _

    profile = current()
    written = profile.key_service(current_language()).strip() if profile else ""
    return written or _("ask our customer service.")


def theme_digest(profile: CompanyProfile | None) -> str:
    """The CSP hash ("sha256-…") of the style ``theme_css`` gives, which pages carry inline."""
    return _digest_of(theme_css(profile))


# A logo up to this size travels inside the page as a data: address (Heka's is 250 bytes);
# a larger one is a download of its own, kept by the browser.
INLINE_LOGO_BYTES = 4096


def inline_logo(profile: CompanyProfile | None) -> str | None:
    """The logo as a data: address when it is small enough to send inside every page."""
    if profile is None or not profile.logo or len(profile.logo) > INLINE_LOGO_BYTES:
        return None
    return _data_address(bytes(profile.logo), profile.logo_type)


@functools.lru_cache(maxsize=4)
def _data_address(logo: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(logo).decode()}"


@dataclass(frozen=True)
class Payee:
    name: str
    iban: str
    bic: str


def payee() -> Payee:
    """Whom the residents pay their rent to."""
    profile = current()
    if profile is None:
        return Payee("", "", "")
    return Payee(profile.payee_name, profile.payee_iban, profile.payee_bic)


def save(values: dict, logo: tuple[bytes, str] | None = None, drop_logo: bool = False):
    """Create or change the profile from ``values`` (keys of ``FIELDS``); ``logo`` is a
    checked image and its type. Returns the saved profile."""
    profile = _stored() or CompanyProfile()
    for key in FIELDS:
        if key in values:
            setattr(profile, key, values[key])
    if logo is not None:
        profile.logo, profile.logo_type = logo
    elif drop_logo:
        profile.logo, profile.logo_type = None, ""
    # Saved twice within a clock tick, the address of the theme must still change.
    now = utcnow()
    if profile.updated_at and now <= profile.updated_at:
        now = profile.updated_at + datetime.timedelta(microseconds=1)
    profile.updated_at = now
    profile.save()
    forget()
    return profile


def change(
    values: dict,
    person: Person,
    logo: tuple[bytes, str] | None = None,
    drop_logo: bool = False,
) -> list[str]:
    """Save an administrator's changes to the profile and write the names of the fields
    that changed (never their values: the payee's account is one) to the audit log.
    Returns those names; nothing is written when nothing changed."""
    # The row as stored now, not as this process last kept it.
    profile = _stored()
    changed = [
        key
        for key in FIELDS
        if key in values and (profile is None or getattr(profile, key) != values[key])
    ]
    old_logo = bytes(profile.logo or b"") if profile else b""
    new_logo = logo[0] if logo is not None else b"" if drop_logo else old_logo
    if new_logo != old_logo:
        changed.append("logo")
    if not changed:
        return changed
    with db.atomic():
        save(values, logo=logo, drop_logo=drop_logo and logo is None)
        audit.record("company_changed", actor=person, detail=", ".join(changed))
    return changed

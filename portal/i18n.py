"""Language choice and locale-aware formatting of dates, times, numbers and money."""

import datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.dates import get_day_names
from flask import Flask, current_app, g, request
from flask_babel import get_domain, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user

from portal.config import DEFAULT_LANGUAGE, LANGUAGES
from portal.extensions import babel

HELSINKI_ZONE = ZoneInfo("Europe/Helsinki")
LOCALE_COOKIE = "locale"
LOCALE_COOKIE_SECONDS = 365 * 24 * 3600
# Formats follow Finnish conventions in every language (24-hour clock, 1 234,50 €).
BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}
LANGUAGE_NAMES = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}


def current_language() -> str:
    """Return the language of this request: the profile's, the cookie's or the browser's."""
    if "language" in g:
        return g.language
    language = None
    if current_user and current_user.is_authenticated:
        language = current_user.language
    if language not in LANGUAGES:
        language = request.cookies.get(LOCALE_COOKIE)
    if language not in LANGUAGES:
        language = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    g.language = language
    return language


def remember_language(response, language: str):
    """Keep the chosen language in a cookie for a year (also for visitors who never sign in)."""
    response.set_cookie(
        LOCALE_COOKIE,
        language,
        max_age=LOCALE_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def select_locale() -> str:
    return BABEL_LOCALES[current_language()]


_CATALOGS: dict = {}


def translations():
    """The catalog of the current locale (a forced one too), loaded once per process."""
    locale = get_locale()
    catalog = _CATALOGS.get(locale)
    if catalog is None:
        catalog = _CATALOGS[locale] = get_domain().get_translations()
    return catalog


def gettext(string: str, **variables) -> str:
    """Translate into the request's language (flask-babel's gettext, with the catalog found
    once per locale: a page of a hundred labels calls this hundreds of times)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """A text translated when it is shown, in the language of that moment."""
    return LazyString(gettext, string, **variables)


# The template filters call Babel directly with the request's locale: flask-babel's own
# wrappers look up the locale, time zone and format settings again for every value, which
# costs more than the formatting on pages that list many dates and sums.
def _helsinki(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)  # stored times are UTC
    return value.astimezone(HELSINKI_ZONE)


def template_date(value, fmt: str = "long") -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = _helsinki(value).date()
    return babel_dates.format_date(value, fmt, locale=get_locale())


_DATETIME_PATTERNS: dict = {}


def _datetime_patterns(locale, fmt: str):
    key = (locale, fmt)
    if key not in _DATETIME_PATTERNS:
        _DATETIME_PATTERNS[key] = (
            babel_dates.get_datetime_format(fmt, locale=locale).replace("'", ""),
            babel_dates.get_date_format(fmt, locale=locale),
            babel_dates.get_time_format(fmt, locale=locale),
        )
    return _DATETIME_PATTERNS[key]


def template_datetime(value, fmt: str = "medium") -> str:
    """Babel's format_datetime for a named format, with the locale's patterns looked up
    once: lists show a date and time on every line."""
    if not value:
        return ""
    locale = get_locale()
    moment = _helsinki(value)
    if fmt not in ("full", "long", "medium", "short"):
        return babel_dates.format_datetime(moment, fmt, locale=locale)
    combined, date_pattern, time_pattern = _datetime_patterns(locale, fmt)
    return combined.replace("{0}", time_pattern.apply(moment, locale)).replace(
        "{1}", date_pattern.apply(moment, locale)
    )


class WeekdayNames:
    """Day names in the current language, Monday first: ``weekdays[0]`` is "maanantai"."""

    def __getitem__(self, index: int) -> str:
        return get_day_names("wide", locale=get_locale())[index]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and give templates the formatting helpers."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        weekdays=WeekdayNames(),
    )
    app.jinja_env.filters.update(
        date=template_date,
        datetime=template_datetime,
        money=lambda value: babel_numbers.format_currency(value, "EUR", locale=get_locale()),
        decimal=lambda value: babel_numbers.format_decimal(value, locale=get_locale()),
        # A Helsinki wall-clock time stored without a zone (a service point slot).
        clock=lambda value: babel_dates.format_time(
            value.replace(tzinfo=HELSINKI_ZONE), "short", locale=get_locale()
        ),
    )
    # Templates translate through the catalog of the request's locale, found once per
    # locale rather than through flask-babel's lookups on every string.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

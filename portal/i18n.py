"""Language choice and locale-aware formatting of dates, times, numbers and money."""

from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask import Flask, g, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
)
from flask_login import current_user

from portal.config import DEFAULT_LANGUAGE, LANGUAGES
from portal.extensions import babel

HELSINKI_ZONE = ZoneInfo("Europe/Helsinki")
LOCALE_COOKIE = "locale"
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


def select_locale() -> str:
    return BABEL_LOCALES[current_language()]


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
        date=lambda value, fmt="long": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        money=lambda value: format_currency(value, "EUR"),
        decimal=format_decimal,
        # A Helsinki wall-clock time stored without a zone (a service point slot).
        clock=lambda value: format_time(value.replace(tzinfo=HELSINKI_ZONE), "short"),
    )

"""Language choice and locale-aware formatting of dates, times, numbers and money."""

import datetime
import functools
from collections.abc import Callable, Mapping
from typing import TypeVar
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.dates import get_day_names
from flask import Flask, current_app, request
from flask.globals import _cv_app
from flask_babel import get_domain, get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

from portal import context, csrf_tokens
from portal.config import DEFAULT_LANGUAGE, LANGUAGES
from portal.extensions import babel

HELSINKI_ZONE = ZoneInfo("Europe/Helsinki")
LOCALE_COOKIE = "locale"
LOCALE_COOKIE_SECONDS = 365 * 24 * 3600
# Formats follow Finnish conventions in every language (24-hour clock, 1 234,50 €).
BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}
T = TypeVar("T")
# Values kept by each per_language function; when full it starts again.
PER_LANGUAGE_KEPT = 64
LANGUAGE_NAMES = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}

# Dates and times as Finnish public services write them: 14.12.2026 klo 18.00 in Finnish and
# 14.12.2026 kl. 18.00 in Swedish (Finland's usage, not Sweden's 2026-12-14 18:00). Every
# time is Helsinki's, so a time never shows its zone, and nobody books a sauna to the second.
TIME_PATTERN = "H.mm"
DATE_PATTERNS = {"sv": {"short": "d.M.y", "medium": "d.M.y"}}
# The word before a time of day; English joins a date and a time with a comma instead.
TIME_WORDS = {"fi": "klo", "sv": "kl."}


def current_language() -> str:
    """Return the language of this request: the profile's, the cookie's or the browser's."""
    state = context.request_globals()
    if "language" in state:
        return state.language
    language = None
    me = context.person()
    if me and me.is_authenticated:
        language = me.language
    if language not in LANGUAGES:
        language = request.cookies.get(LOCALE_COOKIE)
    if language not in LANGUAGES:
        language = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    state.language = language
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


# Parsed once: flask-babel parses the locale the selector names on every request.
_LOCALES = {code: Locale.parse(name) for code, name in BABEL_LOCALES.items()}


def select_locale() -> Locale:
    return _LOCALES[current_language()]


_CATALOGS: dict = {}


def current_locale():
    """flask-babel's get_locale, quicker once known: flask-babel keeps the locale chosen (or
    forced, for an email) in ``g``, and reading it there costs a fraction of its lookup,
    which a list's dates and labels would otherwise make dozens of times."""
    app_context = _cv_app.get(None)
    if app_context is not None:
        kept = app_context.g.__dict__.get("_flask_babel")
        locale = getattr(kept, "babel_locale", None)
        if locale is not None:
            return locale
    return get_locale()


def translations():
    """The catalog of the current locale (a forced one too), loaded once per process."""
    locale = current_locale()
    catalog = _CATALOGS.get(locale)
    if catalog is None:
        catalog = _CATALOGS[locale] = get_domain().get_translations()
    return catalog


def per_language(make: Callable[..., T]) -> Callable[..., T]:
    """Decorate a function whose value depends only on the language and its arguments
    (labels translated for a list): it runs once per language and arguments in a process.
    Its callers must not change the value."""
    kept: dict = {}

    @functools.wraps(make)
    def in_language(*args) -> T:
        key = (translations(), *args)
        value = kept.get(key)
        if value is None:
            if len(kept) >= PER_LANGUAGE_KEPT:
                kept.clear()
            value = kept[key] = make(*args)
        return value

    return in_language


def gettext(string: str, **variables) -> str:
    """Translate into the request's language (flask-babel's gettext, with the catalog found
    once per locale: a page of a hundred labels calls this hundreds of times)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """A text translated when it is shown, in the language of that moment."""
    return LazyString(gettext, string, **variables)


def _language() -> str:
    language = current_locale().language
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def date_pattern(language: str, fmt: str) -> str:
    """The date pattern of a named format ("short"…"full") in a language."""
    if fmt in DATE_PATTERNS.get(language, {}):
        return DATE_PATTERNS[language][fmt]
    return babel_dates.get_date_format(fmt, locale=BABEL_LOCALES[language]).pattern


@functools.cache
def datetime_pattern(language: str, fmt: str) -> str:
    """A date of a named format and its time of day: "14.12.2026 klo 18.00"."""
    word = TIME_WORDS.get(language)
    joint = f" '{word}' " if word else ", "
    return date_pattern(language, fmt) + joint + TIME_PATTERN


class DateFormats(Mapping):
    """Flask-Babel's format table, answering in the current language, so that its
    format_date and format_datetime (used in flashed messages) write dates and times as the
    template filters do."""

    DEFAULTS = {"date": "medium", "time": "short", "datetime": "short"}

    def __getitem__(self, key: str) -> str:
        if key in self.DEFAULTS:
            return self.DEFAULTS[key]
        kind, _, fmt = key.partition(".")
        if kind == "time":
            return TIME_PATTERN
        pattern = datetime_pattern if kind == "datetime" else date_pattern
        return pattern(_language(), fmt)

    def __iter__(self):
        return iter(self.DEFAULTS)

    def __len__(self) -> int:
        return len(self.DEFAULTS)


# The template filters call Babel directly with the request's locale: flask-babel's own
# wrappers look up the locale, time zone and format settings again for every value, which
# costs more than the formatting on pages that list many dates and sums.
def _helsinki(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)  # stored times are UTC
    return value.astimezone(HELSINKI_ZONE)


NAMED_FORMATS = ("full", "long", "medium", "short")


# A page lists the same few dates and sums many times over (due dates, monthly rents), and
# Babel takes longer to write one than the page takes to find it: each text is written once
# per language and kept. The values are immutable (dates, moments, times, Decimals).
TEXTS_KEPT = 4096


def template_date(value, fmt: str = "long") -> str:
    """A date in a named format ("long": 14. joulukuuta 2026) or a pattern ("LLLL y")."""
    if not value:
        return ""
    return _date_text(value, fmt, _language())


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _date_text(value, fmt: str, language: str) -> str:
    if isinstance(value, datetime.datetime):
        value = _helsinki(value).date()
    pattern = date_pattern(language, fmt) if fmt in NAMED_FORMATS else fmt
    return babel_dates.parse_pattern(pattern).apply(value, BABEL_LOCALES[language])


def template_datetime(value, fmt: str = "medium") -> str:
    """A stored (UTC) moment as a Helsinki date and time: "14.12.2026 klo 18.00"."""
    if not value:
        return ""
    return _datetime_text(value, fmt, _language())


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _datetime_text(value, fmt: str, language: str) -> str:
    pattern = datetime_pattern(language, fmt) if fmt in NAMED_FORMATS else fmt
    return babel_dates.parse_pattern(pattern).apply(_helsinki(value), BABEL_LOCALES[language])


def template_clock(value) -> str:
    """A Helsinki time of day (a slot's naive start, or a sauna turn's "18:00"): "18.00"."""
    return _clock_text(value, _language())


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _clock_text(value, language: str) -> str:
    if isinstance(value, str):
        value = datetime.time.fromisoformat(value)
    return babel_dates.parse_pattern(TIME_PATTERN).apply(value, BABEL_LOCALES[language])


def template_at_clock(value) -> str:
    """A time of day after a day's name, with the language's word: "klo 18.00"."""
    language = _language()
    word = TIME_WORDS.get(language)
    text = _clock_text(value, language)
    return f"{word} {text}" if word else text


def template_money(value) -> str:
    """A sum in euros: "1 043,60 €"."""
    return _money_text(value, _language())


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _money_text(value, language: str) -> str:
    return babel_numbers.format_currency(value, "EUR", locale=BABEL_LOCALES[language])


def template_decimal(value) -> str:
    """A number as the language writes it: "57,5" in Finnish and Swedish."""
    return _decimal_text(value, _language())


@functools.lru_cache(maxsize=TEXTS_KEPT)
def _decimal_text(value, language: str) -> str:
    return babel_numbers.format_decimal(value, locale=BABEL_LOCALES[language])


class WeekdayNames:
    """Day names in the current language, Monday first: ``weekdays[0]`` is "maanantai"."""

    def __getitem__(self, index: int) -> str:
        return _day_names(_language())[index]


@functools.cache
def _day_names(language: str) -> tuple[str, ...]:
    names = get_day_names("wide", locale=BABEL_LOCALES[language])
    return tuple(names[day] for day in range(7))


@functools.lru_cache(maxsize=8)
def _page_translations(catalog):
    """gettext and ngettext for one page, bound to its catalog: what Jinja's i18n extension
    does for each string, less finding the request's locale and catalog again each time
    (made once per catalog)."""
    ugettext, ungettext = catalog.ugettext, catalog.ungettext
    # As Jinja's own: the catalog's texts are ours and trusted as markup; the values put
    # into them are escaped by Markup's % operator.

    # Most texts of a page name no values: each is looked up and marked once per catalog.
    plain: dict[str, Markup] = {}

    # They need the evaluation context only (whether the template escapes), not the whole
    # context: Jinja hands a function that takes the whole context a copy of it, made anew
    # for each call inside a loop or after a {% set %} (a fifth of a start page's rendering).
    @pass_eval_context
    def page_gettext(__eval_ctx, __string, **variables):
        if not variables and __eval_ctx.autoescape:
            text = plain.get(__string)
            if text is None:
                text = plain[__string] = Markup(ugettext(__string)) % {}  # noqa: S704  # nosec B704
            return text
        text = ugettext(__string)
        if __eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  # nosec B704
        return text % variables

    @pass_eval_context
    def page_ngettext(__eval_ctx, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        text = ungettext(__singular, __plural, __num)
        if __eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  # nosec B704
        return text % variables

    return page_gettext, page_ngettext


def _translation_context() -> dict:
    """Give each rendered page the translating functions of its language, found once: a
    page shows a hundred texts, and the global ones look the locale up for each of them.
    The page's CSRF token is signed at most once (portal.csrf_tokens)."""
    page_gettext, page_ngettext = _page_translations(translations())
    return {
        "_": page_gettext,
        "gettext": page_gettext,
        "ngettext": page_ngettext,
        "csrf_token": csrf_tokens.page_token,
    }


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and give templates the formatting helpers."""
    babel.date_formats = DateFormats()
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
        money=template_money,
        decimal=template_decimal,
        # A Helsinki wall-clock time stored without a zone (a slot, a sauna turn).
        clock=template_clock,
        at_clock=template_at_clock,
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
    app.context_processor(_translation_context)

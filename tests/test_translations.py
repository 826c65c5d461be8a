"""Every string the code uses has a real Finnish and Swedish translation."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

# The catalogs are the same whatever the database.
pytestmark = pytest.mark.same_on_any_database

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [
    ("portal/**.py", "python"),
    ("portal/templates/**.html", "jinja2"),
    ("portal/templates/**.txt", "jinja2"),
]


def _catalog(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def _extracted_ids():
    ids = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_catalog_has_every_message_of_the_code(language):
    catalog = _catalog(language)
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog}
    missing = sorted(_extracted_ids() - known)
    assert not missing, f"run `make messages` and translate: {missing[:10]}"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    problems = []
    for message in _catalog(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_placeholders_survive_translation(language):
    import re

    pattern = re.compile(r"%\((\w+)\)s")
    for message in _catalog(language):
        if message.id and isinstance(message.id, str) and message.string:
            assert set(pattern.findall(message.id)) == set(pattern.findall(message.string)), (
                message.id
            )


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_compiled_catalog_is_current(language):
    mo_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "run `make translations`"
    with open(mo_path, "rb") as handle:
        compiled = read_mo(handle)
    source = _catalog(language)
    for message in source:
        if message.id and isinstance(message.id, str) and message.string:
            # Babel's .mo reader keeps a message context as bytes.
            context = message.context.encode() if message.context else None
            compiled_message = compiled.get(message.id, context=context)
            assert compiled_message.string == message.string, message.id

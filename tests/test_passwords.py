"""The password policy: length, character classes, common passwords and personal details."""

import pytest
from flask import Flask
from flask_babel import Babel

from portal.services.passwords import (
    RuleResult,
    _common_passwords,
    check_password,
    is_common,
    password_errors,
)

KEYS = ["length", "upper", "lower", "digit", "special", "common", "personal"]
AINO = ["Aino", "Virtanen", "aino.virtanen@example.fi"]


@pytest.fixture
def babel_app():
    """Yield inside a request of a bare app with Flask-Babel, so lazy messages render in English."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield app


def results(password, **kwargs):
    return {result.key: result.passed for result in check_password(password, **kwargs)}


def failed(password, **kwargs):
    return {key for key, passed in results(password, **kwargs).items() if not passed}


def test_every_rule_is_reported_in_order():
    checked = check_password("x")
    assert [result.key for result in checked] == KEYS
    assert all(isinstance(result, RuleResult) for result in checked)


def test_the_housing_companys_example_passes_every_rule():
    assert failed("Kotiportaali-2026") == set()
    assert password_errors("Kotiportaali-2026") == []


@pytest.mark.parametrize(
    ("key", "good", "bad"),
    [
        ("length", "Tuuli-Puu-7", "Tuuli-Pu7"),
        ("upper", "Tuuli-Kulkee-7", "tuuli-kulkee-7"),
        ("lower", "Tuuli-Kulkee-7", "TUULI-KULKEE-7"),
        ("digit", "Tuuli-Kulkee-7", "Tuuli-Kulkee-x"),
        ("special", "Tuuli-Kulkee-7", "TuuliKulkee7"),
        ("common", "Tuuli-Kulkee-7", "Password123!"),
        ("personal", "Tuuli-Kulkee-7", "Aino-Kulkee-7"),
    ],
)
def test_each_rule_passes_and_fails_on_its_own(key, good, bad):
    assert failed(good, personal=AINO) == set()
    assert failed(bad, personal=AINO) == {key}


def test_a_space_is_allowed_but_is_not_a_special_character():
    assert results("Tuuli Kulkee 7")["special"] is False
    assert failed("Tuuli Kulkee 7!") == set()


@pytest.mark.parametrize(
    ("password", "key"),
    [("ÄÖÅ-kulkee-7", "upper"), ("TUULI-äöå-7", "lower"), ("Tuuli-Kulkee-٧", "digit")],
)
def test_non_ascii_letters_and_digits_count(password, key):
    assert results(password)[key] is True


def test_only_non_ascii_letters_make_both_cases():
    assert failed("Äänekoski-öisin-7") == set()
    assert results("äänekoski-öisin-7")["upper"] is False


def test_the_common_list_is_shipped_and_lower_cased():
    words = _common_passwords()
    assert len(words) > 19_000
    assert {"password", "qwerty", "123456"} <= words
    assert all(word == word.lower() for word in words)


@pytest.mark.parametrize(
    "password",
    ["Password123!", "Salasana2024!", "Qwerty12345!", "!Qwerty2024", "PASSWORD", "Kesä-2025!"],
)
def test_common_passwords_and_their_decorated_forms_are_refused(password):
    assert is_common(password)
    assert "common" in failed(password)


@pytest.mark.parametrize(
    "password", ["Tuuli-Kulkee-Puiden-7", "Kotiportaali-2026", "Salasana-On-Pitkä-7", "1-2-3!"]
)
def test_passphrases_with_a_common_word_inside_are_not_common(password):
    assert not is_common(password)


@pytest.mark.parametrize(
    "password",
    [
        "Aino-Virtanen-2026",
        "Kulkee-virtanen-7",
        "Tuuli-AINO.VIRTANEN@example.fi",
        "Tuuli-Aino.Virtanen-7",
    ],
)
def test_names_and_email_address_are_refused(password):
    assert results(password, personal=AINO)["personal"] is False


def test_email_local_part_pieces_count_without_the_names():
    assert results("Kulkee-Virtanen-7", personal=["aino.virtanen@example.fi"])["personal"] is False
    assert results("Kulkee-Puiden-7", personal=["aino.virtanen@example.fi"])["personal"] is True


def test_short_names_and_empty_values_are_ignored():
    personal = ["Li", "Ek", "", None, "li.ek@example.fi"]
    assert results("Tuuli-Likek-7", personal=personal)["personal"] is True


def test_personal_details_are_not_checked_when_none_are_given():
    assert results("Aino-Virtanen-2026")["personal"] is True


def test_min_length_is_a_parameter():
    assert results("Tuuli-Puu-77", min_length=12)["length"] is True
    assert results("Tuuli-Puu-7", min_length=12)["length"] is False
    assert results("Tuuli-Puu-7")["length"] is True


def test_messages_render_in_english(babel_app):
    messages = {result.key: str(result.message) for result in check_password("x", min_length=12)}
    assert messages["length"] == "At least 12 characters"
    assert messages["special"] == "A special character, such as ! ? - or #"


def test_password_errors_returns_only_the_failed_messages(babel_app):
    assert password_errors("tuuli-kulkee-puiden", personal=AINO) == [
        "An upper-case letter",
        "A number",
    ]
    assert password_errors("Aino-Virtanen-2026", personal=AINO) == [
        "Does not contain your name or email address"
    ]
    assert password_errors("Password123!", min_length=12) == [
        "Not a common or easily guessed password"
    ]
    assert all(isinstance(message, str) for message in password_errors("x"))

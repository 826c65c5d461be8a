"""The password policy: which rules a new password meets, and why it is refused."""

import functools
import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from portal.i18n import lazy_gettext as _l

# Local words that people build passwords from but the English-heavy shipped list lacks.
# "kotiportaali" is left out on purpose: the published demo password is "Kotiportaali-2026".
# The company's own names are just as guessable; the callers pass them in (``guessable``).
LOCAL_WORDS = frozenset(
    {
        "salasana", "salasanani", "lösenord", "losenord", "kesä", "kesa", "talvi", "syksy",
        "kevät", "kevat", "helsinki", "asukas", "asukasportaali", "vuokra", "suomi",
        "finland", "perkele", "qwerty", "qwertyuiop", "asdfgh", "kissa", "koira", "sauna",
        "hemma", "sommar", "vinter",
    }
)  # fmt: skip
# Digits, punctuation and spaces around a word: what people add to meet complexity rules.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_EMAIL_SEPARATORS = re.compile(r"[._+-]")
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
# Shorter name parts ("Li", "Ek") would match too many innocent passwords.
_MIN_PERSONAL = 3


@dataclass(frozen=True)
class RuleResult:
    """One rule of the policy, its text for the form, and whether a password meets it."""

    key: str  # "length", "upper", "lower", "digit", "special", "common" or "personal"
    message: str
    passed: bool


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased, read on first use."""
    data = resources.files("portal").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines())


def is_common(password: str, guessable: Iterable[str] = ()) -> bool:
    """Tell whether a password, or the word left once its decorations are stripped, is common
    or one of the ``guessable`` words (such as the company's name)."""
    lowered = password.lower()
    candidates = {lowered, _DECORATION.sub("", lowered)} - {""}
    extra = {word.strip().lower() for word in guessable} - {""}
    # Only whole matches count, so a passphrase is not refused for a common word inside it.
    return any(c in LOCAL_WORDS or c in extra or c in _common_passwords() for c in candidates)


def _personal_terms(personal: Iterable[str | None]) -> set[str]:
    """Return the lower-cased names and email parts that a password must not contain."""
    terms = set()
    for value in personal:
        value = (value or "").strip().lower()
        if "@" in value:
            local = value.rpartition("@")[0]
            terms.add(value)
            parts = [local, *_EMAIL_SEPARATORS.split(local)]
        else:
            parts = _LETTER_RUNS.findall(value)
        terms.update(part for part in parts if len(part) >= _MIN_PERSONAL)
    return terms


def check_password(
    password: str,
    *,
    min_length: int = 10,
    personal: Iterable[str] = (),
    guessable: Iterable[str] = (),
) -> list[RuleResult]:
    """Return every rule with whether the password meets it, in the order they are shown;
    ``personal`` are the person's names and email, ``guessable`` more words as easy to guess
    as the common ones."""
    lowered = password.lower()
    terms = _personal_terms(personal)
    # isupper/islower/isdecimal count Ä, Ö, Å and other non-ASCII letters and digits too.
    special = any(not (c.isalpha() or c.isdecimal() or c.isspace()) for c in password)
    return [
        RuleResult(
            "length",
            _l("At least %(count)s characters", count=min_length),
            len(password) >= min_length,
        ),
        RuleResult("upper", _l("An upper-case letter"), any(c.isupper() for c in password)),
        RuleResult("lower", _l("A lower-case letter"), any(c.islower() for c in password)),
        RuleResult("digit", _l("A number"), any(c.isdecimal() for c in password)),
        RuleResult("special", _l("A special character, such as ! ? - or #"), special),
        RuleResult(
            "common",
            _l("Not a common or easily guessed password"),
            not is_common(password, guessable),
        ),
        RuleResult(
            "personal",
            _l("Does not contain your name or email address"),
            not any(term in lowered for term in terms),
        ),
    ]


def password_errors(
    password: str,
    *,
    min_length: int = 10,
    personal: Iterable[str] = (),
    guessable: Iterable[str] = (),
) -> list[str]:
    """Return the messages, in the current locale, of the rules the password fails."""
    results = check_password(
        password, min_length=min_length, personal=personal, guessable=guessable
    )
    return [str(result.message) for result in results if not result.passed]

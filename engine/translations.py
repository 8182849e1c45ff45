"""The interface's words in every language: one gettext domain ("messages"), English message
ids, one catalog per language under `engine/locale/<language>/LC_MESSAGES/messages.po`.

The catalogs are read from their `.po` files the first time a language is asked for, and
compiled in memory: a fresh clone and an installed package work with no compilation step, and
no compiled file can be older than its source (decision 0022). Organisation-written texts
(labels, mails, notices) are not here: they stay in the workflow's YAML as language maps."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def N_(message: str) -> str:
    """Marks a message for extraction where it is declared; it is translated where it is shown."""
    return message


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of a language; an unknown one gets the default language's."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    path = catalog_path(language)
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    # Fuzzy entries are guesses of `pybabel update`: shown in English until a person checks them.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def language_of(locale: str | None) -> str:
    """`fr_CA`, `fr-ca` or `FR` → `fr`; anything not offered → the default language."""
    base = (locale or "").replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


class Message(str):
    """A message decided where no language is at hand (a use case's refusal, a line of an
    imported file): it reads as its English text, and `translate` says it in another language
    from its id and values."""

    message_id: str
    values: dict[str, object]

    def __new__(cls, message_id: str, **values: object) -> Message:
        made = super().__new__(cls, message_id.format(**values) if values else message_id)
        made.message_id = message_id
        made.values = values
        return made


def translate(locale: str, message: str, **values: object) -> str:
    """`message` in the language of `locale`; a text no catalog knows is returned as it is."""
    if not message:
        return message  # the empty id is the catalog's header
    if isinstance(message, Message):
        values = {**message.values, **values}
        message = message.message_id
    # A value that is a message itself is said in the same language.
    values = {
        name: translate(locale, value) if isinstance(value, Message) else value
        for name, value in values.items()
    }
    text = translations(language_of(locale)).gettext(message)
    return text.format(**values) if values else text


def translate_plural(locale: str, singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(language_of(locale)).ngettext(singular, plural, n)
    return text.format(n=n, **values)


_ACCEPT_ITEM = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*$"
)


def preferred_language(
    accept_language: str | None, offered: Iterable[str] = LANGUAGES
) -> str | None:
    """The first of the browser's languages (RFC 9110 `Accept-Language`, by weight) that is
    offered, or None when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:500].split(",")[:20]):
        match = _ACCEPT_ITEM.match(item)
        if not match:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if weight > 0 and match.group(1) != "*":
            ranked.append(
                (-weight, position, match.group(1).replace("_", "-").split("-")[0].lower())
            )
    offered = tuple(offered)
    for _weight, _position, language in sorted(ranked):
        if language in offered:
            return language
    return None


class Words:
    """A phrasebook read in one language: `words["next"]`, or `words("step_of", n=3, total=9)`
    for a message with values. The keys name messages; their English text is the message id."""

    def __init__(self, locale: str, messages: dict[str, str]) -> None:
        self.translations = translations(language_of(locale))
        self.messages = messages

    def __getitem__(self, key: str) -> str:
        return self.translations.gettext(self.messages[key])

    def __contains__(self, key: object) -> bool:
        return key in self.messages

    def get(self, key: str, default: str | None = None) -> str | None:
        return self[key] if key in self.messages else default

    def __call__(self, key: str, **values: object) -> str:
        return self[key].format(**values)


class Phrasebook:
    """Messages named by keys (`{"next": N_("Next step")}`), for code that picks a message by a
    computed name (a transition's history word, a status)."""

    def __init__(self, messages: dict[str, str]) -> None:
        self.messages = messages

    def __contains__(self, key: object) -> bool:
        return key in self.messages

    def words(self, locale: str) -> Words:
        return Words(locale, self.messages)

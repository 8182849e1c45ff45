"""The interface is translated through one mechanism (engine/translations.py, decision 0022):
every message the code and the templates use has a French and an English translation, and no
French text is left outside a gettext call in the templates or the Python code."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from engine.translations import LANGUAGES, Message, catalog_path, preferred_language, translate

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "web" / "templates"
# Python modules whose French messages are still written in the code: the JSON API's errors
# and the test-mode banner of mails.
# Nothing may join the list. spec_types.py describes the YAML format in English, with a French
# label as its example.
NOT_YET_CONVERTED = {
    "engine/spec_types.py",
    "web/api/app.py",
    "web/api/catalog.py",
    "web/api/common.py",
    "web/api/requests.py",
    "web/app.py",
    "engine/delivery/mailer.py",
}
TRANSLATING_CALLS = {"N_", "_", "gettext", "ngettext", "translate", "translate_plural", "Message"}
ACCENTED = re.compile(r"[éèêàâçùûôîœÉÈÊÀÇ«»]")
# Text a template may hold outside gettext: names that are the same in every language.
NEUTRAL_TEMPLATE_TEXT = {"Message-ID", "HTTP", "—", "←", "→", "‹", "›", "*", "·", "|", "/"}


def _catalog(language: str):
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


def _extracted(tmp_path: Path) -> set[str]:
    """What `scripts/catalogs.sh` would extract from the code today."""
    target = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract",
            "-F", "babel.cfg", "-k", "translate:2", "-k", "translate_plural:2,3", "-k", "Message",
            "-o", str(target), ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )  # fmt: skip
    with target.open("rb") as source:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}


def test_every_message_has_a_french_and_an_english_translation(tmp_path: Path) -> None:
    used = _extracted(tmp_path)
    assert "Next step" in used and "Reference lists" in used  # Python and templates are read
    for language in LANGUAGES:
        catalog = _catalog(language)
        translated = {
            (m.id if isinstance(m.id, str) else m.id[0])
            for m in catalog
            if m.id
            and not m.fuzzy
            and all(m.string if isinstance(m.string, tuple) else (m.string,))
        }
        missing = sorted(used - translated)
        assert not missing, f"{language}: no translation for {missing[:10]} (scripts/catalogs.sh)"


def test_the_catalogs_give_each_language_its_words() -> None:
    assert translate("fr", "Next step") == "Étape suivante"
    assert translate("en", "Next step") == "Next step"
    assert translate("fr", "Step {n} of {total}", n=2, total=5) == "Étape 2 sur 5"
    # An unknown language gets the default one; an unknown message is shown as it is.
    assert translate("de", "Next step") == "Étape suivante"
    assert translate("fr", "A message nobody declared") == "A message nobody declared"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE, fr;q=0.5, en;q=0.4", "fr"),
        ("fr-CA", "fr"),
        ("en;q=0, fr;q=0.1", "fr"),
        ("de, es", None),
        ("", None),
        ("*", None),
        ("garbage;;;q=x", None),
    ],
)
def test_the_browsers_language_is_read_from_accept_language(header: str, chosen: str) -> None:
    assert preferred_language(header) == chosen


def _template_leftovers(source: str) -> list[str]:
    """Text outside gettext in a template: text between tags, readable attributes, and
    accented string literals inside Jinja expressions."""
    found = []
    code = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
    for expression in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S):
        if "_(" in expression or "gettext(" in expression:
            continue
        found += [s for s in re.findall(r"'([^']*)'|\"([^\"]*)\"", expression) for s in s if s]
    found = [s for s in found if ACCENTED.search(s)]
    # {% trans %} blocks are translated; drop them before reading the text.
    plain = re.sub(r"\{%-? trans\b.*?endtrans -?%\}", "", source, flags=re.S)
    plain = code.sub(" ", plain)
    for attribute in re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', plain):
        if re.search(r"[A-Za-zÀ-ÿ]{2}", attribute):
            found.append(attribute)
    text = re.sub(r"<[^>]*>", "\n", plain)
    for line in text.splitlines():
        # Attributes a macro or a block writes into the tag around it are not text.
        line = re.sub(r'[\w-]+="[^"]*"|\b(?:hidden|data-conditional|checked|selected)\b', "", line)
        line = line.strip()
        if re.search(r"[A-Za-zÀ-ÿ]{2}", line) and line not in NEUTRAL_TEMPLATE_TEXT:
            found.append(line)
    return found


def test_templates_hold_no_text_outside_gettext() -> None:
    leftovers = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        found = _template_leftovers(path.read_text())
        if found:
            leftovers[str(path.relative_to(ROOT))] = found
    assert leftovers == {}


def test_the_template_scan_finds_untranslated_text() -> None:
    assert _template_leftovers("<h1>Réglages</h1>") == ["Réglages"]
    assert _template_leftovers('<nav aria-label="Pages">') == ["Pages"]
    assert _template_leftovers("{{ 'Fermer' if x else 'Ouvrir' }}") == []  # no accent: the
    assert _template_leftovers("{{ 'Fermées' }}") == ["Fermées"]  # rendered pages tell
    assert _template_leftovers('<h1>{{ _("Settings") }}</h1>') == []
    assert _template_leftovers("<p>{% trans %}Some text{% endtrans %}</p>") == []


def _python_leftovers(source: str) -> list[str]:
    """Accented string literals outside a translating call, docstrings and comments aside."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in TRANSLATING_CALLS:
                skipped.update(id(inner) for inner in ast.walk(node))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and ACCENTED.search(node.value)
        and re.search(r"[A-Za-zÀ-ÿ]{2,}\W+[A-Za-zÀ-ÿ]{2,}", node.value)
    ]


def test_python_holds_no_french_outside_gettext() -> None:
    leftovers = {}
    for package in ("web", "engine", "app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if "migrations" in path.parts or relative in NOT_YET_CONVERTED:
                continue
            found = _python_leftovers(path.read_text())
            if found:
                leftovers[relative] = found
    assert leftovers == {}


def test_the_python_scan_finds_untranslated_text() -> None:
    assert _python_leftovers('error = "Le formulaire a expiré."') == ["Le formulaire a expiré."]
    assert _python_leftovers('error = N_("The form expired.")') == []
    assert _python_leftovers('error = desk.gettext("Le formulaire a expiré.")') == []
    assert _python_leftovers('def f():\n    """Décrit."""\n') == []


def test_a_use_cases_message_is_said_in_the_readers_language() -> None:
    reason = Message(
        "{column}: {problem}", column="capacité", problem=Message("Whole number expected.")
    )
    assert reason == "capacité: Whole number expected."  # read as it is: English
    assert translate("fr", reason) == "capacité : Nombre entier attendu."
    assert translate("en", reason) == "capacité: Whole number expected."
    assert translate("fr", "") == ""  # not the catalog's header

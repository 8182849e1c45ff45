"""The backoffice speaks one language per page: the English sample workflow's pages entirely in
English, the French one's entirely in French, and a browser asking for English gets English.
"Entirely" is checked against the catalogs: no text of the other language appears."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from engine.translations import catalog_path

from .backoffice import staff_browser
from .browser import Browser, Page
from .conftest import Site
from .test_other_workflow_web import fill_loan

PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w*\}|%s|%d")
# Below this length a fragment is a word both languages share or a data value may hold.
MIN_FRAGMENT = 9

LOAN_PAGES = [
    "demandes",
    "notifications",
    "vue-ensemble",
    "courriels",
    "sessions",
    "sessions/nouvelle",
    "listes",
    "listes/equipment",
    "listes/equipment/nouvelle-entree",
    "listes/equipment/import",
    "pdf",
    "export",
    "reglages",
    "utilisateurs",
    "jetons-api",
]


def _fragments(text: str) -> set[str]:
    return {
        part.strip(" .:;,()«»“”—-")
        for part in PLACEHOLDER.split(text)
        if len(part.strip(" .:;,()«»“”—-")) >= MIN_FRAGMENT
    }


def _catalog_texts() -> tuple[set[str], set[str]]:
    """(English fragments, French fragments) of the messages whose translation differs."""
    with catalog_path("fr").open("rb") as source:
        catalog = read_po(source, locale="fr")
    english: set[str] = set()
    french: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for source_text, translated in zip(ids, strings, strict=False):
            if translated and translated != source_text:
                english |= _fragments(source_text)
                french |= _fragments(translated)
    shared = english & french
    return english - shared, french - shared


def _visible(page: Page) -> str:
    for hidden in page.soup(["script", "style"]):
        hidden.decompose()
    texts = [page.soup.get_text(" ")]
    for tag in page.soup.find_all(True):
        texts.extend(str(tag.get(name, "")) for name in ("aria-label", "title", "placeholder"))
    return " ".join(" ".join(texts).split())


def _foreign(browser: Browser, base: str, paths: list[str], foreign: set[str]) -> dict[str, list]:
    found = {}
    for path in paths:
        page = browser.get(f"{base}/{path}")
        assert page.status == 200, (path, page.status)
        text = _visible(page)
        seen = sorted(fragment for fragment in foreign if fragment in text)
        if seen:
            found[path] = seen
    return found


def _request_path(browser: Browser, base: str) -> str:
    queue = browser.get(f"{base}/demandes")
    link = queue.soup.select_one("table a[href*='/demandes/']")
    assert link is not None, queue.text[:500]
    return str(link["href"]).removeprefix(f"{base}/")


def test_the_english_workflows_backoffice_is_entirely_in_english(site: Site) -> None:
    fill_loan(site.browser())
    _, french = _catalog_texts()
    assert "Aucune demande ne correspond à ces critères" in french  # the check can fail
    browser = staff_browser(site, "bibliotheque@makerspace.example", ["admin", "librarian"])
    base = "/backoffice/equipment_loan"
    paths = [*LOAN_PAGES, _request_path(browser, base)]
    assert _foreign(browser, base, paths, french) == {}
    queue = browser.get(f"{base}/demandes")
    assert "Requests" in _visible(queue) and "Demandes" not in _visible(queue)


def test_the_french_workflows_backoffice_is_entirely_in_french(site: Site) -> None:
    english, _ = _catalog_texts()
    browser = staff_browser(site, "admin@hgi.example", ["admin", "registration_manager"])
    base = "/backoffice/onboarding"
    pages = [p.replace("equipment", "establishment_types") for p in LOAN_PAGES]
    assert _foreign(browser, base, [*pages, "presence", "consentements"], english) == {}


def test_a_browser_asking_for_english_gets_the_french_workflows_backoffice_in_english(
    site: Site,
) -> None:
    browser = staff_browser(site, "admin@hgi.example", ["admin", "registration_manager"])
    browser.client.headers["Accept-Language"] = "en-GB,en;q=0.9,fr;q=0.5"
    page = browser.get("/backoffice/onboarding/reglages")
    text = _visible(page)
    assert "Save the settings" in text and "Enregistrer les réglages" not in text
    # A language the catalogs do not offer: the workflow's own.
    browser.client.headers["Accept-Language"] = "de-DE,de;q=0.9"
    assert "Enregistrer les réglages" in _visible(browser.get("/backoffice/onboarding/reglages"))


def test_an_address_refused_before_any_workflow_is_known_speaks_the_browsers_language(
    site: Site,
) -> None:
    browser = site.browser()
    assert "Requête invalide" in browser.get("/inscription/%00").text
    browser.client.headers["Accept-Language"] = "en-US,en;q=0.9"
    page = browser.get("/inscription/%00")
    assert page.status == 400 and "Invalid request" in page.text
    assert "Requête invalide" not in page.text

"""The backoffice with requests of an earlier version, on SQLite and PostgreSQL: the queue, its
tabs and its search list them all (a state the current version removed marked as an earlier
version's), a request's page shows its version and moves it when that is safe, and the
settings page keeps who changed what."""

from __future__ import annotations

from pathlib import Path

from .backoffice import admin, staff_browser
from .browser import Browser, Page
from .conftest import Site
from .journey import requests
from .test_api import Api, token_for
from .test_version_moves import STATES, in_every_state
from .versions import NewVersion

QUEUE = "/backoffice/onboarding/demandes"
API_REQUESTS = "/api/v1/workflows/onboarding/requests"


def restarted(site: Site, new: NewVersion) -> Site:
    return Site(new.app, site.engine, site.clock, new.settings, new.runtime)


def manager_on(site: Site, new: NewVersion) -> Browser:
    return staff_browser(restarted(site, new), "gestion@hgi.example", ["registration_manager"])


def listed(page: Page) -> dict[str, str]:
    """Reference → the state cell's text, for every row of the queue's page."""
    found = {}
    for row in page.soup.select("table tbody tr"):
        cells = row.find_all("td")
        found[cells[0].get_text(strip=True)] = " ".join(cells[3].get_text(" ").split())
    return found


def test_the_queue_its_tabs_and_its_search_show_every_version(site: Site, tmp_path: Path) -> None:
    references = in_every_state(site)
    lapsed = references["offer_lapsed"]
    new = NewVersion(site, tmp_path, mapped=False)
    browser = manager_on(site, new)

    submitted = {s: r for s, r in references.items() if s != "draft"}
    everything = listed(browser.get(QUEUE))
    assert set(everything) == set(submitted.values())
    assert "ancienne version" in everything[lapsed]
    assert "ancienne version" not in everything[references["registered"]]

    closed = listed(browser.get(f"{QUEUE}?onglet=closed"))
    assert lapsed in closed and references["rejected"] in closed
    assert references["registered"] not in closed

    found = listed(browser.get(f"{QUEUE}?q=nom{int(lapsed.split('-')[1])}"))
    assert list(found) == [lapsed]
    # The state filter offers the removed state, marked.
    page = browser.get(f"{QUEUE}?onglet=closed&etat=offer_lapsed")
    assert list(listed(page)) == [lapsed]
    option = page.soup.find("option", attrs={"value": "offer_lapsed"})
    assert option is not None and "ancienne version" in option.get_text()
    # The overview counts them too, without failing on the state it no longer knows.
    assert browser.get("/backoffice/onboarding/vue-ensemble").status == 200
    # The JSON API lists them as the queue does.
    caller = Api(restarted(site, new), token_for(site, "registration_manager"))
    listed_by_api = caller.get(API_REQUESTS, limit=50).json()
    assert listed_by_api["total"] == len(submitted)
    closed_by_api = caller.get(API_REQUESTS, category="closed", limit=50).json()
    assert lapsed in {r["reference"] for r in closed_by_api["items"]}


def test_a_request_page_shows_its_version_and_moves_it_when_safe(
    site: Site, tmp_path: Path
) -> None:
    references = in_every_state(site)
    old_hash = site.runtime.registry.get("onboarding").content_hash
    new = NewVersion(site, tmp_path, mapped=True)
    browser = manager_on(site, new)

    page = browser.get(f"{QUEUE}/{references['offer_lapsed']}")
    version = page.soup.find(id="request-spec-version").get_text(" ")
    assert old_hash[:12] in version and "ancienne version" in version
    move = page.soup.find(id="request-version-move")
    assert "actions proposées sont celles de cette version" in move.get_text(" ")
    assert move.find("button").get_text(strip=True) == "Passer à la version actuelle"

    page = browser.submit(nav=None, form=1)
    assert page.status == 200
    assert "suit maintenant la version actuelle" in page.text
    assert "actuelle" in page.soup.find(id="request-spec-version").get_text(" ")
    assert page.soup.find(id="request-version-move") is None
    assert "Passage à la version actuelle du processus" in page.text
    row = next(r for r in requests(site) if r.reference == references["offer_lapsed"])
    assert row.state == "lapsed" and row.spec_hash == new.compiled.content_hash
    # The others stay where they were.
    assert sum(r.spec_hash == old_hash for r in requests(site)) == len(STATES) - 1


def test_an_unsafe_move_is_explained_and_refused(site: Site, tmp_path: Path) -> None:
    references = in_every_state(site)
    new = NewVersion(site, tmp_path, mapped=False)
    browser = manager_on(site, new)
    address = f"{QUEUE}/{references['offer_lapsed']}"
    page = browser.get(address)
    move = page.soup.find(id="request-version-move")
    assert "aucune correspondance n'est déclarée" in move.get_text(" ")
    assert move.find("button") is None

    page = browser.post(f"{address}/version-actuelle", {"_csrf": browser.csrf(), "_version": "1"})
    assert page.status == 409
    assert "ne peut pas passer à la version actuelle" in page.text
    row = next(r for r in requests(site) if r.reference == references["offer_lapsed"])
    assert row.state == "offer_lapsed"


def test_the_settings_page_shows_who_changed_what(site: Site) -> None:
    browser = admin(site)
    browser.get("/backoffice/onboarding/reglages")
    browser.submit({"test_mode": "true"}, nav=None, form=1)
    page = browser.get("/backoffice/onboarding/reglages")
    [line] = page.soup.select("table[data-settings-history] tbody tr")
    cells = [" ".join(td.get_text(" ").split()) for td in line.find_all("td")]
    assert cells[1:] == ["Mode test", "(par défaut)", "Oui", "admin@hgi.example"]

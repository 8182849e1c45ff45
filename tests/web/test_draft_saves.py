"""A step's answers are saved by one statement that checks the draft's version: when two tabs
of the same draft post at the same moment, the second finds the draft changed, saves nothing
and goes back to the step the draft reached, never a 500 nor an answer silently overwritten."""

from __future__ import annotations

from sqlalchemy import select

from engine.service.drafts import Drafts, Go
from engine.store.models import RequestRow

from .conftest import Site
from .journey import ANSWERS, fill_until, requests


def _load(db, public_id: str) -> RequestRow:
    return db.execute(select(RequestRow).where(RequestRow.public_id == public_id)).scalar_one()


def test_two_tabs_posting_the_same_step_at_once_keep_the_first_save(site: Site) -> None:
    browser = site.browser()
    fill_until(browser, "establishment")
    (draft,) = requests(site)
    runtime = site.runtime
    compiled = runtime.registry.version(site.db(), draft.spec_hash)  # type: ignore[attr-defined]
    step = compiled.wizard.by_id["trainee"]
    first_tab, second_tab = site.db(), site.db()
    # Both tabs read the draft before either writes.
    first_row = _load(first_tab, draft.public_id)
    second_row = _load(second_tab, draft.public_id)
    seen = first_row.version

    berenice = dict(ANSWERS["trainee"], first_name="Bérénice")
    done = Drafts(first_tab, runtime).handle_step(
        first_row, compiled, step, berenice, "next", None, "fr"
    )
    assert done.go is Go.STEP and done.step_id == "mandate"
    assert first_row.version == seen + 1 and first_row.answers["first_name"] == "Bérénice"

    camille = dict(ANSWERS["trainee"], first_name="Camille")
    late = Drafts(second_tab, runtime).handle_step(
        second_row, compiled, step, camille, "next", None, "fr"
    )
    # The second tab is sent to the step the draft reached, with what the first saved.
    assert late.go is Go.STEP and late.step_id == "mandate"
    assert second_row.answers["first_name"] == "Bérénice"
    first_tab.close()
    second_tab.close()

    with site.db() as db:
        stored = _load(db, draft.public_id)
        assert stored.answers["first_name"] == "Bérénice"
        assert stored.version == seen + 1
        assert stored.current_step == "mandate"
    page = browser.get("/inscription/26C03S1/etape/trainee")
    assert page.status == 200 and page.value("first_name") == "Bérénice"


def test_going_back_saves_what_is_valid_and_keeps_the_step_reached(site: Site) -> None:
    browser = site.browser()
    fill_until(browser, "trainee")
    assert browser.page is not None and "/etape/mandate" in browser.page.url
    page = browser.submit(
        {"mandate": "adjoint_maire", "first_mandate_year": "1800"}, nav="previous"
    )
    assert page.status == 200 and "/etape/trainee" in page.url
    (draft,) = requests(site)
    assert draft.answers["mandate"] == "adjoint_maire"  # valid: kept
    assert "first_mandate_year" not in draft.answers  # wrong: not saved
    assert draft.current_step == "mandate"  # going back keeps the furthest step reached

"""Moving requests to the current version of their workflow (engine/service/version_moves.py),
on SQLite and PostgreSQL: a dry run and a real run with requests in every state, the refusal
when a removed state has no mapping, and a draft asked the new required question."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.service.version_moves import Mover, UnsafeMoves, move_requests, plan_moves
from engine.store.models import HistoryRow, RequestRow

from .browser import Browser
from .conftest import Site
from .journey import START, fill_until, requests, step_of
from .versions import NewVersion, add_request

STATES = (
    "draft",
    "awaiting_email_confirmation",
    "email_confirmed",
    "institution_validated",
    "operator_validated",
    "registered",
    "waiting_list",
    "seat_offered",
    "cancelled",
    "rejected",
    "expired",
    "offer_lapsed",
)
COMMAND = Mover("command", "onboarding migrate")


def in_every_state(site: Site) -> dict[str, str]:
    return {state: add_request(site, state, n) for n, state in enumerate(STATES, start=1)}


def by_reference(site: Site) -> dict[str, RequestRow]:
    return {r.reference or r.public_id: r for r in requests(site)}


def test_a_dry_run_says_where_each_request_goes_and_changes_nothing(
    site: Site, tmp_path: Path
) -> None:
    references = in_every_state(site)
    old_hash = site.runtime.registry.get("onboarding").content_hash
    new = NewVersion(site, tmp_path)
    with site.db() as db:
        plan = plan_moves(db, new.registry, "onboarding")
    assert plan.safe
    targets = {m.key: m.to_state for m in plan.moves}
    assert targets[references["offer_lapsed"]] == "lapsed"
    assert all(targets[references[s]] == s for s in STATES if s != "offer_lapsed")
    assert {r.spec_hash for r in requests(site)} == {old_hash}


def test_moving_every_request_maps_the_renamed_state_and_records_it(
    site: Site, tmp_path: Path
) -> None:
    references = in_every_state(site)
    old_hash = site.runtime.registry.get("onboarding").content_hash
    new = NewVersion(site, tmp_path)
    with site.db() as db:
        plan = move_requests(db, new.registry, "onboarding", COMMAND)
    assert len(plan.moves) == len(STATES)
    rows = by_reference(site)
    assert {r.spec_hash for r in rows.values()} == {new.compiled.content_hash}
    assert rows[references["offer_lapsed"]].state == "lapsed"
    assert rows[references["registered"]].state == "registered"
    # The draft stays a draft, sent back to the first step it has not answered.
    draft = rows[references["draft"]]
    assert draft.state == "draft" and draft.current_step == "funding"
    with site.db() as db:
        lines = list(db.scalars(select(HistoryRow).where(HistoryRow.transition == "version_moved")))
    assert len(lines) == len(STATES)
    lapsed = next(h for h in lines if h.from_state == "offer_lapsed")
    assert lapsed.to_state == "lapsed"
    assert lapsed.actor_name == "onboarding migrate"
    assert old_hash[:12] in (lapsed.comment or "")
    assert new.compiled.content_hash[:12] in (lapsed.comment or "")
    # Run again: nothing left to move.
    with site.db() as db:
        assert move_requests(db, new.registry, "onboarding", COMMAND).moves == []


def test_a_removed_state_with_no_mapping_refuses_the_whole_move(site: Site, tmp_path: Path) -> None:
    references = in_every_state(site)
    old_hash = site.runtime.registry.get("onboarding").content_hash
    new = NewVersion(site, tmp_path, mapped=False)
    with site.db() as db, pytest.raises(UnsafeMoves) as refused:
        move_requests(db, new.registry, "onboarding", COMMAND)
    assert [m.key for m in refused.value.plan.refused] == [references["offer_lapsed"]]
    assert "offer_lapsed (1)" in str(refused.value)
    assert {r.spec_hash for r in requests(site)} == {old_hash}


def test_a_moved_draft_is_asked_the_new_required_question_on_its_next_visit(
    site: Site, tmp_path: Path
) -> None:
    browser = site.browser()
    fill_until(browser, "dietary")
    [draft] = requests(site)
    assert draft.current_step == "disability"
    new = NewVersion(site, tmp_path)
    with site.db() as db:
        [move] = move_requests(db, new.registry, "onboarding", COMMAND).moves
    assert move.draft and move.resume_step == "mandate"

    continuing = Browser(new.app)
    continuing.client.cookies.update(dict(browser.client.cookies))
    page = continuing.get(START)
    assert step_of(page) == "mandate"
    assert "Nom de votre employeur" in page.text

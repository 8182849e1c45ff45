"""An applicant's answers, step by step, as typed in the onboarding wizard's forms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.store.models import HistoryRow, OutboxMail, RequestRow

from .browser import Browser, Page

CODE = "26C03S1"
START = f"/inscription/{CODE}"

ANSWERS: dict[str, dict[str, Any]] = {
    "session": {"_action": "new_request"},
    "funding": {"funding_method": "establishment"},
    "establishment": {"establishment": "ville_lyon"},
    "trainee": {
        "civility": "mme",
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@example.org",
        "email__confirm": "camille.martin@example.org",
        "postal_code": "69001",
        "phone": "06 12 34 56 78",
        "expectations": "Mieux comprendre les leviers de rénovation.",
    },
    "mandate": {"mandate": "adjoint_maire", "first_mandate_year": "2020"},
    "dietary": {"dietary_constraints": "no"},
    "disability": {},
    "extra_data": {
        "share_with_participants": "yes",
        "training_offer_mailing": "no",
        "image_rights": "yes",
    },
    "terms": {"terms_accepted": "on"},
}
STEPS = list(ANSWERS)


def step_of(page: Page) -> str:
    """The step a wizard page shows, from its form's address."""
    action = str(page.form().get("action", ""))
    return action.rsplit("/etape/", 1)[1] if "/etape/" in action else "session"


def fill_until(
    browser: Browser,
    last: str,
    overrides: dict[str, dict[str, Any]] | None = None,
    *,
    start: str = START,
) -> Page:
    """Starts a request and answers every step up to and including `last`."""
    overrides = overrides or {}
    page = browser.get(start)
    assert page.status == 200, page.text[:500]
    for step in STEPS:
        assert step_of(page) == step, f"expected step {step}, got {step_of(page)}: {page.summary}"
        typed = {**ANSWERS[step], **overrides.get(step, {})}
        page = browser.submit(typed)
        assert page.status == 200, (step, page.status, page.summary, page.text[:400])
        if step == last:
            return page
    return page


def submit_request(browser: Browser, overrides: dict[str, dict[str, Any]] | None = None) -> Page:
    page = fill_until(browser, "terms", overrides)
    assert "Demande envoyée" in page.text, (page.summary, page.text[:500])
    return page


def requests(site: Any) -> list[RequestRow]:
    with site.db() as db:
        return list(db.execute(select(RequestRow).order_by(RequestRow.id)).scalars())


def mails(site: Any, template: str | None = None) -> list[OutboxMail]:
    with site.db() as db:
        query = select(OutboxMail).order_by(OutboxMail.id)
        if template is not None:
            query = query.where(OutboxMail.template == template)
        return list(db.execute(query).scalars())


def history(site: Any) -> list[tuple[str, str, str, str]]:
    """(transition, from, to, actor kind) of every state change, oldest first."""
    with site.db() as db:
        rows = db.execute(select(HistoryRow).order_by(HistoryRow.id)).scalars()
        return [(h.transition, h.from_state, h.to_state, h.actor_kind) for h in rows]

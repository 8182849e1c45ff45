"""The second workflow (the example in examples/equipment_loan/: English, no session), served
beside the project's, runs in the same app from its spec alone, and the home page offers both
workflows."""

from __future__ import annotations

import re
from typing import Any

from bs4 import Tag
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.store.models import Notification, ReferenceEntryRow

from .browser import Browser, Page, first_link
from .journey import mails, requests

LOAN = "/equipment-loan"

LOAN_ANSWERS: dict[str, dict[str, Any]] = {
    "member": {
        "_action": "new_request",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada.lovelace@example.org",
        "email__confirm": "ada.lovelace@example.org",
        "phone": "06 98 76 54 32",
    },
    "item": {"item": "drill"},
    # The app's today is 2026-09-01.
    "dates": {"start_date": "2026-09-10", "return_date": "2026-09-17"},
    "purpose": {
        "purpose": "Building shelves for the community garden shed.",
        "abroad": "no",
        "rules_accepted": "on",
    },
}
LOAN_STEPS = list(LOAN_ANSWERS)
LOAN_TITLES = ["Who you are", "Which item", "Dates", "Purpose"]
FRENCH = ["Étape", "Rechercher", "obligatoire", "Annuler", "jj/mm/aaaa", "Erreur", "Aucun"]


def loan_step(page: Page) -> str:
    action = str(page.form().get("action", ""))
    return action.rsplit("/etape/", 1)[1] if "/etape/" in action else "member"


def fill_loan(browser: Browser, overrides: dict[str, dict[str, Any]] | None = None) -> Page:
    overrides = overrides or {}
    page = browser.get(LOAN)
    assert page.status == 200, page.text[:300]
    for step in LOAN_STEPS:
        assert loan_step(page) == step, (step, page.summary)
        page = browser.submit({**LOAN_ANSWERS[step], **overrides.get(step, {})})
        assert page.status == 200, (step, page.status, page.summary, page.text[:300])
    return page


def error_of(page: Page, name: str) -> str:
    """The message beside an input, without the prefix read out by screen readers."""
    element = page.soup.find(id=f"{name}-error")
    return " ".join(element.get_text().split()).removeprefix("Error:").strip() if element else ""


def effective_lang(element: Tag) -> str:
    for node in [element, *element.parents]:
        if isinstance(node, Tag) and node.has_attr("lang"):
            return str(node["lang"])
    return ""


def test_the_start_page_is_in_english_with_its_steps(site: Any) -> None:
    page = site.browser().get(LOAN)
    assert page.status == 200
    assert page.soup.find("html")["lang"] == "en"
    assert page.progress == "Step 1 of 4"
    assert page.heading() == "Who you are"
    text = page.text
    assert "Equipment loan" in text
    for words in ("Choose an action", "Borrow an item", "Follow or cancel a request"):
        assert words in text
    for label in ("First name", "Last name", "Email address", "Confirm your email address"):
        assert label in text
    assert "Phone number" in text
    assert "Next step" in text and "Cancel" in text
    assert "Previous step" not in text
    assert "Riverside Makerspace" in text
    for french in FRENCH:
        assert french not in text, french
    # No session: the form posts to the workflow's own address.
    assert page.form().get("action") == LOAN


def test_every_loan_step_speaks_english(site: Any) -> None:
    browser = site.browser()
    page = browser.get(LOAN)
    seen = []
    for number, step in enumerate(LOAN_STEPS, start=1):
        assert loan_step(page) == step
        assert page.progress == f"Step {number} of 4"
        assert page.heading() == LOAN_TITLES[number - 1]
        seen.append(step)
        # The page as first shown, then with every error it can show.
        empty = browser.submit({name: None for name in LOAN_ANSWERS[step]})
        assert empty.status == 422, (step, empty.status)
        assert empty.summary and all(m.endswith(".") for m in empty.summary)
        assert "This field is required." in empty.summary or step == "purpose"
        for shown in (page, empty):
            for french in FRENCH:
                assert french not in shown.html, (step, french)
            assert shown.soup.find("html")["lang"] == "en"
        page = browser.submit(LOAN_ANSWERS[step])
    assert "Request sent" in page.text
    assert seen == LOAN_STEPS


def test_a_complete_loan_request_is_submitted(site: Any) -> None:
    page = fill_loan(site.browser())
    assert "Request sent" in page.text
    assert "Your loan request has been sent." in page.text
    [request] = requests(site)
    assert request.workflow_id == "equipment_loan"
    assert request.session_code is None
    assert request.state == "submitted"
    assert request.reference is not None and request.reference in page.text
    assert request.applicant_email == "ada.lovelace@example.org"
    assert request.answers["item"] == "drill"
    assert request.answers["start_date"] == "2026-09-10"
    assert request.answers["return_date"] == "2026-09-17"
    assert request.answers["abroad"] is False
    assert request.answers["rules_accepted"] == "2026-03"
    assert request.answers["phone"] == "+33698765432"
    assert "destination" not in request.answers
    assert "session_code" not in request.answers


def test_the_submission_queues_the_receipt_and_tells_the_librarians(site: Any) -> None:
    fill_loan(site.browser())
    [request] = requests(site)
    [mail] = mails(site)
    assert mail.template == "loan_received"
    assert mail.request_id == request.id
    assert mail.to == ["ada.lovelace@example.org"]
    assert mail.status == "queued"
    assert mail.subject == f"We have received your loan request {request.reference}"
    assert "Hello Ada," in mail.text
    for detail in ("Bosch cordless drill", "Tools", "BSH-GSR18-2231", request.reference):
        assert detail in mail.text and detail in mail.html
    assert "abroad" not in mail.text
    follow = first_link(mail.text, r"http://testserver/liens/follow/\S+")
    assert follow in mail.html
    with site.db() as db:
        notes = list(db.execute(select(Notification)).scalars())
    assert [n.role for n in notes] == ["librarian"]
    assert request.reference in notes[0].message
    assert "Bosch cordless drill" in notes[0].message
    assert "Ada Lovelace" in notes[0].message


def test_the_loan_going_abroad_asks_for_the_destination(site: Any) -> None:
    browser = site.browser()
    page = browser.get(LOAN)
    for step in LOAN_STEPS[:-1]:
        page = browser.submit(LOAN_ANSWERS[step])
    assert loan_step(page) == "purpose"
    page = browser.submit({**LOAN_ANSWERS["purpose"], "abroad": "yes"})
    assert "destination" in page.visible_fields()
    assert "New fields appeared" in page.text
    assert page.soup.select_one("#destination")["placeholder"] == "e.g. Belgium, Switzerland"
    page = browser.submit({"destination": ""})
    assert page.status == 422
    assert error_of(page, "destination") == "This field is required."
    page = browser.submit({"destination": "Belgium"})
    assert "Request sent" in page.text
    [request] = requests(site)
    assert request.answers["destination"] == "Belgium"
    [mail] = mails(site, "loan_received")
    assert "You plan to take the item abroad (Belgium)" in mail.text


def test_the_equipment_list_comes_from_the_yaml(site: Any) -> None:
    with site.db() as db:
        rows = db.execute(
            select(ReferenceEntryRow).where(ReferenceEntryRow.workflow_id == "equipment_loan")
        ).scalars()
        entries = {(r.list_id, r.entry_id): r for r in rows}
    assert {entry for _, entry in entries} == {
        "camera_dslr",
        "tripod",
        "drill",
        "printer_3d",
        "sewing_machine",
    }
    assert entries[("equipment", "drill")].label == "Bosch cordless drill"
    assert entries[("equipment", "sewing_machine")].active is False
    client = site.browser().client
    found = client.get(f"{LOAN}/recherche/item", params={"q": "photo"}).json()
    assert {r["label"] for r in found["results"]} == {"Canon EOS 250D camera", "Manfrotto tripod"}
    assert found["message"] == "2 result(s)"
    found = client.get(f"{LOAN}/recherche/item", params={"q": "BSH-GSR18"}).json()
    assert [r["id"] for r in found["results"]] == ["drill"]
    # An item out of the list (in repair) is neither offered nor accepted.
    assert client.get(f"{LOAN}/recherche/item", params={"q": "singer"}).json()["results"] == []
    assert (
        client.get(f"{LOAN}/recherche/item", params={"q": "a"})
        .json()["message"]
        .startswith("Type at least 2 characters")
    )


def test_an_item_out_of_the_list_is_refused(site: Any) -> None:
    browser = site.browser()
    browser.get(LOAN)
    page = browser.submit(LOAN_ANSWERS["member"])
    assert loan_step(page) == "item"
    page = browser.submit({"item": "sewing_machine"})
    assert page.status == 422
    assert error_of(page, "item") == "Choose an item of the list, or say that it is not there."


def test_dates_in_the_past_are_refused(site: Any) -> None:
    browser = site.browser()
    page = browser.get(LOAN)
    for step in LOAN_STEPS[:2]:
        page = browser.submit(LOAN_ANSWERS[step])
    assert loan_step(page) == "dates"
    page = browser.submit({"start_date": "2026-08-31", "return_date": "31/12/2026"})
    assert page.status == 422
    assert error_of(page, "start_date") == "Enter a date from 01/09/2026 on."
    assert page.value("start_date") == "2026-08-31"
    assert page.value("return_date") == "31/12/2026"


def test_a_return_date_before_the_pick_up_date_is_explained_not_a_server_error(
    site: Any,
) -> None:
    browser = site.browser()
    # The server's error comes back as a page instead of being raised in the test.
    browser.client = TestClient(
        site.app, base_url="http://testserver", raise_server_exceptions=False
    )
    page = browser.get(LOAN)
    late = {"start_date": "2026-09-20", "return_date": "2026-09-12"}
    for step in LOAN_STEPS:
        page = browser.submit({**LOAN_ANSWERS[step], **(late if step == "dates" else {})})
        assert page.status < 500, (step, page.status, page.text[:300])
    assert "The return date cannot be earlier than the pick-up date." in page.text
    assert "Request sent" not in page.text
    [request] = requests(site)
    assert request.state == "draft"
    assert request.submitted_at is None
    assert mails(site) == []


def test_the_two_workflows_keep_their_drafts_apart(site: Any) -> None:
    browser = site.browser()
    page = browser.get(LOAN)
    page = browser.submit(LOAN_ANSWERS["member"])
    assert loan_step(page) == "item"
    page = browser.get("/inscription/26C03S1")
    assert page.progress == "Étape 1 sur 9"
    page = browser.get(LOAN)
    assert loan_step(page) == "item"
    assert page.progress == "Step 2 of 4"
    assert {r.workflow_id for r in requests(site)} == {"equipment_loan"}


# -- the home page ----------------------------------------------------------------------------

SESSIONS = {
    "26C03S1": (
        "Transformer le patrimoine communal: stratégies et actions pour rénover, agrandir, "
        "mutualiser",
        "Du vendredi 2 octobre 2026, 11:00 au vendredi 2 octobre 2026, 12:15",
    ),
    "26C04S2": (
        "Les finances locales pour les nouveaux élus : comprendre et voter le budget",
        "Du vendredi 15 janvier 2027, 09:30 au vendredi 15 janvier 2027, 17:00",
    ),
    "26C05S1": (
        "Prendre la parole en public : conseils municipaux et réunions publiques",
        "Du vendredi 5 février 2027, 14:00 au vendredi 5 février 2027, 17:30",
    ),
}


def test_the_home_page_lists_the_sessions_and_the_loan_workflow(site: Any) -> None:
    browser = site.browser()
    page = browser.get("/")
    assert page.status == 200
    text = page.text
    assert "Inscription en ligne" in text and "Equipment loan" in text
    for code, (title, dates) in SESSIONS.items():
        link = page.soup.find("a", attrs={"href": f"/inscription/{code}"}, string=title)
        assert link is not None, code
        item = link.find_parent("li")
        assert item is not None
        assert dates in " ".join(item.get_text(" ").split())
        assert code in item.get_text()
        assert browser.client.get(f"/inscription/{code}").status_code == 200
    loan = page.soup.select(f'a[href="{LOAN}"]')
    assert len(loan) == 1
    assert browser.get(LOAN).progress == "Step 1 of 4"


def test_the_home_page_presents_the_french_sessions_in_french(site: Any) -> None:
    page = site.browser().get("/")
    items = page.soup.select("li.session-item")
    assert len(items) == len(SESSIONS)
    for item in items:
        text = " ".join(item.get_text(" ").split())
        assert effective_lang(item) == "fr", text[:80]
        assert "S'inscrire" in text, text
        assert re.search(r"\d+ place\(s\) restante\(s\)", text), text
        assert "Lieu :" in text, text

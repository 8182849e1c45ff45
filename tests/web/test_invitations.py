"""Invitations between workflows: a day after the session, each registered trainee of the
onboarding workflow is mailed, once, a link to the satisfaction questionnaire (a second
workflow, made of the spec alone); answered through the web, it shows in the summary of the
questionnaire's backoffice and in its CSV, and a second use of the link answers nothing twice."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from engine.store.models import RequestRow

from .backoffice import manager
from .browser import first_link
from .conftest import BASE_URL, Site
from .journey import mails
from .test_delivery import OPERATOR, confirm, fire, submitted
from .test_waiting_list import timer_round

# The demo session ends on 2 October 2026 at 12:15 in Paris (10:15 UTC); the invitation's
# delay is one day.
DAY_AFTER = datetime(2026, 10, 3, 10, 15, tzinfo=UTC)
ANSWERS = {
    "overall": "5",
    "content": "4",
    "trainer": "5",
    "logistics": "3",
    "recommend": "yes",
    "comments": "=SUM(A1:A9) Très bonne journée",
}


def registered(site: Site) -> str:
    request_id = submitted(site)
    confirm(site, request_id)
    for transition in ("validate_institution", "validate_operator", "validate_applicant"):
        fire(site, request_id, transition, OPERATOR)
    with site.db() as db:
        reference = db.get(RequestRow, request_id).reference
    assert reference
    return reference


def questionnaires(site: Site) -> list[RequestRow]:
    with site.db() as db:
        query = select(RequestRow).where(RequestRow.workflow_id == "satisfaction")
        return list(db.execute(query.order_by(RequestRow.id)).scalars())


def invitation_link(site: Site) -> str:
    [mail] = mails(site, "satisfaction_invitation")
    link = first_link(mail.text, rf"{BASE_URL}/questionnaire/reprendre/\S+")
    assert f'href="{link}"' in mail.html
    return link.removeprefix(BASE_URL)


def test_the_questionnaire_is_mailed_once_answered_once_and_summarised(site: Site) -> None:
    reference = registered(site)
    submitted(site)  # never confirmed: not invited
    site.clock.moment = DAY_AFTER.replace(hour=9)
    timer_round(site)
    assert mails(site, "satisfaction_invitation") == []
    assert questionnaires(site) == []

    site.clock.moment = DAY_AFTER
    timer_round(site)
    [mail] = mails(site, "satisfaction_invitation")
    assert mail.subject == "Session 26C03S1 : votre avis sur la formation"
    timer_round(site)
    site.clock.advance(days=3)
    timer_round(site)
    assert len(mails(site, "satisfaction_invitation")) == 1
    [draft] = questionnaires(site)
    assert draft.submitted_at is None
    assert draft.answers["session_code"] == "26C03S1"
    assert draft.answers["registration"] == reference

    # The questionnaire cannot be started without the link, and is not on the home page.
    stranger = site.browser()
    assert stranger.get("/questionnaire").status == 403
    assert "/questionnaire" not in stranger.get("/").text

    trainee = site.browser()
    page = trainee.get(invitation_link(site))
    assert page.status == 200
    assert "Votre avis sur la session" in page.heading()
    assert "26C03S1" in page.text and reference in page.text
    # What the form says of the given answers is ignored.
    page = trainee.submit({**ANSWERS, "session_code": "AUTRE", "registration": "X"})
    assert "Merci" in page.text, page.text[:500]
    [answered] = questionnaires(site)
    assert answered.state == "answered"
    assert answered.answers["session_code"] == "26C03S1"
    assert answered.answers["registration"] == reference
    assert answered.answers["overall"] == "5"

    # A second use of the link, in another browser, says it was answered: nothing new.
    again = site.browser().get(invitation_link(site))
    assert "Merci" in again.text
    assert [r.id for r in questionnaires(site)] == [answered.id]
    assert len(mails(site, "satisfaction_invitation")) == 1

    office = manager(site)
    summary = office.get("/backoffice/satisfaction/synthese?valeur=26C03S1")
    assert summary.status == 200
    assert "1 réponse(s)" in summary.text
    overall = summary.soup.select_one('[data-question="overall"]')
    assert overall is not None
    assert overall.select_one("[data-average]").get_text() == "5,00"
    rows = {
        tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in overall.select("tbody tr")
    }
    assert rows["5 — Très satisfait·e"] == "1"
    assert rows["1 — Pas du tout satisfait·e"] == "0"
    recommend = summary.soup.select_one('[data-question="recommend"]')
    assert "Oui1" in recommend.get_text("", strip=True).replace(" ", "")
    assert "Très bonne journée" in summary.text
    other = office.get("/backoffice/satisfaction/synthese?valeur=25X01")
    assert "0 réponse(s)" in other.text

    response = office.client.get("/backoffice/satisfaction/synthese/reponses.csv?valeur=26C03S1")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, [line] = table[0], table[1:]
    cells = dict(zip(header, line, strict=True))
    assert cells["Session"] == "26C03S1"
    assert cells["Demande d'inscription"] == reference
    assert cells["Dans l'ensemble, êtes-vous satisfait·e de cette session ?"].startswith("5")
    # A comment a spreadsheet would read as a formula is neutralised.
    assert cells["Vos remarques et suggestions"] == "'=SUM(A1:A9) Très bonne journée"

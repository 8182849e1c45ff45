"""The operator's side of requests, over HTTP on SQLite and PostgreSQL: the notification of a
confirmed request, the queue (tabs and counts, filters, search, sorting, pages), the request's
page (answers by step, reference entries, history, mails, documents), firing transitions with
their confirmation and comment, two operators at once, and bulk transitions where a spec
allows them."""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from app.factory import create_app, make_runtime
from engine.config import AppSettings
from engine.process.actors import Actor
from engine.service import request_list
from engine.service.catalog import sync_reference_lists
from engine.service.request_columns import queue_columns
from engine.service.requests import RequestService
from engine.service.seed import load_seed, read_seed
from engine.store.db import make_session_factory
from engine.store.models import (
    Account,
    DocumentRow,
    HistoryRow,
    Notification,
    OutboxMail,
    RequestRow,
)

from .backoffice import manager, staff_browser
from .browser import Browser, Page, form_values
from .conftest import PROJECT, Clock, Site, empty
from .journey import CODE
from .test_delivery import confirm, fire, submitted
from .test_page_structure import problems_of

QUEUE = "/backoffice/onboarding/demandes"
NOTIFICATIONS = "/backoffice/onboarding/notifications"
OPERATOR = Actor.user("gestion@hgi.example", {"registration_manager"})


# -- helpers ------------------------------------------------------------------------------------


def words(page: Page, selector: str) -> list[str]:
    return [" ".join(e.get_text(" ").split()) for e in page.soup.select(selector)]


def unread_badge(page: Page) -> str:
    """The unread counter beside "Notifications" in the frame's menu ('' when none)."""
    badge = page.soup.select_one(".bo-nav .badge--count")
    return badge.get_text(strip=True) if badge else ""


def tab_counts(page: Page) -> dict[str, int]:
    counts = {}
    for link in page.soup.select("ul.tabs a"):
        badge = link.select_one(".badge")
        label = " ".join(link.get_text(" ").split()).rsplit(" ", 1)[0]
        counts[label] = int(badge.get_text(strip=True)) if badge else -1
    return counts


def current_tab(page: Page) -> str:
    link = page.soup.select_one('ul.tabs a[aria-current="page"]')
    return " ".join(link.get_text(" ").split()).rsplit(" ", 1)[0] if link else ""


def queue_range(page: Page) -> str:
    found = page.soup.select_one(".queue-range")
    return " ".join(found.get_text().split()) if found else ""


def queue_rows(page: Page) -> list[dict[str, str]]:
    rows = []
    for tr in page.soup.select("table.data-table tbody tr"):
        cells = [" ".join(td.get_text(" ").split()) for td in tr.find_all("td")]
        link = tr.find("a")
        if tr.find("input", attrs={"type": "checkbox"}) is not None or len(cells) == 6:
            cells = cells[1:]
        rows.append(
            {
                "reference": cells[0],
                "applicant": cells[1],
                "session": cells[2],
                "state": cells[3],
                "submitted": cells[4],
                "href": str(link["href"]) if link else "",
            }
        )
    return rows


def references(page: Page) -> list[str]:
    return [row["reference"] for row in queue_rows(page)]


def action_form(page: Page, transition: str) -> Any:
    for form in page.soup.select("form[method=post]"):
        if str(form.get("action", "")).endswith(f"/transitions/{transition}"):
            return form
    raise AssertionError(f"no button for {transition}: {actions(page)}")


def actions(page: Page) -> list[str]:
    """The transitions offered, enabled ones as their label, disabled ones in brackets."""
    found = []
    for card in page.soup.select("#actions-title ~ *"):
        button = card.find("button")
        if button is None:
            continue
        label = " ".join(button.get_text().split())
        found.append(f"[{label}]" if button.has_attr("disabled") else label)
    return found


def fire_on_page(
    browser: Browser, transition: str, typed: dict[str, str] | None = None, *, confirm: bool = True
) -> Page:
    """Presses a transition's button on the request page shown, as a person would: with the
    version the page holds, the comment typed and the confirmation box ticked."""
    assert browser.page is not None
    form = action_form(browser.page, transition)
    values = form_values(form)
    if form.find("input", attrs={"name": "_confirme"}) is not None and confirm:
        values["_confirme"] = ["oui"]
    elif not confirm:
        values.pop("_confirme", None)
    for name, value in (typed or {}).items():
        values[name] = [value]
    browser.page = Page(browser.client.post(str(form["action"]), data=values))
    return browser.page


def state_of(site: Site, request_id: int) -> str:
    with site.db() as db:
        return db.get(RequestRow, request_id).state


def history_count(site: Site, request_id: int, transition: str) -> int:
    with site.db() as db:
        return int(
            db.execute(
                select(func.count(HistoryRow.id)).where(
                    HistoryRow.request_id == request_id, HistoryRow.transition == transition
                )
            ).scalar_one()
        )


def mail_templates(site: Site, request_id: int) -> list[str]:
    with site.db() as db:
        return list(
            db.execute(
                select(OutboxMail.template)
                .where(OutboxMail.request_id == request_id)
                .order_by(OutboxMail.id)
            ).scalars()
        )


def reference_of(site: Site, request_id: int) -> str:
    with site.db() as db:
        return str(db.get(RequestRow, request_id).reference)


def copies(site: Site, request_id: int, count: int, **changes: Any) -> list[str]:
    """`count` more requests like this one (written directly: fast), each with its own
    reference and applicant, submitted a minute apart from the clock's time on, in the state
    given (default: the same)."""
    made = []
    with site.db() as db:
        model = db.get(RequestRow, request_id)
        compiled = site.runtime.registry.get("onboarding")
        for n in range(count):
            answers = {
                **model.answers,
                "first_name": f"Prénom{n:02d}",
                "last_name": f"Nom{n:02d}",
                "email": f"personne{n:02d}@exemple.fr",
            }
            reference = f"{CODE}-9{n:03d}"
            columns = queue_columns(compiled, answers, reference)
            row = RequestRow(
                public_id=str(uuid.uuid4()),
                reference=reference,
                workflow_id="onboarding",
                spec_hash=model.spec_hash,
                state=changes.get("state", model.state),
                state_entered_at=model.state_entered_at,
                session_code=model.session_code,
                answers=answers,
                locale="fr",
                applicant_email=answers["email"],
                created_at=model.created_at,
                updated_at=model.updated_at,
                submitted_at=site.clock.now() + timedelta(minutes=n + 1),
                applicant_name=columns.applicant_name,
                search_text=columns.search_text,
                facets=columns.facets,
            )
            db.add(row)
            made.append(reference)
        db.commit()
    return made


# -- the operator's journey ---------------------------------------------------------------------


def test_an_operator_takes_a_request_from_notification_to_registration(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    reference = reference_of(site, request_id)
    assert reference == f"{CODE}-0001"
    browser = manager(site)

    # The notification of the confirmed address, counted in the frame, marked until read.
    page = browser.get(QUEUE)
    assert page.status == 200
    assert unread_badge(page) == "1"
    page = browser.get(NOTIFICATIONS)
    assert page.status == 200
    [item] = page.soup.select("ol.timeline li")
    text = " ".join(item.get_text(" ").split())
    assert "Non lue" in text
    assert f"Adresse confirmée : demande {reference} de Camille Martin" in text
    link = item.find("a")
    assert link is not None and link["href"] == f"{QUEUE}/{reference}"
    assert unread_badge(page) == ""  # read by viewing it
    page = browser.get(NOTIFICATIONS)
    assert "Non lue" not in page.text and unread_badge(page) == ""
    # Another manager still has it unread: reading is personal.
    other = staff_browser(site, "gestion2@hgi.example", ["registration_manager"])
    assert unread_badge(other.get(QUEUE)) == "1"

    # The queue: the request under "all" and under its category, with the counts.
    page = browser.get(QUEUE)
    counts = tab_counts(page)
    assert counts["Toutes"] == 1 and counts["En cours"] == 1
    assert counts["Brouillons"] == 0 and counts["À confirmer"] == 0 and counts["Clos"] == 0
    assert current_tab(page) == "Toutes"
    assert queue_range(page) == "1–1 sur 1"
    [row] = queue_rows(page)
    assert row["reference"] == reference
    assert row["applicant"] == "Camille Martin camille.martin@example.org"
    assert row["session"] == CODE
    assert row["state"] == "Courriel confirmé — bulletin en attente de signature"
    assert row["submitted"] == "01/09/2026 10:00"  # 08:00 UTC, in Paris
    page = browser.get(f"{QUEUE}?onglet=in_progress")
    assert current_tab(page) == "En cours" and references(page) == [reference]
    page = browser.get(f"{QUEUE}?onglet=pending")
    assert references(page) == [] and "Aucune demande ne correspond" in page.text

    # The request's page: answers by step, the organisation, the history, mails, document.
    page = browser.get(row["href"])
    assert page.status == 200, page.text[:300]
    assert page.heading() == f"Demande {reference}"
    steps = words(page, "#answers-title ~ h3")
    assert steps[:4] == [
        "Choisir une action",
        "Mode de financement",
        "Établissement",
        "Informations sur le stagiaire",
    ]
    text = page.text
    for shown in (
        "Prénom Camille",
        "Nom de famille Martin",
        "Méthode de financement Financement par ma collectivité",
        "Je trouve ma collectivité Ville de Lyon",
        "Avez-vous des contraintes alimentaires ? Non",
    ):
        assert shown in text, shown
    # The organisation's entry with its values (bare choices are in the answers already).
    assert words(page, "#entries-title ~ .card h3") == ["Collectivité : Ville de Lyon"]
    assert "Statut Référencé" in text
    assert "Courriel de l'instance de validation formation-elus@lyon.example" in text
    history = words(page, "#history-title ~ ol li")
    assert len(history) == 2
    assert "Brouillon → En attente de confirmation du courriel" in history[0]
    assert "le demandeur" in history[0]
    assert "01/09/2026 10:00" in history[0]
    assert "En attente de confirmation du courriel → Courriel confirmé" in history[1]
    assert "lien envoyé par courriel" in history[1]
    mails = words(page, "#mails-title ~ .table-wrap tbody tr")
    assert [m.split(" ")[2] for m in mails] == [
        "confirm_email",
        "session_details",
        "institution_validation",
    ]
    assert all("en file" in m for m in mails)
    assert "formation-elus@lyon.example" in mails[2] and "copie : admin@hgi.example" in mails[2]
    [document] = page.soup.select("#documents-title ~ ul a")
    assert document.get_text(strip=True) == f"Télécharger bulletin-inscription-{reference}.pdf"
    pdf = browser.client.get(str(document["href"]))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="bulletin-inscription-{reference}.pdf"' in pdf.headers["content-disposition"]
    assert pdf.content.startswith(b"%PDF-")
    assert actions(page) == [
        "Instance de validation : bulletin signé reçu",
        "Demander des corrections au demandeur",
        "Annuler la demande",
        "Refuser la demande",
    ]
    assert problems_of(page) == []

    # Validated by the institution, then by the operator (the account), then final.
    page = fire_on_page(browser, "validate_institution")
    assert page.status == 200 and page.url.endswith(f"/demandes/{reference}")
    assert "« Instance de validation : bulletin signé reçu » : c'est fait." in page.text
    assert page.soup.select_one("#request-state").get_text() == (
        "Validée par l'instance de validation"
    )
    last = words(page, "#history-title ~ ol li")[-1]
    assert "Courriel confirmé — bulletin en attente de signature → Validée par" in last
    assert "gestion@hgi.example (Gestionnaire d'inscriptions locales)" in last
    assert state_of(site, request_id) == "institution_validated"

    page = fire_on_page(browser, "validate_operator")
    assert state_of(site, request_id) == "operator_validated"
    with site.db() as db:
        account = db.execute(
            select(Account).where(Account.email == "camille.martin@example.org")
        ).scalar_one()
        assert db.get(RequestRow, request_id).account_id == account.id
        assert account.roles == []
    assert mail_templates(site, request_id)[-1] == "account_created"
    assert any("account_created" in m for m in words(page, "#mails-title ~ .table-wrap tr"))

    page = fire_on_page(browser, "validate_applicant")
    assert state_of(site, request_id) == "registered"
    assert page.soup.select_one("#request-state").get_text() == "Inscription définitive"
    assert actions(page) == []
    assert "Aucune action ne vous est possible" in page.text
    assert mail_templates(site, request_id)[-1] == "registration_confirmed"
    counts = tab_counts(browser.get(QUEUE))
    assert counts["Inscrits"] == 1 and counts["En cours"] == 0 and counts["Toutes"] == 1


def test_a_rejection_asks_for_its_reason_and_a_confirmation(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    reference = reference_of(site, request_id)
    browser = manager(site)
    page = browser.get(f"{QUEUE}/{reference}")
    form = action_form(page, "reject")
    assert "Refuser cette demande d'inscription\xa0?" in form.get_text()
    assert form.find("textarea", attrs={"name": "comment"}).has_attr("aria-required")

    page = fire_on_page(browser, "reject", {"comment": "   "})
    assert page.status == 422
    assert "Le champ « Motif du refus » est obligatoire." in page.text
    assert page.title.startswith("Erreur")
    assert problems_of(page) == []
    assert state_of(site, request_id) == "email_confirmed"
    assert history_count(site, request_id, "reject") == 0

    page = fire_on_page(browser, "reject", {"comment": "Session réservée aux élus."}, confirm=False)
    assert page.status == 422
    assert "Cochez « Je confirme » pour effectuer cette action." in page.text
    # What was typed is kept.
    assert page.soup.find(id="comment-reject").get_text() == "Session réservée aux élus."
    assert problems_of(page) == []
    assert state_of(site, request_id) == "email_confirmed"

    page = fire_on_page(browser, "reject", {"comment": "Session réservée aux élus."})
    assert page.status == 200
    assert state_of(site, request_id) == "rejected"
    last = words(page, "#history-title ~ ol li")[-1]
    assert "Courriel confirmé — bulletin en attente de signature → Refusée" in last
    assert "Commentaire : « Session réservée aux élus. »" in last
    assert mail_templates(site, request_id)[-1] == "rejected"
    with site.db() as db:
        mail = db.execute(select(OutboxMail).where(OutboxMail.template == "rejected")).scalar_one()
        assert "Session réservée aux élus." in mail.text


def test_cancelling_takes_an_optional_message(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    browser = manager(site)
    browser.get(f"{QUEUE}/{reference_of(site, request_id)}")
    page = fire_on_page(browser, "cancel_by_operator")  # no message: fine
    assert page.status == 200 and state_of(site, request_id) == "cancelled"
    assert tab_counts(browser.get(QUEUE))["Clos"] == 1


def test_a_blocked_transition_is_shown_disabled_with_its_reason(site: Site) -> None:
    request_id = submitted(site)
    # On the waiting list of a full session: the seat_available transition waits for a seat.
    with site.db() as db:
        row = db.get(RequestRow, request_id)
        row.state = "waiting_list"
        db.commit()
    copies(site, request_id, 25, state="registered")  # the session's 25 seats taken
    browser = manager(site)
    page = browser.get(f"{QUEUE}/{reference_of(site, request_id)}")
    assert "[Place disponible : reprendre la demande]" in actions(page)
    assert "La session est complète." in page.text
    assert problems_of(page) == []


def test_two_operators_pressing_the_same_button_change_the_request_once(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    reference = reference_of(site, request_id)
    first = manager(site)
    second = staff_browser(site, "admin@hgi.example", ["admin"])
    for browser in (first, second):
        browser.get(f"{QUEUE}/{reference}")
    page = fire_on_page(first, "validate_institution")
    assert page.status == 200 and "c'est fait" in page.text
    page = fire_on_page(second, "validate_institution")  # the same version, seen before
    assert page.status == 409
    assert "Quelqu'un d'autre a modifié cette demande" in page.text
    assert "rien n'a été appliqué" in page.text
    assert page.soup.select_one("#request-state").get_text() == (
        "Validée par l'instance de validation"
    )
    assert history_count(site, request_id, "validate_institution") == 1
    assert mail_templates(site, request_id).count("not_yet_validated") == 1
    # The page shown is the current one: what the second operator may do now.
    assert "Validation HGI : créer le compte du stagiaire" in actions(page)


def test_two_operators_at_the_same_moment_create_one_account(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    fire(site, request_id, "validate_institution", OPERATOR)
    reference = reference_of(site, request_id)
    browsers = [manager(site), staff_browser(site, "admin@hgi.example", ["admin"])]
    for browser in browsers:
        browser.get(f"{QUEUE}/{reference}")
    posts = []
    for browser in browsers:
        form = action_form(browser.page, "validate_operator")
        posts.append((browser, str(form["action"]), form_values(form)))
    start = threading.Barrier(len(posts))
    statuses: list[int] = []
    texts: list[str] = []

    def press(browser: Browser, action: str, values: dict[str, list[str]]) -> None:
        start.wait()
        response = browser.client.post(action, data=values)
        statuses.append(response.status_code)
        texts.append(Page(response).text)

    threads = [threading.Thread(target=press, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409], statuses
    assert any("Quelqu'un d'autre a modifié cette demande" in t for t in texts)
    assert state_of(site, request_id) == "operator_validated"
    assert history_count(site, request_id, "validate_operator") == 1
    assert mail_templates(site, request_id).count("account_created") == 1
    with site.db() as db:
        accounts = db.execute(
            select(func.count(Account.id)).where(Account.email == "camille.martin@example.org")
        ).scalar_one()
    assert accounts == 1


# -- the queue ----------------------------------------------------------------------------------


def test_filters_search_sorting_and_pages(site: Site) -> None:
    camille = submitted(site)
    confirm(site, camille)
    site.clock.advance(hours=1)
    elodie = submitted(
        site,
        {
            "funding": {"funding_method": "personal"},
            "establishment": {"establishment": "grenoble"},
            "trainee": {
                "first_name": "Élodie",
                "last_name": "Dupré",
                "email": "elodie.dupre@example.org",
                "email__confirm": "elodie.dupre@example.org",
            },
        },
    )
    elodie_reference = reference_of(site, elodie)
    site.clock.advance(hours=1)
    made = copies(site, camille, 58, state="awaiting_email_confirmation")
    browser = manager(site)

    page = browser.get(QUEUE)
    assert queue_range(page) == "1–50 sur 60"
    assert tab_counts(page)["À confirmer"] == 59
    assert problems_of(page) == []
    # Newest first: the copies (submitted after Camille's, a minute apart), Élodie, Camille.
    assert references(page)[0] == made[-1]
    nav = page.soup.select_one("nav.pagination")
    assert "Page 1 sur 2" in nav.get_text()
    page = browser.get(str(nav.find("a", rel="next")["href"]))
    assert queue_range(page) == "51–60 sur 60"
    assert references(page)[-2:] == [elodie_reference, f"{CODE}-0001"]
    page = browser.get(f"{QUEUE}?page=99")  # past the end: the last page
    assert queue_range(page) == "51–60 sur 60"

    # Sorting.
    page = browser.get(f"{QUEUE}?tri=reference&ordre=asc")
    assert references(page)[:2] == [f"{CODE}-0001", elodie_reference]
    page = browser.get(f"{QUEUE}?tri=reference")
    assert references(page)[0] == made[-1]
    page = browser.get(f"{QUEUE}?tri=etat&ordre=asc")
    assert queue_rows(page)[0]["state"] == "En attente de confirmation du courriel"
    page = browser.get(f"{QUEUE}?tri=etat&ordre=desc")
    assert references(page)[0] == f"{CODE}-0001"  # "email confirmed" comes after
    header = page.soup.select_one('th[aria-sort="descending"]')
    assert header is not None and "État" in header.get_text()
    # Last pages are read from the other end: the same rows, in the same order.
    page = browser.get(f"{QUEUE}?tri=etat&ordre=asc&page=2")
    assert references(page) == [*reversed(made[:8]), elodie_reference, f"{CODE}-0001"]
    page = browser.get(f"{QUEUE}?tri=reference&ordre=asc&page=2")
    assert references(page) == made[-10:]
    page = browser.get(f"{QUEUE}?page=2")
    assert references(page) == [*reversed(made[:8]), elodie_reference, f"{CODE}-0001"]

    # Filters: a reference list field's entry, another one's, the session, the dates.
    page = browser.get(f"{QUEUE}?f_establishment=grenoble")
    assert references(page) == [elodie_reference]
    select_ = page.soup.find("select", attrs={"name": "f_establishment"})
    assert select_.find("option", selected=True).get_text() == "Ville de Grenoble"
    assert select_.find_previous("label").get_text(strip=True) == "Collectivité"
    page = browser.get(f"{QUEUE}?f_funding_method=personal")
    assert references(page) == [elodie_reference]
    page = browser.get(f"{QUEUE}?f_funding_method=establishment&f_establishment=ville_lyon")
    assert queue_range(page) == "1–50 sur 59"
    page = browser.get(f"{QUEUE}?session={CODE}")
    assert queue_range(page) == "1–50 sur 60"
    page = browser.get(f"{QUEUE}?session=AUTRE")
    assert references(page) == []
    page = browser.get(f"{QUEUE}?au=2026-08-31")
    assert references(page) == []
    page = browser.get(f"{QUEUE}?du=01/09/2026&au=01/09/2026")
    assert queue_range(page) == "1–50 sur 60"
    page = browser.get(f"{QUEUE}?du=31/02/2026")
    assert "Date non reconnue : « 31/02/2026 »" in page.text
    assert queue_range(page) == "1–50 sur 60"
    # The filters and the tab combine; the tabs count what the filters keep.
    page = browser.get(f"{QUEUE}?onglet=in_progress&f_establishment=ville_lyon")
    assert references(page) == [f"{CODE}-0001"]
    assert tab_counts(page)["À confirmer"] == 58 and tab_counts(page)["En cours"] == 1
    page = browser.get(f"{QUEUE}?onglet=in_progress&etat=email_confirmed")
    assert references(page) == [f"{CODE}-0001"]

    # Search: names without accents or capitals, e-mail, reference.
    for typed in ("dupre", "DUPRÉ", "élodie dupré", "elodie.dupre@example.org", "Dupr"):
        page = browser.get(f"{QUEUE}?q={typed}")
        assert references(page) == [elodie_reference], typed
        assert page.value("q") == typed
    page = browser.get(f"{QUEUE}?q={elodie_reference}")
    assert references(page) == [elodie_reference]
    page = browser.get(f"{QUEUE}?q={elodie_reference.lower()}")
    assert references(page) == [elodie_reference]
    page = browser.get(f"{QUEUE}?q=Nom0")
    assert queue_range(page) == "1–10 sur 10"
    page = browser.get(f"{QUEUE}?q=personne")
    assert queue_range(page) == "1–50 sur 58"
    page = browser.get(f"{QUEUE}?q=zorglub")
    assert references(page) == [] and "Aucune demande ne correspond" in page.text
    # LIKE's wildcards are plain characters in a filter: they match nothing.
    page = browser.get(f"{QUEUE}?f_establishment=ville%25")
    assert references(page) == []
    page = browser.get(f"{QUEUE}?f_establishment=ville_lyo_")
    assert references(page) == []


def test_the_filter_form_and_links_work_without_javascript(site: Site) -> None:
    camille = submitted(site)
    copies(site, camille, 3)
    browser = manager(site)
    page = browser.get(QUEUE)
    form = page.soup.select_one("form[method=get]")
    assert form is not None and form["action"] == QUEUE
    names = {e.get("name") for e in form.find_all(["input", "select"])}
    assert {"q", "etat", "session", "du", "au", "tri", "ordre"} <= names
    assert {"f_funding_method", "f_establishment", "f_mandate"} <= names
    values = form_values(form)
    values["q"] = ["nom01"]
    page = Page(browser.client.get(QUEUE, params=values))
    assert references(page) == [f"{CODE}-9001"]
    # The tab links keep the search; the reset link drops it.
    link = page.soup.select_one("ul.tabs a")
    assert "q=nom01" in link["href"]
    reset = page.soup.find("a", string=re.compile("Effacer les filtres"))
    assert "q=" not in reset["href"]


def test_next_and_previous_walk_from_row_to_row_in_every_order(site: Site) -> None:
    camille = submitted(site)
    confirm(site, camille)  # another state, for the sort by state
    site.clock.advance(hours=1)
    copies(site, camille, 119, state="awaiting_email_confirmation")
    browser = manager(site)
    orders = (
        "",
        "ordre=asc",
        "tri=reference&ordre=asc",
        "tri=reference",
        "tri=etat",
        "tri=etat&ordre=asc",
    )
    for order in orders:
        by_offset = [references(browser.get(f"{QUEUE}?{order}&page={n}")) for n in (1, 2, 3)]
        assert len({r for rows in by_offset for r in rows}) == 120, order
        page = browser.get(f"{QUEUE}?{order}")
        walked = [references(page)]
        for _ in range(2):
            link = str(page.soup.select_one("nav.pagination a[rel=next]")["href"])
            assert "apres=" in link
            page = browser.get(link)
            walked.append(references(page))
        assert walked == by_offset, order
        assert queue_range(page) == "101–120 sur 120"
        page = browser.get(str(page.soup.select_one("nav.pagination a[rel=prev]")["href"]))
        assert references(page) == by_offset[1] and queue_range(page) == "51–100 sur 120"
    # A request arriving meanwhile does not push the next page back onto rows already seen.
    page = browser.get(QUEUE)
    second = references(browser.get(f"{QUEUE}?page=2"))
    site.clock.advance(hours=3)  # after the copies, a minute apart
    newest = reference_of(site, submitted(site))
    browser = staff_browser(site, "gestion@hgi.example")  # signed in again after 3 hours
    assert references(browser.get(QUEUE))[0] == newest
    page = browser.get(str(page.soup.select_one("nav.pagination a[rel=next]")["href"]))
    assert references(page) == second


def badges(page: Page) -> dict[str, str]:
    """Each tab's count as shown ('' when the tab shows none)."""
    found = {}
    for link in page.soup.select("ul.tabs a"):
        badge = link.select_one(".badge")
        shown = " ".join(badge.get_text(" ").split()) if badge else ""
        label = " ".join(link.get_text(" ").split())
        found[label.removesuffix(shown).strip()] = shown
    return found


def pager_text(page: Page) -> str:
    nav = page.soup.select_one("nav.pagination")
    return " ".join(nav.get_text(" ").split()) if nav else ""


def test_a_filter_keeping_more_than_the_cap_says_more_than(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_list, "COUNT_CAP", 60)
    camille = submitted(site)
    confirm(site, camille)  # "En cours"; the copies wait for their confirmation
    site.clock.advance(hours=1)
    made = copies(site, camille, 70, state="awaiting_email_confirmation")
    browser = manager(site)

    # Without a filter the counts are exact, whatever their size.
    page = browser.get(QUEUE)
    assert queue_range(page) == "1–50 sur 71"
    assert badges(page)["Toutes"] == "71" and badges(page)["À confirmer"] == "70"

    # Under the cap: exact.
    page = browser.get(f"{QUEUE}?q=Nom0")
    assert queue_range(page) == "1–10 sur 10"
    assert badges(page)["À confirmer"] == "10" and badges(page)["En cours"] == "0"

    # Over it: "plus de 60", no last page; "next" goes on while pages are full.
    page = browser.get(f"{QUEUE}?q=personne")
    assert queue_range(page) == "1–50 sur plus de 60"
    assert badges(page)["Toutes"] == "plus de 60"
    assert badges(page)["À confirmer"] == "plus de 60"  # every request found is there
    assert badges(page)["En cours"] == ""  # not counted
    assert references(page) == made[::-1][:50]
    assert pager_text(page) == "Page 1 Page suivante ›"
    page = browser.get(str(page.soup.select_one("nav.pagination a[rel=next]")["href"]))
    assert queue_range(page) == "51–70 sur plus de 60"
    assert references(page) == made[::-1][50:]
    assert page.soup.select_one("nav.pagination a[rel=next]") is None
    assert "Page 2" in pager_text(page) and "sur" not in pager_text(page)

    # The current tab is counted on its own, exactly when it can be.
    page = browser.get(f"{QUEUE}?onglet=in_progress&f_funding_method=establishment")
    assert queue_range(page) == "1–1 sur 1" and badges(page)["En cours"] == "1"
    assert badges(page)["Toutes"] == "plus de 60"
    page = browser.get(f"{QUEUE}?onglet=pending&f_funding_method=establishment")
    assert queue_range(page) == "1–50 sur plus de 60"

    # Sorted by state over the cap: the pages by number and by "next" are the same rows.
    order = "f_funding_method=establishment&tri=etat&ordre=asc"
    by_number = [references(browser.get(f"{QUEUE}?{order}&page={n}")) for n in (1, 2)]
    assert len({r for rows in by_number for r in rows}) == 71
    page = browser.get(f"{QUEUE}?{order}")
    link = str(page.soup.select_one("nav.pagination a[rel=next]")["href"])
    assert [references(page), references(browser.get(link))] == by_number


def test_a_page_too_far_from_both_ends_opens_the_nearest_one(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_list, "REACH", 50)  # a page from either end
    monkeypatch.setattr(request_list, "COUNT_CAP", 60)
    camille = submitted(site)
    site.clock.advance(hours=1)
    copies(site, camille, 299)
    browser = manager(site)
    walked = [browser.get(QUEUE)]
    for _ in range(5):
        link = walked[-1].soup.select_one("nav.pagination a[rel=next]")
        walked.append(browser.get(str(link["href"])))
    assert queue_range(walked[3]) == "151–200 sur 300"  # page 4, reached by "next"
    assert "Page 4 sur 6" in pager_text(walked[3])

    for typed, shown in ((2, 2), (3, 2), (4, 5), (5, 5), (6, 6)):
        page = browser.get(f"{QUEUE}?page={typed}")
        assert references(page) == references(walked[shown - 1]), typed
        assert f"Page {shown} sur 6" in pager_text(page)
        notice = f"La page {typed} est trop loin du début et de la fin de la liste"
        assert (notice in page.text) == (typed != shown), typed
    page = browser.get(f"{QUEUE}?page=3")
    assert "voici la page 2" in page.text
    page = browser.get(str(page.soup.select_one("nav.pagination a[rel=next]")["href"]))
    assert references(page) == references(walked[2])

    # Under a filter over the cap, a page is reached by its number within the cap.
    page = browser.get(f"{QUEUE}?q=personne&page=2")
    assert queue_range(page) == "51–100 sur plus de 60"
    page = browser.get(f"{QUEUE}?q=personne&page=3")
    assert "voici la page 2" in page.text and queue_range(page) == "51–100 sur plus de 60"


def test_drafts_have_their_own_tab_and_page(site: Site) -> None:
    with site.db() as db:
        service = RequestService(db, site.runtime)
        draft = service.new_draft(site.runtime.registry.get("onboarding"), CODE)
        draft.row.answers = {**draft.row.answers, "first_name": "Anaïs", "last_name": "Brouillon"}
        db.commit()
        public_id = draft.row.public_id
    browser = manager(site)
    page = browser.get(QUEUE)
    assert tab_counts(page)["Brouillons"] == 1 and tab_counts(page)["Toutes"] == 0
    page = browser.get(f"{QUEUE}?onglet=drafts")
    [row] = queue_rows(page)
    assert row["reference"] == "(brouillon)" and row["applicant"] == "Anaïs Brouillon"
    page = browser.get(row["href"])
    assert page.status == 200 and page.heading() == "Brouillon de demande"
    assert public_id in page.url and actions(page) == []


def test_unknown_requests_and_documents_are_not_found(site: Site) -> None:
    first = submitted(site)
    confirm(site, first)
    second = submitted(site)
    browser = manager(site)
    page = browser.get(f"{QUEUE}/{CODE}-4242")
    assert page.status == 404 and "Cette demande n'existe pas." in page.text
    with site.db() as db:
        [document] = db.execute(select(DocumentRow.id)).scalars().all()
    # The document belongs to the first request, not the second.
    response = browser.client.get(f"{QUEUE}/{reference_of(site, second)}/documents/{document}")
    assert response.status_code == 404
    response = browser.client.get(f"{QUEUE}/{reference_of(site, first)}/documents/{document}")
    assert response.status_code == 200
    response = browser.client.get(f"{QUEUE}/{reference_of(site, first)}/documents/{document + 1}")
    assert response.status_code == 404
    # Another workflow's address does not show this workflow's requests.
    response = browser.client.get(
        f"/backoffice/equipment_loan/demandes/{reference_of(site, first)}"
    )
    assert response.status_code == 403  # the manager has no role there


def test_a_transition_posted_without_the_form_token_is_refused(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    reference = reference_of(site, request_id)
    browser = manager(site)
    page = browser.get(f"{QUEUE}/{reference}")
    values = form_values(action_form(page, "validate_institution"))
    values["_csrf"] = ["forged"]
    response = browser.client.post(
        f"{QUEUE}/{reference}/transitions/validate_institution", data=values
    )
    assert response.status_code == 400
    assert state_of(site, request_id) == "email_confirmed"
    # A transition this role may not fire (the applicant's own) is refused too.
    values = form_values(action_form(page, "validate_institution"))
    response = browser.client.post(
        f"{QUEUE}/{reference}/transitions/cancel_by_applicant", data=values
    )
    assert response.status_code == 403
    assert "Vos rôles ne vous permettent pas cette action." in response.text
    assert state_of(site, request_id) == "email_confirmed"


def test_the_queue_of_the_other_workflow_comes_from_its_spec(site: Site) -> None:
    browser = staff_browser(site, "librarian@makerspace.example", ["librarian"])
    page = browser.get("/backoffice/equipment_loan/demandes")
    assert page.status == 200
    assert page.soup.find("html")["lang"] == "en"
    assert list(tab_counts(page)) == [
        "All",
        "Drafts",
        "To review",
        "Ongoing loans",
        "Late",
        "Closed",
    ]
    assert page.soup.find("label", attrs={"for": "queue-f_item"}).get_text() == "Item"
    assert "No request matches." in page.text


# -- bulk transitions ---------------------------------------------------------------------------


@pytest.fixture
def bulk_site(database: Engine, tmp_path: Path) -> Site:
    """The product with a copy of the project where two transitions allow bulk firing."""
    project = tmp_path / "project"
    for folder in ("workflows", "forms", "mail_templates", "pdf_layouts"):
        shutil.copytree(PROJECT / folder, project / folder)
    spec = project / "workflows" / "onboarding.yaml"
    text = spec.read_text(encoding="utf-8")
    for transition in ("validate_institution", "reject"):
        text = text.replace(
            f"    - id: {transition}\n", f"    - id: {transition}\n      bulk: true\n"
        )
    spec.write_text(text, encoding="utf-8")
    clock = Clock()
    settings = AppSettings(
        project_dir=project,
        data_dir=tmp_path,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
    )
    runtime = make_runtime(settings)
    runtime.now = clock.now
    runtime.signer = type(runtime.signer)(runtime.signer.secret, clock=clock.timestamp)
    from engine.service.setup import prepare_database

    prepare_database(database, runtime.registry)
    empty(database)
    with make_session_factory(database)() as db:
        for compiled in runtime.registry.current.values():
            runtime.registry.remember(db, compiled)
            sync_reference_lists(db, compiled)
        load_seed(
            db, runtime.registry, read_seed(PROJECT / "demo" / "onboarding.yaml"),
            settings.zone,
            today=clock.moment.date(),
        )
        db.commit()
    app = create_app(settings, runtime=runtime, engine=database)
    return Site(app, database, clock, settings, runtime)


def test_bulk_transitions_fire_each_request_with_its_own_version(bulk_site: Site) -> None:
    site = bulk_site
    ids = [submitted(site) for _ in range(4)]
    for request_id in ids[:3]:
        confirm(site, request_id)
    refs = [reference_of(site, i) for i in ids]
    browser = manager(site)
    page = browser.get(QUEUE)
    assert problems_of(page) == []
    options = words(page, "select[name=transition] option")
    assert options == ["Instance de validation : bulletin signé reçu", "Refuser la demande"]
    boxes = {
        str(i["value"]).rsplit(":", 1)[0]: str(i["value"])
        for i in page.soup.select("input[name=selection]")
    }
    # No box for the 4th: no bulk transition leaves its state. Post it all the same.
    assert set(boxes) == set(refs[:3])
    with site.db() as db:
        boxes[refs[3]] = f"{refs[3]}:{db.get(RequestRow, ids[3]).version}"
    # Meanwhile, another operator validates the second request.
    fire(site, ids[1], "validate_institution", OPERATOR)

    form = page.soup.select_one(f"form[action='{QUEUE}/lot']")
    values = form_values(form)
    values["selection"] = [boxes[r] for r in refs]
    values["transition"] = ["validate_institution"]
    page = Page(browser.client.post(f"{QUEUE}/lot", data=values))
    assert page.status == 200
    assert page.heading() == "Action groupée"
    assert (
        "Appliquer « Instance de validation : bulletin signé reçu » à 4 demande(s) ?" in page.text
    )
    assert problems_of(page) == []
    confirm_form = page.soup.select_one(f"form[action='{QUEUE}/lot']")
    page = Page(browser.client.post(f"{QUEUE}/lot", data=form_values(confirm_form)))
    assert page.status == 200
    report = " ".join(page.soup.select_one("#bulk-report").get_text(" ").split())
    assert "Effectuée pour 2 demande(s)" in report
    assert "Refusée pour 2 demande(s)" in report
    assert f"{refs[1]} : Quelqu'un d'autre a modifié cette demande" in report
    assert (
        f"{refs[3]} : La demande est à l'état « En attente de confirmation du courriel » : "
        "cette action n'y est pas possible." in report
    )
    assert [state_of(site, i) for i in ids] == [
        "institution_validated",
        "institution_validated",
        "institution_validated",
        "awaiting_email_confirmation",
    ]
    assert [history_count(site, i, "validate_institution") for i in ids] == [1, 1, 1, 0]
    # Posting the same confirmation again changes nothing (each version is used up).
    page = Page(browser.client.post(f"{QUEUE}/lot", data=form_values(confirm_form)))
    assert "Effectuée pour" not in page.text and "Refusée pour 4 demande(s)" in page.text
    assert [history_count(site, i, "validate_institution") for i in ids] == [1, 1, 1, 0]


def test_a_bulk_rejection_asks_for_its_reason(bulk_site: Site) -> None:
    site = bulk_site
    ids = [submitted(site) for _ in range(2)]
    for request_id in ids:
        confirm(site, request_id)
    browser = manager(site)
    page = browser.get(f"{QUEUE}?onglet=in_progress")
    form = page.soup.select_one(f"form[action='{QUEUE}/lot']")
    values = form_values(form)
    values["selection"] = [str(i["value"]) for i in page.soup.select("input[name=selection]")]
    values["transition"] = ["reject"]
    page = Page(browser.client.post(f"{QUEUE}/lot", data=values))
    assert "Refuser cette demande d'inscription ?" in page.text
    confirm_form = page.soup.select_one(f"form[action='{QUEUE}/lot']")
    page = Page(browser.client.post(f"{QUEUE}/lot", data=form_values(confirm_form)))
    assert page.status == 422
    assert "Le champ « Motif du refus » est obligatoire." in page.text
    assert problems_of(page) == []
    assert [state_of(site, i) for i in ids] == ["email_confirmed"] * 2
    values = form_values(page.soup.select_one(f"form[action='{QUEUE}/lot']"))
    values["comment"] = ["Formation annulée."]
    page = Page(browser.client.post(f"{QUEUE}/lot", data=values))
    assert "Effectuée pour 2 demande(s)" in page.text
    assert [state_of(site, i) for i in ids] == ["rejected"] * 2
    assert tab_counts(page)["Clos"] == 2


def test_without_bulk_in_the_spec_the_queue_has_no_checkboxes(site: Site) -> None:
    confirm(site, submitted(site))
    page = manager(site).get(QUEUE)
    assert page.soup.select("input[name=selection]") == []
    assert page.soup.find("form", attrs={"action": f"{QUEUE}/lot"}) is None
    with site.db() as db:
        assert db.execute(select(func.count(Notification.id))).scalar_one() == 1


# -- the migration ------------------------------------------------------------------------------


def test_the_migration_gives_earlier_requests_their_queue_columns(tmp_path: Path) -> None:
    """A request submitted before revision 0004 is found by the queue's search and filters
    once the database is upgraded (its columns computed under its own workflow version)."""
    from sqlalchemy.orm import Session

    from engine.service.workflows import WorkflowRegistry
    from engine.store.db import make_engine
    from engine.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'before.sqlite3'}")
    upgrade(engine, "0003")
    compiled = WorkflowRegistry.load(PROJECT).get("onboarding")
    answers = {
        "session_code": CODE,
        "funding_method": "personal",
        "establishment": "grenoble",
        "first_name": "Noémie",
        "last_name": "Lefèvre",
        "email": "noemie.lefevre@example.org",
    }
    columns = {c.name for c in RequestRow.__table__.columns} - {
        "applicant_name",
        "search_text",
        "facets",
    }
    clock = Clock()
    values = {
        "public_id": str(uuid.uuid4()),
        "reference": f"{CODE}-0007",
        "workflow_id": "onboarding",
        "spec_hash": compiled.content_hash,
        "state": "awaiting_email_confirmation",
        "state_entered_at": clock.now(),
        "session_code": CODE,
        "answers": answers,
        "locale": "fr",
        "applicant_email": answers["email"],
        "version": 2,
        "created_at": clock.now(),
        "updated_at": clock.now(),
        "submitted_at": clock.now(),
    }
    with Session(engine) as db:
        WorkflowRegistry({}).remember(db, compiled)
        db.execute(
            RequestRow.__table__.insert().values({k: values[k] for k in values if k in columns})
        )
        db.commit()
    upgrade(engine)
    with Session(engine) as db:
        row = db.execute(select(RequestRow)).scalar_one()
    assert row.applicant_name == "Noémie Lefèvre"
    assert row.search_text == f"{CODE.lower()} 0007 noemie lefevre noemie lefevre example org"
    assert row.facets == "|funding_method=personal|establishment=grenoble|"
    engine.dispose()


def test_an_entry_described_by_the_applicant_is_flagged(site: Site) -> None:
    request_id = submitted(
        site,
        {
            "establishment": {
                "establishment": "",
                "establishment__new": "on",
                "establishment__new__label": "Mairie de Saint-Genis-les-Ollières",
                "establishment__new__type": "commune",
                "establishment__new__postal_code": "69290",
                "establishment__new__city": "Saint-Genis-les-Ollières",
                "establishment__new__validation_email": "mairie@sgo.example",
            }
        },
    )
    browser = manager(site)
    page = browser.get(f"{QUEUE}/{reference_of(site, request_id)}")
    [card] = page.soup.select("#entries-title ~ .card")
    heading = " ".join(card.find("h3").get_text(" ").split())
    assert heading == "Collectivité : Mairie de Saint-Genis-les-Ollières Non référencé"
    assert card.select_one("h3 .badge").get_text() == "Non référencé"
    assert "Code postal 69290" in " ".join(card.get_text(" ").split())
    # The queue's filter offers it, flagged too, and finds the request by it.
    page = browser.get(QUEUE)
    option = page.soup.find("option", string=re.compile("Saint-Genis"))
    assert option.get_text() == "Mairie de Saint-Genis-les-Ollières (Non référencé)"
    page = browser.get(f"{QUEUE}?f_establishment={option['value']}")
    assert references(page) == [reference_of(site, request_id)]


def test_notifications_come_by_pages_and_are_read_as_they_are_seen(site: Site) -> None:
    request_id = submitted(site)
    with site.db() as db:
        for n in range(55):
            db.add(
                Notification(
                    request_id=request_id,
                    dedupe_key=f"test:{n}",
                    role="registration_manager",
                    message=f"Message {n:02d}",
                    created_at=site.clock.now() + timedelta(minutes=n),
                )
            )
        db.add(  # another role's: not shown, not counted
            Notification(dedupe_key="test:admin", role="admin", message="Pour les admins")
        )
        db.commit()
    browser = manager(site)
    assert unread_badge(browser.get(QUEUE)) == "55"
    page = browser.get(NOTIFICATIONS)
    items = words(page, "ol.timeline li")
    assert len(items) == 50
    assert "Message 54" in items[0] and "Message 05" in items[-1]  # newest first
    assert all("Non lue" in item for item in items)
    assert unread_badge(page) == "5"  # those shown are read now; the 5 older ones are not
    assert "Pour les admins" not in page.text
    page = browser.get(str(page.soup.find("a", rel="next")["href"]))
    items = words(page, "ol.timeline li")
    assert [i.split("Message ")[1][:2] for i in items] == ["04", "03", "02", "01", "00"]
    assert unread_badge(page) == ""
    assert page.soup.find("a", rel="next") is None
    page = browser.get(NOTIFICATIONS)
    assert "Non lue" not in page.text


def _notify(site: Site, request_id: int, numbers: range, **columns: Any) -> None:
    with site.db() as db:
        for n in numbers:
            db.add(
                Notification(
                    request_id=request_id,
                    dedupe_key=f"test:{n}",
                    role="registration_manager",
                    message=f"Message {n:04d}",
                    **columns,
                )
            )
        db.commit()


def test_what_was_read_stays_read_and_what_comes_later_is_counted(site: Site) -> None:
    request_id = submitted(site)
    yesterday = site.clock.now() - timedelta(days=1)
    _notify(site, request_id, range(60), created_at=yesterday)
    browser = manager(site)
    page = browser.get(NOTIFICATIONS)  # the 50 newest
    assert unread_badge(page) == "10"
    page = browser.get(str(page.soup.find("a", rel="next")["href"]))  # the 10 oldest
    assert len(words(page, "ol.timeline li")) == 10 and unread_badge(page) == ""
    # New ones arrive: only they are counted, and shown unread above those already read.
    site.clock.advance(hours=1)
    _notify(site, request_id, range(60, 63), created_at=site.clock.now())
    page = browser.get(NOTIFICATIONS)
    items = words(page, "ol.timeline li")
    assert [("Non lue" in item) for item in items[:5]] == [True, True, True, False, False]
    assert unread_badge(page) == ""
    assert not any("Non lue" in item for item in words(browser.get(NOTIFICATIONS), "li"))
    # Reading is personal still: another manager has all 63 to read.
    other = staff_browser(site, "gestion2@hgi.example", ["registration_manager"])
    assert unread_badge(other.get(QUEUE)) == "63"


def test_a_notification_written_late_below_those_read_is_still_unread(site: Site) -> None:
    """On PostgreSQL a notification may become visible after a newer one was read (its
    transaction committed later): it must still count as unread."""
    request_id = submitted(site)
    with site.db() as db:
        for n in (10, 11, 12):
            db.add(
                Notification(
                    id=n,
                    request_id=request_id,
                    dedupe_key=f"test:{n}",
                    role="registration_manager",
                    message=f"Message {n}",
                    created_at=site.clock.now(),
                )
            )
        db.commit()
    browser = manager(site)
    assert unread_badge(browser.get(NOTIFICATIONS)) == ""
    site.clock.advance(minutes=1)
    with site.db() as db:
        db.add(
            Notification(
                id=9,
                request_id=request_id,
                dedupe_key="test:late",
                role="registration_manager",
                message="Message tardif",
                created_at=site.clock.now(),
            )
        )
        db.commit()
    page = browser.get(QUEUE)
    assert unread_badge(page) == "1"
    items = words(browser.get(NOTIFICATIONS), "ol.timeline li")
    assert [item for item in items if "Non lue" in item] == [
        next(item for item in items if "Message tardif" in item)
    ]


def test_a_long_backlog_is_counted_up_to_999(site: Site) -> None:
    request_id = submitted(site)
    _notify(site, request_id, range(1001), created_at=site.clock.now() - timedelta(days=2))
    browser = manager(site)
    assert unread_badge(browser.get(QUEUE)) == "999+"
    for page_number in range(1, 4):  # three pages read: 851 left
        browser.get(f"{NOTIFICATIONS}?page={page_number}")
    assert unread_badge(browser.get(QUEUE)) == "851"

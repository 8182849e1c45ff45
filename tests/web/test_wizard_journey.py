"""The applicant's whole journey through the web wizard, on SQLite and PostgreSQL."""

from __future__ import annotations

from engine.store.models import ReferenceEntryRow

from .browser import first_link
from .journey import (
    ANSWERS,
    CODE,
    START,
    STEPS,
    fill_until,
    history,
    mails,
    requests,
    step_of,
    submit_request,
)


def test_the_first_screen_is_the_guides(site) -> None:
    page = site.browser().get(START)
    text = page.text
    assert page.status == 200
    assert "Inscription en ligne" in text
    assert "Transformer le patrimoine communal: stratégies et actions pour rénover" in text
    assert "Du vendredi 2 octobre 2026, 11:00 au vendredi 2 octobre 2026, 12:15" in text
    assert page.progress == "Étape 1 sur 9"
    assert "Choisir une action" in text
    for action in (
        "Nouvelle demande d'inscription",
        "J'ai déjà un compte. Je me connecte et je continue ma demande.",
        "Suivre ou annuler une demande",
    ):
        assert action in text
    assert "Code de la session choisie" in text and CODE in text
    assert "Annuler" in text and "Étape suivante" in text


def test_every_step_in_order_then_the_request_waits_for_email_confirmation(site) -> None:
    browser = site.browser()
    page = browser.get(START)
    for number, step in enumerate(STEPS, start=1):
        assert step_of(page) == step
        assert page.progress == f"Étape {number} sur 9"
        # Every screen names the workflow, the session and its dates.
        assert "Inscription en ligne" in page.text
        assert "Du vendredi 2 octobre 2026, 11:00" in page.text
        page = browser.submit(ANSWERS[step])
        assert page.status == 200, page.summary
    assert "Demande envoyée" in page.text
    assert "Un courriel vient de vous être adressé pour confirmer votre adresse" in page.text
    [request] = requests(site)
    assert page.text.count(request.reference) == 1
    assert request.reference == f"{CODE}-0001"
    assert request.state == "awaiting_email_confirmation"
    assert request.applicant_email == "camille.martin@example.org"
    assert request.answers["establishment"] == "ville_lyon"
    assert request.answers["phone"] == "+33612345678"
    assert "dietary_details" not in request.answers
    assert history(site) == [("submit", "draft", "awaiting_email_confirmation", "applicant")]


def test_submission_queues_the_confirmation_mail_in_the_same_transaction(site) -> None:
    submit_request(site.browser())
    [mail] = mails(site)
    [request] = requests(site)
    assert mail.template == "confirm_email"
    assert mail.request_id == request.id
    assert mail.to == ["camille.martin@example.org"]
    assert mail.status == "queued"
    assert (
        mail.subject == f"Confirmez votre adresse électronique — demande d'inscription {CODE}-0001"
    )
    assert "Bonjour Madame Martin" in mail.text
    assert "Du vendredi 2 octobre 2026, 11:00" in mail.text
    confirm = first_link(mail.text, r"http://testserver/liens/confirm_email/\S+")
    assert confirm in mail.html
    assert first_link(mail.text, r"http://testserver/liens/follow/\S+")
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@testserver>")


def test_references_count_per_session(site) -> None:
    submit_request(site.browser())
    submit_request(site.browser())
    assert [r.reference for r in requests(site)] == [f"{CODE}-0001", f"{CODE}-0002"]


def test_dietary_constraints_yes_requires_and_keeps_the_details(site) -> None:
    browser = site.browser()
    page = fill_until(browser, "mandate")
    assert step_of(page) == "dietary"
    page = browser.submit({"dietary_constraints": "yes"})
    # Without JavaScript, the details field appears on the next render, without an error yet.
    assert "dietary_details" in page.visible_fields()
    assert "De nouveaux champs sont apparus" in page.text
    assert page.summary == []
    page = browser.submit({"dietary_details": ""})
    assert page.status == 422
    assert page.summary == ["Ce champ est obligatoire."]
    assert page.field_error("dietary_details") == "Ce champ est obligatoire."
    page = browser.submit({"dietary_details": "Végétarien, sans gluten"})
    assert step_of(page) == "disability"
    for step in ("disability", "extra_data", "terms"):
        page = browser.submit(ANSWERS[step])
    [request] = requests(site)
    assert request.answers["dietary_constraints"] is True
    assert request.answers["dietary_details"] == "Végétarien, sans gluten"


def test_answering_no_drops_the_details_given_before(site) -> None:
    browser = site.browser()
    fill_until(browser, "mandate")
    browser.submit(
        {"dietary_constraints": "yes", "dietary_details": "Sans porc"},
        _shown="dietary_constraints,dietary_details",
    )
    page = browser.get(f"{START}/etape/dietary")
    assert page.value("dietary_details") == "Sans porc"
    page = browser.submit({"dietary_constraints": "no"})
    assert step_of(page) == "disability"
    with site.db() as db:
        from sqlalchemy import select

        from engine.store.models import RequestRow

        row = db.execute(select(RequestRow)).scalar_one()
        assert row.answers["dietary_constraints"] is False
        assert "dietary_details" not in row.answers


def test_disability_shows_details_and_the_contact_address(site) -> None:
    browser = site.browser()
    page = fill_until(browser, "dietary")
    assert step_of(page) == "disability"
    assert "disability_details" not in page.visible_fields()
    page = browser.submit({"disability": "on"})
    assert "disability_details" in page.visible_fields()
    assert "disability_notice" in page.visible_fields()
    link = page.soup.select_one('[data-field="disability_notice"] a[href^="mailto:"]')
    assert link is not None and link["href"] == "mailto:handicap@hgi.example"
    page = browser.submit({"disability_details": "Accès en fauteuil roulant"})
    assert step_of(page) == "extra_data"


def test_a_new_establishment_is_saved_as_not_referenced(site) -> None:
    browser = site.browser()
    page = fill_until(browser, "funding")
    assert step_of(page) == "establishment"
    assert "Je n'ai pas trouvé ma collectivité" in page.text
    page = browser.submit({"establishment__new": "on"})
    # The sub-form opens (no JavaScript: on the next render), nothing is flagged yet.
    assert not page.soup.select_one("#establishment__subform").has_attr("hidden")
    assert page.summary == []
    page = browser.submit({})
    assert page.status == 422
    assert "Ce champ est obligatoire." in page.field_error("establishment__new__label")
    page = browser.submit(
        {
            "establishment__new__label": "Commune de Saint-Pierre-de-Chartreuse",
            "establishment__new__type": "commune",
            "establishment__new__postal_code": "38380",
            "establishment__new__city": "Saint-Pierre-de-Chartreuse",
            "establishment__new__validation_email": "mairie@st-pierre.example",
        }
    )
    assert step_of(page) == "trainee"
    for step in STEPS[3:]:
        page = browser.submit(ANSWERS[step])
    assert "Demande envoyée" in page.text
    [request] = requests(site)
    with site.db() as db:
        from sqlalchemy import select

        entry = db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.entry_id == request.answers["establishment"]
            )
        ).scalar_one()
    assert entry.label == "Commune de Saint-Pierre-de-Chartreuse"
    assert entry.status == "unreferenced"
    assert entry.values["validation_email"] == "mairie@st-pierre.example"
    # Entries described by applicants are not offered to the next applicants.
    results = site.browser().client.get(f"{START}/recherche/establishment?q=chartreuse").json()
    assert results["results"] == []


def test_double_submit_gives_one_request(site) -> None:
    browser = site.browser()
    page = fill_until(browser, "extra_data")
    assert step_of(page) == "terms"
    form = page.form()
    from .browser import form_values

    values = form_values(form)
    values.update({"terms_accepted": ["on"], "_nav": ["next"]})
    action = str(form["action"])
    first = browser.client.post(action, data=values)
    second = browser.client.post(action, data=values)
    assert first.status_code == second.status_code == 200
    from .browser import Page

    assert "Demande envoyée" in Page(first).text, Page(first).text[:600]
    assert "Demande envoyée" in Page(second).text, Page(second).text[:600]
    assert len(requests(site)) == 1
    assert len(mails(site, "confirm_email")) == 1


def test_the_session_full_puts_the_request_on_the_waiting_list_at_confirmation(site) -> None:
    from sqlalchemy import update

    from engine.store.models import TrainingSession

    with site.db() as db:
        db.execute(update(TrainingSession).values(capacity=0))
        db.commit()
    submit_request(site.browser())
    [mail] = mails(site, "confirm_email")
    link = first_link(mail.text, r"http://testserver/liens/confirm_email/\S+")
    browser = site.browser()
    page = browser.get(link.removeprefix("http://testserver"))
    page = browser.submit(nav=None)
    assert page.status == 200
    [request] = requests(site)
    assert request.state == "waiting_list"
    assert "Sur liste d'attente" in page.text
    assert [m.template for m in mails(site)] == ["confirm_email", "waiting_list"]


def test_two_simultaneous_submissions_give_one_request(site) -> None:
    """Two tabs (same cookies) sending the last step at the same moment."""
    import threading

    from .browser import form_values

    browser = site.browser()
    page = fill_until(browser, "extra_data")
    form = page.form()
    values = form_values(form)
    values.update({"terms_accepted": ["on"], "_nav": ["next"]})
    action = str(form["action"])
    cookies = dict(browser.client.cookies)
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def send() -> None:
        other = site.browser()
        other.client.cookies.update(cookies)
        barrier.wait()
        answers.append(other.client.post(action, data=values).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    assert len(requests(site)) == 1
    assert len(mails(site, "confirm_email")) == 1


def test_many_applicants_at_once_in_one_event_loop(site) -> None:
    """Twenty applicants send a step (some with mistakes, which save and re-render) at the
    same moment to one server process: all are answered, none waits for a lock."""
    import asyncio
    import time

    import httpx2

    from .browser import form_values

    drafts = []
    for _ in range(20):
        browser = site.browser()
        page = fill_until(browser, "establishment")
        drafts.append((dict(browser.client.cookies), form_values(page.form())))

    async def send_all() -> list[int]:
        transport = httpx2.ASGITransport(app=site.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def send(index: int, cookies: dict, values: dict) -> int:
                typed = dict(values)
                typed.update({key: [value] for key, value in ANSWERS["trainee"].items()})
                if index % 2:
                    typed["postal_code"] = ["abc"]  # a mistake: saved in part, shown again
                typed["_nav"] = ["next"]
                cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
                response = await client.post(
                    f"{START}/etape/trainee", data=typed, headers={"cookie": cookie}
                )
                return response.status_code

            return list(await asyncio.gather(*(send(i, c, v) for i, (c, v) in enumerate(drafts))))

    started = time.monotonic()
    statuses = asyncio.run(send_all())
    assert time.monotonic() - started < 10
    assert sorted(statuses) == [303] * 10 + [422] * 10


def test_the_last_seat_goes_to_the_first_confirmed_and_the_next_waits(site) -> None:
    from sqlalchemy import update

    from engine.store.models import TrainingSession

    with site.db() as db:
        db.execute(update(TrainingSession).values(capacity=1))
        db.commit()
    for _ in range(2):
        submit_request(site.browser())
    page = site.browser().get("/")
    assert "1 place(s) restante(s)" in page.text
    links = [
        first_link(m.text, r"http://testserver/liens/confirm_email/\S+")
        for m in mails(site, "confirm_email")
    ]
    for link in links:
        browser = site.browser()
        browser.get(link.removeprefix("http://testserver"))
        browser.submit(nav=None)
    assert [r.state for r in requests(site)] == ["email_confirmed", "waiting_list"]
    assert "Complet : liste d'attente" in site.browser().get("/").text


def test_a_sub_form_filled_at_once_with_the_script_is_accepted_in_one_go(site) -> None:
    """With JavaScript the sub-form opens as the box is ticked: the applicant fills it and
    goes on, without the page coming back to show it."""
    browser = site.browser()
    page = fill_until(browser, "funding")
    page = browser.submit(
        {
            "establishment__new": "on",
            "establishment__new__label": "Commune de Bessans",
            "establishment__new__type": "commune",
            "establishment__new__postal_code": "73480",
            "establishment__new__city": "Bessans",
            "establishment__new__validation_email": "mairie@bessans.example",
        }
    )
    assert step_of(page) == "trainee"

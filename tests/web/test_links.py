"""Pages opened from the links mailed to the applicant: the e-mail confirmation link and the
follow link. Opening a link changes nothing (mail scanners open links); only the page's button
does. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.store.models import DocumentRow, Notification

from .browser import Browser, Page, first_link
from .journey import CODE, history, mails, requests, submit_request

HOST = "http://testserver"
APPLICANT = "camille.martin@example.org"
REFERENCE = f"{CODE}-0001"
SESSION_TITLE = "Transformer le patrimoine communal: stratégies et actions pour rénover"
AWAITING = "En attente de confirmation du courriel"
CONFIRMED = "Courriel confirmé — bulletin en attente de signature"
CONFIRM_BUTTON = "Confirmer mon adresse électronique"
SUBMITTED = ("submit", "draft", "awaiting_email_confirmation", "applicant")


def mailed_links(site: Any) -> tuple[str, str]:
    """Submits Camille's request; the confirmation and follow paths of the mail she gets."""
    submit_request(site.browser())
    [mail] = mails(site, "confirm_email")
    confirm = first_link(mail.text, rf"{HOST}/liens/confirm_email/\S+")
    follow = first_link(mail.text, rf"{HOST}/liens/follow/\S+")
    return confirm.removeprefix(HOST), follow.removeprefix(HOST)


def buttons(page: Page) -> list[str]:
    return [" ".join(b.get_text().split()) for b in page.soup.select("form button")]


def notifications(site: Any) -> list[tuple[str, str]]:
    with site.db() as db:
        rows = db.execute(select(Notification).order_by(Notification.id)).scalars()
        return [(n.role, " ".join(n.message.split())) for n in rows]


def state(site: Any) -> str:
    [request] = requests(site)
    return request.state


def with_token(path: str, token: str) -> str:
    return path.rsplit("/", 1)[0] + "/" + token


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


# -- the confirmation link -----------------------------------------------------------------------


def test_opening_the_confirmation_link_shows_a_button_and_changes_nothing(site) -> None:
    confirm, _ = mailed_links(site)
    browser = site.browser()
    page = browser.get(confirm)
    assert page.status == 200
    assert page.heading() == f"Demande {REFERENCE}"
    assert SESSION_TITLE in page.text
    assert AWAITING in page.text
    assert buttons(page) == [CONFIRM_BUTTON]
    # A mail scanner (or the applicant) opening the link again: still nothing fired.
    assert site.browser().get(confirm).status == 200
    assert state(site) == "awaiting_email_confirmation"
    assert history(site) == [SUBMITTED]
    assert [m.template for m in mails(site)] == ["confirm_email"]
    assert notifications(site) == []


def test_pressing_the_button_confirms_the_address_and_sends_the_stage_mails(site) -> None:
    confirm, _ = mailed_links(site)
    browser = site.browser()
    browser.get(confirm)
    page = browser.submit(nav=None)
    assert page.status == 200
    assert f"{CONFIRM_BUTTON} : c'est fait." in page.text
    assert CONFIRMED in page.text
    assert AWAITING not in page.text
    assert buttons(page) == []
    assert state(site) == "email_confirmed"
    assert history(site) == [
        SUBMITTED,
        ("confirm_email", "awaiting_email_confirmation", "email_confirmed", "link"),
    ]
    queued = mails(site)
    assert [m.template for m in queued] == [
        "confirm_email",
        "session_details",
        "institution_validation",
    ]
    _, details, institution = queued
    assert details.to == [APPLICANT]
    assert details.status == "queued"
    assert details.subject == f"Votre demande d'inscription à la session {CODE} est enregistrée"
    assert institution.to == ["formation-elus@lyon.example"]
    assert institution.subject == (
        f"Demande d'inscription de Mme Camille Martin — bulletin à signer (session {CODE})"
    )
    assert sorted(institution.cc) == ["admin@hgi.example", "gestion@hgi.example"]
    [document_row] = institution.attachments
    with site.db() as db:
        document = db.get(DocumentRow, document_row)
        assert document.document_id == "registration_form"
        assert document.content.startswith(b"%PDF")
    assert institution.status == "queued"
    [(role, message)] = notifications(site)
    assert role == "registration_manager"
    assert message == (
        f"Adresse confirmée : demande {REFERENCE} de Camille Martin pour la session {CODE}."
    )


def test_the_confirmation_link_works_only_once(site) -> None:
    confirm, _ = mailed_links(site)
    first = site.browser()
    first.get(confirm)
    first.submit(nav=None)
    assert state(site) == "email_confirmed"

    again = site.browser().get(confirm)
    assert again.status == 200
    assert "Ce lien a déjà été utilisé" in again.text
    assert buttons(again) == []
    assert CONFIRMED in again.text
    assert [h[0] for h in history(site)].count("confirm_email") == 1
    assert len(mails(site, "session_details")) == 1
    assert len(mails(site, "institution_validation")) == 1
    assert len(notifications(site)) == 1


def test_replaying_the_old_confirmation_form_changes_nothing(site) -> None:
    confirm, _ = mailed_links(site)
    browser = site.browser()
    stale = browser.get(confirm)
    browser.submit(nav=None)
    assert state(site) == "email_confirmed"
    # The browser's back button, then the same form (with its old version) sent again.
    browser.page = stale
    page = browser.submit(nav=None)
    assert page.status == 409
    assert "rien n'a été appliqué" in page.text
    assert CONFIRMED in page.text
    assert state(site) == "email_confirmed"
    assert [h[0] for h in history(site)] == ["submit", "confirm_email"]
    assert len(mails(site, "session_details")) == 1
    assert len(mails(site, "institution_validation")) == 1
    assert len(notifications(site)) == 1


def test_the_confirmation_link_lasts_seven_days(site) -> None:
    confirm, _ = mailed_links(site)
    site.clock.advance(days=6, hours=23)
    browser = site.browser()
    page = browser.get(confirm)
    assert page.status == 200
    assert buttons(page) == [CONFIRM_BUTTON]
    site.clock.advance(hours=2)
    page = site.browser().get(confirm)
    assert page.status == 410
    assert page.heading() == "Lien expiré"
    assert "Ce lien a expiré" in page.text
    assert buttons(page) == []
    # The page opened before the expiry, its button pressed after: refused too.
    page = browser.submit(nav=None)
    assert page.status == 410
    assert page.heading() == "Lien expiré"
    assert state(site) == "awaiting_email_confirmation"
    assert history(site) == [SUBMITTED]
    assert [m.template for m in mails(site)] == ["confirm_email"]


def test_a_tampered_or_truncated_link_is_not_valid(site) -> None:
    confirm, _ = mailed_links(site)
    token = token_of(confirm)
    changed = token[:3] + ("B" if token[3] != "B" else "C") + token[4:]
    for broken in (changed, token[:-5], token[: len(token) // 2]):
        page = site.browser().get(with_token(confirm, broken))
        assert page.status == 400, broken
        assert page.heading() == "Lien non valide"
        assert "il a peut-être été mal copié" in page.text
        assert buttons(page) == []
    assert state(site) == "awaiting_email_confirmation"
    assert history(site) == [SUBMITTED]


def test_the_follow_link_cannot_confirm_the_address(site) -> None:
    confirm, follow = mailed_links(site)
    forged = with_token(confirm, token_of(follow))
    browser = site.browser()
    genuine = browser.get(confirm)
    form = {"_csrf": browser.csrf(), "transition": "confirm_email"}
    form["_version"] = genuine.value("_version") or ""
    page = browser.get(forged)
    assert page.status == 400
    assert page.heading() == "Lien non valide"
    assert buttons(page) == []
    # Nor by posting the confirmation form (genuine session, version) straight to it.
    page = browser.post(forged, form)
    assert page.status == 400
    assert page.heading() == "Lien non valide"
    # And the other way round: the confirmation token does not open the follow page.
    page = site.browser().get(with_token(follow, token_of(confirm)))
    assert page.status == 400
    assert page.heading() == "Lien non valide"
    assert state(site) == "awaiting_email_confirmation"
    assert history(site) == [SUBMITTED]


def test_garbage_tokens_give_a_page_not_an_error(site) -> None:
    confirm, _ = mailed_links(site)
    for token in ("n-importe-quoi", "a.b.c", "été", "x" * 500):
        page = site.browser().get(with_token(confirm, token))
        assert page.status == 400, token
        assert page.heading() == "Lien non valide"
    for token in ("x" * 501, "A." * 3000):
        page = site.browser().get(with_token(confirm, token))
        assert page.status in (400, 404), page.status
        assert page.heading() in ("Lien non valide", "Page introuvable")
        assert "Une erreur inattendue" not in page.text
    browser = site.browser()
    browser.get(confirm)
    page = browser.post(with_token(confirm, "n-importe-quoi"), {"_csrf": browser.csrf()})
    assert page.status == 400
    assert page.heading() == "Lien non valide"
    page = site.browser().get(f"/liens/inconnu/{token_of(confirm)}")
    assert page.status == 400
    assert page.heading() == "Lien non valide"
    assert state(site) == "awaiting_email_confirmation"


# -- the follow link -----------------------------------------------------------------------------


def test_the_follow_page_shows_the_request_and_the_answers(site) -> None:
    _, follow = mailed_links(site)
    page = site.browser().get(follow)
    assert page.status == 200
    text = page.text
    assert page.heading() == f"Demande {REFERENCE}"
    assert SESSION_TITLE in text
    assert "Du vendredi 2 octobre 2026, 11:00" in text
    assert AWAITING in text
    for answer in (
        "Camille",
        "Martin",
        APPLICANT,
        "69001",
        "Ville de Lyon",
        "Mieux comprendre les leviers de rénovation.",
    ):
        assert answer in text, answer
    assert buttons(page) == ["Annuler ma demande"]
    assert "Voulez-vous vraiment annuler votre demande d'inscription ?" in text
    # Opening it changed nothing.
    assert history(site) == [SUBMITTED]


def test_the_follow_link_cancels_the_request(site) -> None:
    confirm, follow = mailed_links(site)
    browser = site.browser()
    stale = browser.get(follow)
    page = browser.submit(nav=None)
    assert page.status == 200
    assert "Annuler ma demande : c'est fait." in page.text
    assert "Annulée" in page.text
    assert buttons(page) == []
    assert state(site) == "cancelled"
    assert history(site)[-1] == (
        "cancel_by_applicant",
        "awaiting_email_confirmation",
        "cancelled",
        "applicant",
    )
    [mail] = mails(site, "cancellation_confirmed")
    assert mail.to == [APPLICANT]
    assert mail.status == "queued"
    [(role, message)] = notifications(site)
    assert role == "registration_manager"
    assert message == f"Demande {REFERENCE} annulée par Camille Martin (session {CODE})."
    # The cancel form sent a second time (back button, double click): nothing more happens.
    browser.page = stale
    page = browser.submit(nav=None)
    assert page.status == 409
    assert "rien n'a été appliqué" in page.text
    assert [h[0] for h in history(site)] == ["submit", "cancel_by_applicant"]
    assert len(mails(site, "cancellation_confirmed")) == 1
    assert len(notifications(site)) == 1

    page = site.browser().get(follow)
    assert page.status == 200
    assert "Annulée" in page.text
    assert buttons(page) == []
    assert "Annuler ma demande" not in page.text
    # The confirmation link cannot bring a cancelled request back.
    page = site.browser().get(confirm)
    assert buttons(page) == []
    assert state(site) == "cancelled"


def test_the_follow_link_cancels_a_confirmed_request_too(site) -> None:
    confirm, follow = mailed_links(site)
    confirming = site.browser()
    confirming.get(confirm)
    confirming.submit(nav=None)
    browser: Browser = site.browser()
    page = browser.get(follow)
    assert CONFIRMED in page.text
    assert buttons(page) == ["Annuler ma demande"]
    browser.submit(nav=None)
    assert state(site) == "cancelled"
    assert history(site)[-1][:3] == ("cancel_by_applicant", "email_confirmed", "cancelled")
    assert len(mails(site, "cancellation_confirmed")) == 1


def test_the_follow_link_expires_after_thirty_days(site) -> None:
    _, follow = mailed_links(site)
    site.clock.advance(days=29)
    assert buttons(site.browser().get(follow)) == ["Annuler ma demande"]
    site.clock.advance(days=1, hours=1)
    page = site.browser().get(follow)
    assert page.status == 410
    assert page.heading() == "Lien expiré"
    assert state(site) == "awaiting_email_confirmation"

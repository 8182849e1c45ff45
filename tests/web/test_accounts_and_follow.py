"""The other ways into the wizard: following one's requests from the first screen, logging in
with an account, resuming or abandoning a draft, and choosing the password of the account
created by HGI. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.process.actors import Actor
from engine.service.accounts import hash_password
from engine.service.requests import RequestService
from engine.store.models import Account, RequestRow

from .browser import Browser, Page, first_link
from .journey import (
    ANSWERS,
    CODE,
    START,
    STEPS,
    fill_until,
    mails,
    requests,
    step_of,
    submit_request,
)

HOST = "http://testserver"
APPLICANT = "camille.martin@example.org"
FOLLOW = f"{START}/suivi"
LOGIN = f"{START}/connexion"
SENT = "Si des demandes sont associées à cette adresse, un courriel contenant un lien"
LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."
THROTTLED = "Trop de tentatives"
RESUMED = "Vous reprenez votre demande"

CLAIRE = "claire.dubois@example.org"
CLAIRE_PASSWORD = "un mot de passe solide"


def buttons(page: Page) -> list[str]:
    return [" ".join(b.get_text().split()) for b in page.soup.select("form button")]


def login_error(page: Page) -> str:
    box = page.soup.select_one("#error-summary")
    return " ".join(box.get_text().split()) if box is not None else ""


def choose(browser: Browser, action: str) -> Page:
    """Opens the first screen and goes on with one of its start actions."""
    page = browser.get(START)
    assert page.status == 200
    return browser.submit({"_action": action})


def ask_follow_link(browser: Browser, email: str) -> Page:
    page = browser.get(FOLLOW)
    assert page.status == 200
    return browser.submit({"email": email}, nav=None)


def add_claire(site: Any) -> int:
    """An applicant account with a password, as left by an earlier registration."""
    with site.db() as db:
        account = Account(
            email=CLAIRE,
            first_name="Claire",
            last_name="Dubois",
            password_hash=hash_password(CLAIRE_PASSWORD),
            roles=[],
            profile={"civility": "mme", "postal_code": "69001", "phone": "+33612345678"},
        )
        db.add(account)
        db.commit()
        return account.id


def log_in(browser: Browser, email: str, password: str) -> Page:
    if browser.page is None or not browser.page.url.endswith("/connexion"):
        browser.get(LOGIN)
    return browser.submit({"email": email, "password": password}, nav=None)


# -- following one's requests from the first screen ----------------------------------------------


def test_follow_from_the_first_screen_asks_for_the_address(site) -> None:
    page = choose(site.browser(), "follow")
    assert page.status == 200
    assert page.url == f"{HOST}{FOLLOW}"
    assert "Indiquez l'adresse électronique utilisée pour votre demande" in page.text
    assert buttons(page) == ["Recevoir le lien"]


def test_a_known_and_an_unknown_address_get_the_same_answer(site) -> None:
    submit_request(site.browser())
    known = ask_follow_link(site.browser(), APPLICANT)
    unknown = ask_follow_link(site.browser(), "personne@example.org")
    assert known.status == unknown.status == 200
    assert SENT in known.text
    assert known.text == unknown.text
    [mail] = mails(site, "follow_requests")
    assert mail.to == [APPLICANT]
    assert mail.request_id is None
    assert mail.status == "queued"
    assert first_link(mail.text, rf"{HOST}/mes-demandes/onboarding/\S+")


def test_the_follow_mail_lists_the_requests_and_leads_to_their_cancellation(site) -> None:
    submit_request(site.browser())
    submit_request(site.browser())
    other = {"trainee": {"email": "autre@example.org", "email__confirm": "autre@example.org"}}
    submit_request(site.browser(), other)
    ask_follow_link(site.browser(), APPLICANT)
    [mail] = mails(site, "follow_requests")
    link = first_link(mail.text, rf"{HOST}/mes-demandes/onboarding/\S+")

    browser = site.browser()
    page = browser.get(link.removeprefix(HOST))
    assert page.status == 200
    assert page.heading() == "Mes demandes"
    items = page.soup.select("li.session-item")
    listed = sorted(" ".join(i.h2.get_text().split()) for i in items)
    assert listed == [f"{CODE}-0001", f"{CODE}-0002"]
    assert f"{CODE}-0003" not in page.text  # someone else's request
    for item in items:
        text = " ".join(item.get_text(" ").split())
        assert "En attente de confirmation du courriel" in text
        assert "Transformer le patrimoine communal" in text
        assert "Voir la demande" in text
    views = {" ".join(i.h2.get_text().split()): str(i.select_one("a")["href"]) for i in items}
    view = views[f"{CODE}-0002"]
    assert view.startswith(f"{HOST}/liens/follow/")

    page = browser.get(view.removeprefix(HOST))
    assert page.status == 200
    assert page.heading() == f"Demande {CODE}-0002"
    assert buttons(page) == ["Annuler ma demande"]
    page = browser.submit(nav=None)
    assert "Annuler ma demande : c'est fait." in page.text
    assert [r.state for r in requests(site)] == [
        "awaiting_email_confirmation",
        "cancelled",
        "awaiting_email_confirmation",
    ]
    [cancelled] = mails(site, "cancellation_confirmed")
    assert cancelled.to == [APPLICANT]

    # The list shows the new state.
    page = browser.get(link.removeprefix(HOST))
    states = {
        " ".join(i.h2.get_text().split()): " ".join(i.select_one(".badge").get_text().split())
        for i in page.soup.select("li.session-item")
    }
    assert states == {
        f"{CODE}-0001": "En attente de confirmation du courriel",
        f"{CODE}-0002": "Annulée",
    }


def test_the_follow_mail_is_not_sent_for_a_draft(site) -> None:
    fill_until(site.browser(), "trainee")  # an address typed, the request never sent
    page = ask_follow_link(site.browser(), APPLICANT)
    assert SENT in page.text
    assert mails(site, "follow_requests") == []


def test_an_invalid_address_is_refused_at_the_field(site) -> None:
    submit_request(site.browser())
    browser = site.browser()
    for wrong in ("camille.martin", "camille@", "camille martin@example.org"):
        page = ask_follow_link(browser, wrong)
        assert page.status == 422, wrong
        message = "Saisissez une adresse de courriel valide, par exemple nom@exemple.fr."
        assert page.summary == [message]
        assert page.field_error("follow-email") == message
        assert page.value("email") == wrong
        assert SENT not in page.text
    assert mails(site, "follow_requests") == []


def test_asking_twice_within_the_hour_sends_one_mail(site) -> None:
    submit_request(site.browser())
    browser = site.browser()
    assert SENT in ask_follow_link(browser, APPLICANT).text
    site.clock.advance(minutes=20)
    again = ask_follow_link(browser, APPLICANT)
    assert again.status == 200
    assert SENT in again.text
    assert SENT in ask_follow_link(site.browser(), APPLICANT.upper()).text
    assert len(mails(site, "follow_requests")) == 1
    # Later on, a new link can be asked for.
    site.clock.advance(hours=1)
    ask_follow_link(browser, APPLICANT)
    assert len(mails(site, "follow_requests")) == 2


def test_an_old_requests_link_has_expired(site) -> None:
    submit_request(site.browser())
    ask_follow_link(site.browser(), APPLICANT)
    [mail] = mails(site, "follow_requests")
    link = first_link(mail.text, rf"{HOST}/mes-demandes/onboarding/\S+").removeprefix(HOST)
    site.clock.advance(days=31)
    page = site.browser().get(link)
    assert page.status == 410
    assert page.heading() == "Lien expiré"
    assert f"{CODE}-0001" not in page.text
    page = site.browser().get(link[:-4])
    assert page.status == 400
    assert page.heading() == "Lien non valide"


# -- logging in ----------------------------------------------------------------------------------


def test_log_in_from_the_first_screen_opens_the_login_page(site) -> None:
    page = choose(site.browser(), "log_in")
    assert page.status == 200
    assert page.url == f"{HOST}{LOGIN}"
    assert "Connectez-vous avec votre compte pour continuer votre demande" in page.text
    assert buttons(page) == ["Se connecter"]


def test_a_wrong_password_or_an_unknown_address_is_refused_alike(site) -> None:
    add_claire(site)
    browser = site.browser()
    choose(browser, "log_in")
    wrong = log_in(browser, CLAIRE, "pas le bon mot de passe")
    assert wrong.status == 400
    assert login_error(wrong) == LOGIN_FAILED
    unknown = log_in(site.browser(), "inconnue@example.org", CLAIRE_PASSWORD)
    assert unknown.status == 400
    assert login_error(unknown) == LOGIN_FAILED
    # Still on the login page, not in the wizard; no draft was started.
    assert buttons(wrong) == ["Se connecter"]
    assert requests(site) == []


def test_five_failures_lock_the_account_for_a_while(site) -> None:
    add_claire(site)
    browser = site.browser()
    for attempt in range(5):
        page = log_in(browser, CLAIRE, f"essai numéro {attempt}")
        assert login_error(page) == LOGIN_FAILED, attempt
    # Even the right password is refused now.
    page = log_in(browser, CLAIRE, CLAIRE_PASSWORD)
    assert page.status == 400
    assert THROTTLED in login_error(page)
    page = log_in(site.browser(), CLAIRE.upper(), CLAIRE_PASSWORD)
    assert THROTTLED in login_error(page)
    assert requests(site) == []
    site.clock.advance(minutes=16)
    page = log_in(browser, CLAIRE, CLAIRE_PASSWORD)
    assert page.status == 200
    assert page.progress == "Étape 2 sur 9"


def test_logging_in_continues_at_step_2_with_the_identity_filled_in(site) -> None:
    account_id = add_claire(site)
    browser = site.browser()
    choose(browser, "log_in")
    page = log_in(browser, CLAIRE, CLAIRE_PASSWORD)
    assert page.status == 200
    assert page.progress == "Étape 2 sur 9"
    assert step_of(page) == "funding"
    page = browser.submit(ANSWERS["funding"])
    page = browser.submit(ANSWERS["establishment"])
    assert step_of(page) == "trainee"
    assert page.checked("civility") == ["mme"]
    assert page.value("first_name") == "Claire"
    assert page.value("last_name") == "Dubois"
    assert page.value("email") == CLAIRE
    assert page.value("email__confirm") == CLAIRE
    assert page.value("postal_code") == "69001"
    assert page.value("phone")
    # The pre-filled identity is enough to go on; the request is the account's.
    page = browser.submit({})
    assert step_of(page) == "mandate", page.summary
    for step in STEPS[4:]:
        page = browser.submit(ANSWERS[step])
    assert "Demande envoyée" in page.text
    [request] = requests(site)
    assert request.account_id == account_id
    assert request.applicant_email == CLAIRE
    assert request.answers["first_name"] == "Claire"
    [mail] = mails(site, "confirm_email")
    assert mail.to == [CLAIRE]


# -- resuming and abandoning a draft -------------------------------------------------------------


def left_at_trainee(browser: Browser) -> Page:
    """A draft whose applicant typed part of step 4 and went away."""
    page = fill_until(browser, "establishment")
    assert step_of(page) == "trainee"
    page = browser.submit({"first_name": "Camille", "last_name": "Martin"})
    assert page.status == 422
    return page


def test_the_same_browser_resumes_its_draft(site) -> None:
    browser = site.browser()
    left_at_trainee(browser)
    page = browser.get(START)
    assert page.status == 200
    assert step_of(page) == "trainee"
    assert page.progress == "Étape 4 sur 9"
    assert page.value("first_name") == "Camille"
    assert page.value("last_name") == "Martin"
    assert len(requests(site)) == 1
    assert RESUMED in page.text


def test_another_browser_does_not_see_the_draft(site) -> None:
    left_at_trainee(site.browser())
    page = site.browser().get(START)
    assert page.status == 200
    assert step_of(page) == "session"
    assert page.progress == "Étape 1 sur 9"
    assert "Camille" not in page.text
    assert page.soup.select_one(".resume__link") is None


def test_the_resume_link_continues_the_draft_in_another_browser(site) -> None:
    page = left_at_trainee(site.browser())
    box = page.soup.select_one("textarea.resume__link")
    assert box is not None
    link = box.get_text()
    assert link.startswith(f"{HOST}{START}/reprendre/")
    elsewhere = site.browser()
    page = elsewhere.get(link.removeprefix(HOST))
    assert page.status == 200
    assert step_of(page) == "trainee"
    assert page.progress == "Étape 4 sur 9"
    assert RESUMED in page.text
    assert page.value("first_name") == "Camille"
    page = elsewhere.submit(ANSWERS["trainee"])
    assert step_of(page) == "mandate"
    [draft] = requests(site)
    assert draft.answers["email"] == APPLICANT
    # A resume link with a wrong secret opens nothing.
    page = site.browser().get(link.removeprefix(HOST)[:-3] + "xyz")
    assert page.status == 404
    assert page.heading() == "Lien non valide"


def test_cancelling_a_draft_asks_then_erases_it(site) -> None:
    browser = site.browser()
    fill_until(browser, "funding")
    assert len(requests(site)) == 1
    page = browser.submit(nav="cancel")
    assert page.status == 200
    assert "Abandonner la demande" in page.text
    assert "Voulez-vous vraiment abandonner cette demande ?" in page.text
    back = page.soup.find("a", string="Non, revenir à ma demande")
    assert back is not None and back["href"] == f"{START}/etape/establishment"
    assert len(requests(site)) == 1  # asking erased nothing
    page = browser.submit(nav=None)
    assert page.status == 200
    assert "Votre demande a été abandonnée ; aucune réponse n'a été conservée." in page.text
    assert requests(site) == []
    page = browser.get(START)
    assert step_of(page) == "session"
    assert page.progress == "Étape 1 sur 9"


# -- the account created by HGI and its password link --------------------------------------------


def validated_by_hgi(site: Any) -> str:
    """Camille's request: sent, address confirmed through the mailed link, then validated by
    the establishment and by HGI (which creates her account). The password link's path."""
    submit_request(site.browser())
    [mail] = mails(site, "confirm_email")
    confirm = first_link(mail.text, rf"{HOST}/liens/confirm_email/\S+")
    browser = site.browser()
    browser.get(confirm.removeprefix(HOST))
    browser.submit(nav=None)
    admin = Actor.user("admin@hgi.example", {"admin"})
    with site.db() as db:
        row = db.execute(select(RequestRow)).scalar_one()
        service = RequestService(db, site.runtime)
        compiled = service.compiled_for(row)
        service.fire(row, compiled, "validate_institution", admin)
        service.fire(row, compiled, "validate_operator", admin)
        db.commit()
    [request] = requests(site)
    assert request.state == "operator_validated"
    [created] = mails(site, "account_created")
    assert created.to == [APPLICANT]
    link = first_link(created.text, rf"{HOST}/liens/set_password/\S+")
    return link.removeprefix(HOST)


def test_the_password_link_sets_the_password_once(site) -> None:
    path = validated_by_hgi(site)
    site.clock.advance(hours=3)
    browser = site.browser()
    page = browser.get(path)
    assert page.status == 200
    assert page.heading() == "Choisir votre mot de passe"
    assert f"Choisissez le mot de passe de votre compte ({APPLICANT})." in page.text
    assert buttons(page) == ["Enregistrer mon mot de passe"]

    page = browser.submit({"password": "court", "password_confirm": "court"}, nav=None)
    assert page.status == 422
    assert page.summary == ["Le mot de passe doit compter au moins 10 caractères."]
    page = browser.submit(
        {"password": "un long mot de passe", "password_confirm": "un autre mot de passe"},
        nav=None,
    )
    assert page.status == 422
    assert page.summary == ["Les deux mots de passe ne correspondent pas."]
    with site.db() as db:
        account = db.execute(select(Account).where(Account.email == APPLICANT)).scalar_one()
        assert account.password_hash is None

    stale = browser.page
    page = browser.submit(
        {"password": "mon nouveau mot de passe", "password_confirm": "mon nouveau mot de passe"},
        nav=None,
    )
    assert page.status == 200
    assert "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter." in (
        page.text
    )

    # The same link again: already used, in another browser or by sending the form again.
    page = site.browser().get(path)
    assert page.status == 410
    assert page.heading() == "Lien déjà utilisé"
    assert "Ce lien a déjà été utilisé" in page.text
    assert buttons(page) == []
    browser.page = stale
    page = browser.submit(
        {"password": "un mot de passe pirate", "password_confirm": "un mot de passe pirate"},
        nav=None,
    )
    assert "Ce lien a déjà été utilisé" in page.text
    assert login_error(log_in(site.browser(), APPLICANT, "un mot de passe pirate")) == (
        LOGIN_FAILED
    )

    # The saved password opens the wizard.
    other = site.browser()
    choose(other, "log_in")
    page = log_in(other, APPLICANT, "mon nouveau mot de passe")
    assert page.status == 200
    assert page.progress == "Étape 2 sur 9"


def test_the_password_link_expires_after_seven_days(site) -> None:
    path = validated_by_hgi(site)
    site.clock.advance(days=7, hours=1)
    page = site.browser().get(path)
    assert page.status == 410
    assert page.heading() == "Lien expiré"
    assert buttons(page) == []

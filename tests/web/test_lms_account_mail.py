"""The mail that tells the applicant their account on the learning platform: queued once the
account's call has succeeded (never before: the username of an account found on the platform
is known only then), once, with the username and the platform's page to set or reset the
password, and never a password of its own. On SQLite and PostgreSQL, against the fake Moodle."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import OutboxMail
from tests.lms.fake_moodle import ServedMoodle

from .conftest import Site
from .test_delivery import APPLICANT
from .test_lms_calls import calls, connect, moodle, to_account_creation

__all__ = ["moodle"]  # the fixture, shared


def account_mails(site: Site, request_id: int) -> list[OutboxMail]:
    with site.db() as db:
        return list(
            db.execute(
                select(OutboxMail).where(
                    OutboxMail.request_id == request_id,
                    OutboxMail.template == "platform_account",
                )
            ).scalars()
        )


def test_a_created_account_is_mailed_once_it_exists(site: Site, moodle: ServedMoodle) -> None:
    moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    run = connect(site, moodle)
    request_id = to_account_creation(site)
    assert account_mails(site, request_id) == []  # the account does not exist yet
    run.run_once()
    run.run_once()  # a second round queues nothing more
    [mail] = account_mails(site, request_id)
    assert mail.to == [APPLICANT] and mail.status == "sent"
    assert f"Identifiant : {APPLICANT.lower()}" in mail.text
    assert f"{moodle.url}/login/forgot_password.php" in mail.text
    assert "vous adresse elle-même votre mot de passe provisoire" in mail.text
    assert "mot de passe :" not in mail.text.lower()  # no password of its own
    assert f'href="{moodle.url}/login/forgot_password.php"' in mail.html
    # The platform mailed the generated password itself, once: two mails, not competing.
    assert moodle.state.mails == [{"to": APPLICANT, "username": APPLICANT.lower()}]


def test_an_existing_account_is_mailed_with_its_own_username(
    site: Site, moodle: ServedMoodle
) -> None:
    moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    moodle.state.add_user("cmartin", APPLICANT)
    run = connect(site, moodle)
    request_id = to_account_creation(site)
    run.run_once()
    [mail] = account_mails(site, request_id)
    assert "Identifiant : cmartin" in mail.text
    assert "Vous avez déjà un compte sur la plateforme" in mail.text
    assert "mot de passe habituel" in mail.text
    assert moodle.state.mails == []  # the platform sends nothing for an existing account


def test_no_mail_while_the_account_call_has_not_succeeded(
    site: Site, moodle: ServedMoodle
) -> None:
    moodle.state.add_course("ELUS-26C03", idnumber="ELUS-26C03")
    run = connect(site, moodle)
    moodle.stop()
    request_id = to_account_creation(site)
    run.run_once()
    assert calls(site, request_id)[0].status == "queued"
    assert account_mails(site, request_id) == []
    moodle.start()
    site.clock.advance(minutes=1)
    run.run_once()
    assert calls(site, request_id)[0].status == "done"
    [mail] = account_mails(site, request_id)
    assert f"Identifiant : {APPLICANT.lower()}" in mail.text


def test_the_login_page_tells_platform_users_a_new_request_finds_their_account(
    site: Site,
) -> None:
    login = "/inscription/26C03S1/connexion"
    assert site.browser().get(login).soup.select_one("#platform-account") is None
    site.runtime.settings = site.settings.model_copy(
        update={"lms_url": "https://formation.example.org"}
    )
    page = site.browser().get(login)
    hint = page.soup.select_one("#platform-account")
    assert hint is not None
    assert "Commencez une nouvelle demande avec la même adresse" in hint.get_text()
    assert hint.select_one("a")["href"] == "/inscription/26C03S1"
    # Nothing is said about any particular address: a failed login reads the same.
    failed = site.browser()
    failed.get(login)
    answer = failed.submit({"email": "someone@example.org", "password": "wrong"}, nav=None)
    assert answer.status == 400
    assert "incorrect" in answer.text
    assert answer.soup.select_one("#platform-account") is not None

"""No log line names an applicant or carries a link's token: a canary applicant with a name,
an address and a phone number found nowhere else registers, confirms her address by the mailed
link, follows her requests, and an operator searches the queue for her; every record written
meanwhile, by every logger at DEBUG, the access lines included, is searched for her and for
the tokens of the links she used. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging

from engine.logs import JsonFormatter, RequestIdFilter

from .backoffice import PASSWORD, manager
from .browser import first_link
from .conftest import Site
from .journey import CODE, START, mails, submit_request

HOST = "http://testserver"
QUEUE = "/backoffice/onboarding/demandes"
FIRST_NAME = "Zéphyrine"
LAST_NAME = "Quenouillard"
EMAIL = "zephyrine.quenouillard@example.net"
PHONE = "07 61 48 29 53"
CANARY = {
    "trainee": {
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": EMAIL,
        "email__confirm": EMAIL,
        "phone": PHONE,
    }
}
# What would betray her in any spelling: names with and without accents or capitals, the
# address and its local part, the phone number as typed, national and international.
BETRAYING = [
    FIRST_NAME,
    "zephyrine",
    "Zephyrine",
    LAST_NAME,
    LAST_NAME.lower(),
    LAST_NAME.upper(),
    EMAIL,
    EMAIL.split("@")[0],
    PHONE,
    PHONE.replace(" ", ""),
    "761482953",
]
# The test's own HTTP client logs the addresses it requests: that is the test speaking, not
# the product. SQLAlchemy keeps its own level (WARNING) as it does in the product: its
# statement echo is a developer's switch, which prints result rows.
CLIENT_LOGGERS = ("httpx", "httpx2", "httpcore")


def path_of(link: str) -> str:
    return link.removeprefix(HOST)


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def rendered(record: logging.LogRecord) -> str:
    """Everything a record could put in a log: its attributes (message, arguments, extra
    fields, traceback text) and its JSON line."""
    return f"{vars(record)!r}\n{JsonFormatter().format(record)}"


def test_a_canary_applicant_appears_in_no_log_line(site: Site, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RequestIdFilter())
    applicant = site.browser()
    submit_request(applicant, CANARY)
    [mail] = mails(site, "confirm_email")
    assert LAST_NAME in mail.text  # the canary did reach the product
    confirm = first_link(mail.text, rf"{HOST}/liens/confirm_email/\S+")
    follow = first_link(mail.text, rf"{HOST}/liens/follow/\S+")

    page = applicant.get(path_of(confirm) + "?utm_source=" + LAST_NAME)
    assert page.status == 200
    page = applicant.submit(nav=None)
    assert "c'est fait" in page.text
    page = applicant.get(path_of(follow))
    assert page.status == 200 and f"{CODE}-0001" in page.text

    applicant.get(f"{START}/suivi")
    applicant.submit({"email": EMAIL}, nav=None)
    [listing] = mails(site, "follow_requests")
    requests_link = first_link(listing.text, rf"{HOST}/mes-demandes/onboarding/\S+")
    page = applicant.get(path_of(requests_link))
    assert page.status == 200 and f"{CODE}-0001" in page.text

    operator = manager(site)
    for typed in (LAST_NAME, FIRST_NAME.lower(), EMAIL):
        page = operator.get(f"{QUEUE}?q={typed}")
        assert f"{CODE}-0001" in page.text, typed

    records = [r for r in caplog.records if r.name.split(".")[0] not in CLIENT_LOGGERS]
    routes = {getattr(r, "route", None) for r in records if r.name == "onboarding.access"}
    # The requests that carried her tokens and her name were written down, by their route.
    assert {
        "/liens/{link_id}/{token}",
        "/mes-demandes/{workflow_id}/{token}",
        "/backoffice/{workflow_id}/demandes",
    } <= routes
    secrets = [
        *BETRAYING,
        token_of(confirm),
        token_of(follow),
        token_of(requests_link),
        "utm_source",
        "q=",
        PASSWORD,
    ]
    for record in records:
        text = rendered(record)
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{leaked} in a record of {record.name}: {text[:400]}"

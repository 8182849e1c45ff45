"""A login burst: 20 wrong-password logins (backoffice and applicant login pages), 20 wizard
steps posted by other applicants and a backoffice PDF test, all sent at the same moment and
spread over the web processes, while the home page is fetched over and over from each one.
Used by the concurrency tests and by bench/concurrency_bench.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx2

from .cluster import ADMIN_EMAIL, ADMIN_PASSWORD, CODE
from .load import Answer, Watch, at_once, percentile
from .people import ANSWER_TIMEOUT, Applicant, Visitor, expect

WRONG_LOGINS = 20
STEP_POSTS = 20
WRONG_PASSWORD = "pas-le-bon-mot-de-passe"
BACKOFFICE_LOGIN = "/backoffice/connexion"
APPLICANT_LOGIN = f"/inscription/{CODE}/connexion"
PDF_TEST = "/backoffice/onboarding/pdf/registration_form"


@dataclass
class Burst:
    """The requests of one burst, ready to be sent: every page they come from is open."""

    requests: list[tuple[str, Callable[[], httpx2.Response]]] = field(default_factory=list)
    people: list[Visitor] = field(default_factory=list)

    def close(self) -> None:
        for person in self.people:
            person.close()


def prepare(base_urls: Sequence[str], tag: str, timeout: float = ANSWER_TIMEOUT) -> Burst:
    """Opens the login pages, walks 20 applicants up to the trainee step and logs an admin
    in; `tag` keeps this burst's addresses apart from other bursts on the same database."""
    burst = Burst()

    def server(number: int) -> str:
        return base_urls[number % len(base_urls)]

    for number in range(WRONG_LOGINS):
        page = BACKOFFICE_LOGIN if number % 2 == 0 else APPLICANT_LOGIN
        visitor = Visitor(server(number), timeout)
        burst.people.append(visitor)
        expect(visitor.get(page), 200, f"the login page {page}")
        form = {"email": f"inconnu.{tag}.{number}@example.org", "password": WRONG_PASSWORD}
        what = "backoffice login" if page == BACKOFFICE_LOGIN else "applicant login"
        burst.requests.append((what, _sender(visitor.post, page, form)))
    for number in range(STEP_POSTS):
        email = f"etape.{tag}.{number}@example.org"
        applicant = Applicant(server(number + 1), CODE, email, timeout)
        burst.people.append(applicant)
        applicant.begin()
        applicant.fill_until("establishment")
        burst.requests.append(("wizard step", _sender(applicant.step_post, "trainee")))
    admin = Visitor(server(0), timeout)
    burst.people.append(admin)
    expect(admin.get(BACKOFFICE_LOGIN), 200, "the backoffice login page")
    form = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    expect(admin.post(BACKOFFICE_LOGIN, form), 303, "the admin's login")
    burst.requests.append(("PDF test", _sender(admin.http.get, PDF_TEST)))
    return burst


def _sender(
    send: Callable[..., httpx2.Response], *arguments: object
) -> Callable[[], httpx2.Response]:
    return lambda: send(*arguments)


def expected(answer: Answer) -> bool:
    """What a person would call a right answer: a refused login, a saved step, a PDF."""
    if answer.status is None:
        return False
    if answer.what.endswith("login"):
        return 400 <= answer.status < 500
    if answer.what == "wizard step":
        return answer.status == 303
    return answer.status == 200 and answer.detail.startswith("application/pdf")


@dataclass
class Outcome:
    answers: list[Answer]
    home: list[Answer]

    @property
    def server_errors(self) -> list[Answer]:
        return [a for a in [*self.answers, *self.home] if a.server_error]

    @property
    def wrong(self) -> list[Answer]:
        return [a for a in self.answers if not expected(a)]

    @property
    def home_seconds(self) -> list[float]:
        return [a.seconds for a in self.home]

    @property
    def slowest_request(self) -> float:
        return max(a.seconds for a in self.answers)

    def describe(self) -> str:
        seconds = self.home_seconds
        errors = self.server_errors
        kinds: dict[str, int] = {}
        for answer in errors:
            key = f"{answer.what} -> {answer.status or 'no answer'}"
            kinds[key] = kinds.get(key, 0) + 1
        listed = ", ".join(f"{kind}: {n}" for kind, n in kinds.items())
        return (
            f"{len(errors)} answers 5xx or missing{f' ({listed})' if listed else ''}; "
            f"home page: {len(seconds)} fetched, p50 {percentile(seconds, 0.5):.2f} s, "
            f"p99 {percentile(seconds, 0.99):.2f} s, worst {max(seconds, default=0):.2f} s; "
            f"slowest burst request {self.slowest_request:.1f} s"
        )


def send(burst: Burst, base_urls: Sequence[str], home_timeout: float = 10.0) -> Outcome:
    """Sends the burst while the home page is fetched from every server."""
    with Watch(base_urls, "/", home_timeout) as watch:
        answers = at_once(burst.requests)
    return Outcome(answers, list(watch.answers))

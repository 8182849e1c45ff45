"""A registration opening, played with Locust: applicants arriving one after another, each
going through the whole wizard with pauses to read and type, some leaving half-way for good,
some coming back later by their "resume" link, every one who sends a request confirming their
address from the mail; a few then asking for their follow link by mail, some of those cancelling.
Meanwhile operators work the backoffice queue and fire the validations.

Run by `run.py`, which sets it up through the environment:

    LOAD_APPLICANTS   how many applicants (the run stops when the last one is done)
    LOAD_SESSION      the training session's code
    LOAD_THINK        pause scale: 1 = a person reading and typing, 0.05 = a quick test
    LOAD_MAIL_FOLDER  the SMTP sink's folder (smtp_sink.py), where mails are looked for
    LOAD_OPERATORS    "email password" pairs, one per line
    LOAD_OUTCOMES     where each applicant's outcome is written, as JSON, at the end
    LOAD_SEED         the seed of every person's choices

Every page is named after its route, so Locust's statistics are per page. A mail is recorded
as a request of type MAIL (its time: from the action that sends it to its arrival), or as a
failure if it never arrives."""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gevent
from inbox import Inbox, Mail
from locust import HttpUser, between, events, task
from pages import (
    csrf_of,
    forms,
    hrefs,
    mailed_path,
    queue_references,
    reference_of,
    resume_path,
    shown_of,
)
from requests import Response

APPLICANTS = int(os.environ.get("LOAD_APPLICANTS", "500"))
CODE = os.environ.get("LOAD_SESSION", "OUVERTURE")
THINK = float(os.environ.get("LOAD_THINK", "1"))
MAIL_FOLDER = Path(os.environ.get("LOAD_MAIL_FOLDER", "var/load/mail"))
MAIL_TIMEOUT = float(os.environ.get("LOAD_MAIL_TIMEOUT", "180"))
OUTCOMES = os.environ.get("LOAD_OUTCOMES", "")
SEED = int(os.environ.get("LOAD_SEED", "12"))
OPERATORS = [
    tuple(line.split(" ", 1))
    for line in os.environ.get("LOAD_OPERATORS", "").splitlines()
    if line.strip()
]

START = f"/inscription/{CODE}"
DESK = "/backoffice/onboarding"
DESK_NAME = "/backoffice/[workflow]"
ESTABLISHMENTS = ["ville_lyon", "metropole_lyon", "villeurbanne", "grenoble", "chambery"]
SEARCHES = ["Lyo", "38000", "Vill", "Gren", "Cham"]
FIRST_NAMES = ["Camille", "Dominique", "Claude", "Hélène", "Jérôme", "Zoé", "Noël", "Maëlle"]
LAST_NAMES = ["Martin", "Bernard", "Lefèvre", "Dubois", "Garnier", "Nguyen", "Rousseau"]
MANDATES = ["maire", "adjoint_maire", "conseiller_municipal", "president_epci"]
LEAVING_STEPS = ["funding", "establishment", "trainee", "mandate", "dietary", "extra_data", "terms"]
IDLE_CONNECTION = 4.0
FIELD_ERROR = re.compile(r'class="field__error"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)')
VALIDATIONS = ("validate_institution", "validate_operator", "validate_applicant")


class JourneyBroken(Exception):
    """A page other than the one expected: the failure is recorded, the person gives up."""


@dataclass
class Outcome:
    """What happened to one applicant, for the run's checks."""

    number: int
    email: str
    plan: str  # straight, abandons, resumes
    submitted: bool = False
    reference: str = ""
    confirmed: str = ""  # seat, waiting_list
    followed: bool = False
    cancelled: bool = False
    broken: str = ""


NUMBERS = itertools.count(1)
OUTCOME_LIST: list[Outcome] = []


class Person(HttpUser):
    """Someone with a browser of their own (cookies) who checks every answer they get."""

    abstract = True

    last_request = 0.0

    def think(self, low: float, high: float) -> None:
        """A person's pause: reading, typing, looking elsewhere."""
        gevent.sleep(random.uniform(low, high) * THINK)

    def fresh_connections(self) -> None:
        """After a pause longer than the server keeps an idle connection open (uvicorn: 5 s),
        the next request goes on a new connection, as a browser's would once the server closed
        the old one. Reusing a connection at the very moment the server closes it fails in the
        load tool, where a browser would send the request again."""
        if time.monotonic() - self.last_request > IDLE_CONNECTION:
            self.client.close()

    def call(
        self, method: str, path: str, name: str, expect: tuple[int, ...], **options: Any
    ) -> Response:
        self.fresh_connections()
        with self.client.request(
            method, path, name=name, allow_redirects=False, catch_response=True, **options
        ) as response:
            self.last_request = time.monotonic()
            if response.status_code not in expect:
                said = response.error if response.status_code == 0 else what_is_wrong(response)
                why = f"{response.status_code} instead of {expect}: {said!r}"
                response.failure(why)
                raise JourneyBroken(f"{name}: {why}")
            response.success()
            return response

    def get(self, path: str, name: str, expect: tuple[int, ...] = (200,)) -> Response:
        return self.call("GET", path, name, expect)

    def post(
        self, path: str, name: str, data: dict[str, str], expect: tuple[int, ...] = (303,)
    ) -> Response:
        return self.call("POST", path, name, expect, data=data)

    def record(self, kind: str, name: str, started: float, problem: str = "") -> None:
        """A measure that is not an HTTP request (a mail's arrival) in Locust's statistics."""
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=(time.monotonic() - started) * 1000,
            response_length=0,
            exception=JourneyBroken(problem) if problem else None,
            context={},
        )


class Applicant(Person):
    wait_time = between(0, 0)

    def on_start(self) -> None:
        self.number = next(NUMBERS)
        self.rng = random.Random(SEED * 100_003 + self.number)
        self.email = f"candidat.{self.number}.{SEED}@ouverture.example"
        plan = self.rng.choices(["straight", "abandons", "resumes"], [75, 10, 15])[0]
        self.outcome = Outcome(self.number, self.email, plan)
        OUTCOME_LIST.append(self.outcome)
        self.javascript = self.rng.random() < 0.7
        self.leaves_at = self.rng.choice(LEAVING_STEPS)

    @task
    def journey(self) -> None:
        try:
            self.register()
            if self.outcome.submitted:
                self.confirm()
                if self.rng.random() < 0.1:
                    self.follow()
        except JourneyBroken as broken:
            self.outcome.broken = str(broken)[:300]
        except Exception as error:  # anything else would make Locust start the journey again
            self.outcome.broken = f"{error.__class__.__name__}: {error}"[:300]
            self.record("ERROR", "applicant's journey", time.monotonic(), self.outcome.broken)
        finally:
            PROGRESS.finished += 1
        # Done, but not stopped: during the ramp-up Locust replaces a stopped user by a new
        # one, which would be an applicant too many.
        while True:
            gevent.sleep(60)

    # -- the wizard ---------------------------------------------------------------------------

    def register(self) -> None:
        self.get("/", "/")
        self.think(5, 20)
        page = self.get(START, "/inscription/[code]").text
        self.think(3, 10)
        data = {"_action": "new_request", "_nav": "next", "_csrf": csrf_of(page)}
        location = self.post(START, "/inscription/[code]", data).headers["location"]
        while "/etape/" in location:
            step = location.split("/etape/", 1)[1].split("?", 1)[0]
            page = self.get(location, f"/inscription/[code]/etape/{step}").text
            if step == self.leaves_at and self.outcome.plan != "straight":
                page = self.leave(step, page)
                if not page:
                    return
            location = self.answer(step, page)
        page = self.get(location, "/inscription/[code]/envoyee/[token]").text
        reference = reference_of(page)
        if reference is None or "Demande envoyée" not in page:
            raise JourneyBroken(f"the sent page shows no reference: {page[:300]!r}")
        self.outcome.submitted, self.outcome.reference = True, reference

    def leave(self, step: str, page: str) -> str:
        """Leaves on this step: for good, or to come back later in another browser by the
        resume link the page shows. Returns the step's page when back."""
        link = resume_path(page)
        if link is None:
            raise JourneyBroken(f"no resume link on step {step}")
        if self.outcome.plan == "abandons":
            return ""
        self.think(30, 120)
        self.client.cookies.clear()
        back = self.get(link, "/inscription/[code]/reprendre/[token]", (303,))
        location = back.headers["location"]
        if f"/etape/{step}" not in location:
            raise JourneyBroken(f"the resume link led to {location}, not to step {step}")
        return self.get(location, f"/inscription/[code]/etape/{step}").text

    def answer(self, step: str, page: str) -> str:
        """Fills the step as the person would, sends it and returns where it leads. Without
        JavaScript, a field that an answer reveals appears on the same page first; some people
        mistype their address confirmation and correct it."""
        self.think(4, 15)
        url = f"{START}/etape/{step}"
        if step == "establishment" and self.rng.random() < 0.5:
            query = self.rng.choice(SEARCHES)
            search = f"{START}/recherche/establishment?q={query}"
            self.get(search, "/inscription/[code]/recherche/[field]")
            self.think(1, 4)
        typed = self.answers(step)
        shown = shown_of(page)
        if self.javascript and step in ("dietary", "disability"):
            shown = ",".join(filter(None, [shown, f"{step}_details"]))
        mistyped = step == "trainee" and self.rng.random() < 0.1
        if mistyped:
            sent = {**typed, "email__confirm": "autre." + self.email}
            data = {**sent, "_nav": "next", "_csrf": csrf_of(page), "_shown": shown}
            page = self.post(url, f"/inscription/[code]/etape/{step} (invalid)", data, (422,)).text
            if "Les deux adresses de courriel ne correspondent pas" not in page:
                raise JourneyBroken(f"no message for the mismatched address: {page[:300]!r}")
            self.think(3, 8)
        data = {**typed, "_nav": "next", "_csrf": csrf_of(page), "_shown": shown}
        response = self.post(url, f"/inscription/[code]/etape/{step}", data, (303, 200))
        if response.status_code == 200:  # a field appeared (no JavaScript): fill it, send again
            page = response.text
            self.think(3, 10)
            data = {**typed, "_nav": "next", "_csrf": csrf_of(page), "_shown": shown_of(page)}
            response = self.post(url, f"/inscription/[code]/etape/{step} (revealed)", data)
        return str(response.headers["location"])

    def answers(self, step: str) -> dict[str, str]:
        pick = self.rng.choice
        dietary = self.number % 5 == 0
        disability = self.number % 11 == 0
        return {
            "funding": {"funding_method": pick(["establishment", "establishment", "personal"])},
            "establishment": {"establishment": pick(ESTABLISHMENTS)},
            "trainee": {
                "civility": pick(["m", "mme"]),
                "first_name": pick(FIRST_NAMES),
                "last_name": pick(LAST_NAMES),
                "email": self.email,
                "email__confirm": self.email,
                "postal_code": pick(["69001", "38000", "73000", "01000"]),
                "phone": f"06 12 {self.number // 100 % 100:02d} {self.number % 100:02d} 78",
                "expectations": pick(["", "Mieux comprendre les leviers de rénovation."]),
            },
            "mandate": {"mandate": pick(MANDATES), "first_mandate_year": pick(["2014", "2020"])},
            "dietary": {"dietary_constraints": "yes", "dietary_details": "Végétarien."}
            if dietary
            else {"dietary_constraints": "no"},
            "disability": {"disability": "on", "disability_details": "Accès de plain-pied."}
            if disability
            else {},
            "extra_data": {
                "share_with_participants": pick(["yes", "no"]),
                "training_offer_mailing": pick(["yes", "no"]),
                "image_rights": pick(["yes", "no"]),
            },
            "terms": {"terms_accepted": "on"},
        }.get(step, {})

    # -- the mails ----------------------------------------------------------------------------

    def wait_mail(self, template: str, count: int = 1) -> Mail:
        """The `count`-th mail made from `template` in the person's box (polled as a mail
        client would, at a pace that keeps hundreds of them cheap)."""
        inbox = Inbox(MAIL_FOLDER, self.email)
        started = time.monotonic()
        while time.monotonic() - started < MAIL_TIMEOUT:
            found = inbox.mails(template)
            if len(found) >= count:
                self.record("MAIL", template, started)
                return found[count - 1]
            gevent.sleep(0.5)
        self.record("MAIL", template, started, f"no mail {template} after {MAIL_TIMEOUT:.0f} s")
        raise JourneyBroken(f"the mail {template} never arrived to {self.email}")

    def confirm(self) -> None:
        mail = self.wait_mail("confirm_email")
        self.think(10, 60)  # the mail client, the spam folder
        path = mailed_path(mail.text, "/liens/confirm_email/")
        if path is None:
            raise JourneyBroken("no confirmation link in the mail")
        page = self.get(path, "/liens/confirm_email/[token]").text
        self.think(2, 6)
        form = forms(page).get(path)
        if form is None:
            raise JourneyBroken(f"no button on the confirmation page: {page[:300]!r}")
        page = html.unescape(self.post(path, "/liens/confirm_email/[token]", form, (200,)).text)
        if "c'est fait" not in page:
            raise JourneyBroken(f"the confirmation did not say it is done: {page[:300]!r}")
        self.outcome.confirmed = "waiting_list" if "Sur liste d'attente" in page else "seat"

    def follow(self) -> None:
        """Asks for the follow link, opens it from the mail; some cancel their request."""
        self.outcome.followed = True
        self.think(20, 90)
        page = self.get(f"{START}/suivi", "/inscription/[code]/suivi").text
        self.think(2, 6)
        data = {"email": self.email, "_csrf": csrf_of(page)}
        self.post(f"{START}/suivi", "/inscription/[code]/suivi", data, (200,))
        mail = self.wait_mail("follow_requests")
        path = mailed_path(mail.text, "/mes-demandes/")
        if path is None:
            raise JourneyBroken("no follow link in the mail")
        page = self.get(path, "/mes-demandes/[workflow]/[token]").text
        if self.outcome.reference not in page:
            raise JourneyBroken(f"{self.outcome.reference} missing from the follow page")
        if self.rng.random() < 0.5:
            return
        self.think(5, 20)
        [link] = hrefs(page, "/liens/")[:1] or [""]
        if not link:
            raise JourneyBroken("no link to the request on the follow page")
        page = self.get(link, "/liens/follow/[token]").text
        cancels = [f for f in forms(page).values() if f.get("transition", "").startswith("cancel")]
        if not cancels:
            raise JourneyBroken(f"no cancel button on the request's page: {page[:300]!r}")
        self.think(3, 10)
        page = html.unescape(self.post(link, "/liens/follow/[token]", cancels[0], (200,)).text)
        if "c'est fait" not in page:
            raise JourneyBroken(f"the cancellation did not say it is done: {page[:300]!r}")
        self.outcome.cancelled = True


class Operator(Person):
    """One of the staff working the queue during the opening: opens confirmed requests and
    fires the next validation, looks at the waiting list when seats may have come free."""

    fixed_count = len(OPERATORS)

    wait_time = between(3 * THINK, 12 * THINK)

    def on_start(self) -> None:
        email, password = OPERATORS[next(OPERATOR_NUMBERS) % len(OPERATORS)]
        page = self.get("/backoffice/connexion", "/backoffice/connexion").text
        data = {"email": email, "password": password, "_csrf": csrf_of(page)}
        self.post("/backoffice/connexion", "/backoffice/connexion", data)

    @task(6)
    def validate(self) -> None:
        self.work_on("in_progress", VALIDATIONS)

    @task(2)
    def waiting_list(self) -> None:
        self.work_on("waiting", ("seat_available",))

    @task(1)
    def notifications(self) -> None:
        self.guarded(lambda: self.get(f"{DESK}/notifications", f"{DESK_NAME}/notifications"))

    @task(1)
    def overview(self) -> None:
        self.guarded(lambda: self.get(f"{DESK}/vue-ensemble", f"{DESK_NAME}/vue-ensemble"))

    @task(1)
    def search(self) -> None:
        name = random.choice(LAST_NAMES)
        path = f"{DESK}/demandes?q={name}"
        self.guarded(lambda: self.get(path, f"{DESK_NAME}/demandes?q=[name]"))

    def guarded(self, action: Any) -> None:
        try:
            action()
        except JourneyBroken:
            pass  # recorded as a failure; the operator goes on with the next task
        except Exception as error:
            self.record("ERROR", "operator's task", time.monotonic(), f"{error!r}"[:300])

    def work_on(self, tab: str, transitions: tuple[str, ...]) -> None:
        def work() -> None:
            page = self.get(f"{DESK}/demandes?onglet={tab}", f"{DESK_NAME}/demandes?onglet={tab}")
            references = queue_references(page.text)
            if not references:
                return
            self.think(2, 6)
            reference = random.choice(references[:10])
            path = f"{DESK}/demandes/{reference}"
            page_text = self.get(path, f"{DESK_NAME}/demandes/[reference]").text
            self.think(3, 10)
            for transition in transitions:
                action = f"{path}/transitions/{transition}"
                form = forms(page_text).get(action)
                if form is not None:
                    self.fire(action, transition, {**form, "_confirme": "oui"})
                    return

        self.guarded(work)

    def fire(self, action: str, transition: str, form: dict[str, str]) -> None:
        """303 when fired; 409 when another operator fired first or the condition no longer
        holds (no seat left): the page says so, which is the right answer."""
        name = f"{DESK_NAME}/demandes/[reference]/transitions/{transition}"
        response = self.post(action, name, form, (303, 409))
        if response.status_code == 303:
            self.get(response.headers["location"], f"{DESK_NAME}/demandes/[reference]")
        else:
            PROGRESS.refused[transition] = PROGRESS.refused.get(transition, 0) + 1


OPERATOR_NUMBERS = itertools.count()


def what_is_wrong(response: Response) -> str:
    """The error messages a page shows, or its beginning."""
    errors = [html.unescape(e).strip() for e in FIELD_ERROR.findall(response.text)]
    return "; ".join(errors) if errors else response.text[:200]


@dataclass
class Progress:
    finished: int = 0
    refused: dict[str, int] | None = None


PROGRESS = Progress(refused={})


@events.test_start.add_listener
def watch_the_end(environment: Any, **_: Any) -> None:
    """Stops the run once every applicant is done (the operators only work meanwhile)."""

    def wait() -> None:
        while PROGRESS.finished < APPLICANTS:
            gevent.sleep(0.5)
        environment.runner.quit()

    gevent.spawn(wait)


@events.quitting.add_listener
def write_outcomes(environment: Any, **_: Any) -> None:
    if OUTCOMES:
        report = {
            "applicants": [asdict(outcome) for outcome in OUTCOME_LIST],
            "refused_firings": PROGRESS.refused,
        }
        Path(OUTCOMES).write_text(json.dumps(report, indent=1), encoding="utf-8")

"""People using a served product over plain HTTP, each with a client of their own: their own
cookies (browser session, draft) and the CSRF token their pages carry, as separate browsers."""

from __future__ import annotations

import re
from typing import Any

import httpx2
from bs4 import BeautifulSoup

from tests.web.browser import form_values
from tests.web.journey import ANSWERS, STEPS

# Generous: an answer that takes longer than this counts as none. The tests bound what matters
# (the home page during a burst) themselves; on a machine busy with other work, 200 requests
# sent at once to two servers may each wait for tens of seconds.
ANSWER_TIMEOUT = 90.0

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
CONFIRM_LINK = re.compile(r"https?://[^\s/]+(/liens/confirm_email/[A-Za-z0-9._-]+)")


class Visitor:
    """A browser without JavaScript pointed at one server; redirects are not followed, so
    every answer is seen as the server gave it."""

    def __init__(self, base_url: str, timeout: float = ANSWER_TIMEOUT) -> None:
        self.base_url = base_url
        self.http = httpx2.Client(base_url=base_url, timeout=timeout, trust_env=False)
        self.csrf = ""

    def get(self, path: str) -> httpx2.Response:
        response = self.http.get(path)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any]) -> httpx2.Response:
        return self.http.post(path, data={"_csrf": self.csrf, **data})

    def close(self) -> None:
        self.http.close()


def expect(response: httpx2.Response, status: int, what: str) -> httpx2.Response:
    if response.status_code != status:
        raise AssertionError(
            f"{what}: expected {status}, got {response.status_code} "
            f"{response.headers.get('location', '')}\n{response.text[:600]}"
        )
    return response


class Applicant(Visitor):
    """Someone registering for one training session through the wizard."""

    def __init__(
        self, base_url: str, code: str, email: str, timeout: float = ANSWER_TIMEOUT
    ) -> None:
        super().__init__(base_url, timeout)
        self.start = f"/inscription/{code}"
        self.email = email

    def answers(self, step: str) -> dict[str, Any]:
        typed = {"_nav": "next", **ANSWERS[step]}
        if step == "trainee":
            typed.update(email=self.email, email__confirm=self.email)
        return typed

    def begin(self) -> None:
        """Opens the wizard and answers its first step: the draft exists from then on."""
        expect(self.get(self.start), 200, "the wizard's first page")
        expect(self.post(self.start, self.answers(STEPS[0])), 303, f"step {STEPS[0]}")

    def step_post(self, step: str) -> httpx2.Response:
        return self.post(f"{self.start}/etape/{step}", self.answers(step))

    def fill_until(self, last: str) -> None:
        """Every step after the first up to and including `last`, each saved (303)."""
        for step in STEPS[1 : STEPS.index(last) + 1]:
            expect(self.step_post(step), 303, f"step {step} of {self.email}")

    def send_request(self) -> None:
        self.begin()
        self.fill_until(STEPS[-1])


class LinkPage:
    """A mailed link's page: its state badge and the form of the button it offers."""

    def __init__(self, response: httpx2.Response) -> None:
        self.status = response.status_code
        self.soup = BeautifulSoup(response.text, "html.parser")

    @property
    def state(self) -> str:
        badge = self.soup.select_one(".badge")
        return " ".join(badge.get_text().split()) if badge else ""

    def button_form(self) -> dict[str, list[str]]:
        forms = self.soup.select("form[method=post]")
        if len(forms) != 1:
            raise AssertionError(f"expected one button on the link's page, found {len(forms)}")
        return form_values(forms[0])

    @property
    def error(self) -> str:
        alert = self.soup.select_one("[role=alert]")
        return " ".join(alert.get_text().split()) if alert else ""


def confirmation_path(mail_text: str) -> str:
    """The path of the confirmation link in a mail (the server part is chosen by the test)."""
    found = CONFIRM_LINK.search(mail_text)
    if found is None:
        raise AssertionError(f"no confirmation link in:\n{mail_text}")
    return found.group(1)

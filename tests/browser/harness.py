"""The product as a person meets it: the `onboarding` command serving the app with uvicorn on
127.0.0.1 (demo data loaded, mails delivered by its embedded worker to a test SMTP server), and
Debian's Chromium driven by Playwright. Used by the browser tests and by
`scripts/screenshots.py`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.serving import Installation, Served, wait_until
from tests.web.smtp import MailServer, Received

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# Chromium started as root in a sandboxed machine with no route outside: no sandbox of its
# own, and none of the background connections it would otherwise keep trying.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

OPERATOR_EMAIL = "operateur@hgi.example"
OPERATOR_PASSWORD = "Operateur-navigateur-2026"
ADMIN_EMAIL = "administration@hgi.example"
ADMIN_PASSWORD = "Administration-navigateur-2026"


def chromium_executable() -> str:
    """Debian's Chromium (never a browser downloaded by a test tool)."""
    path = os.environ.get("ONBOARDING_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise RuntimeError(
            "Chromium is needed by the browser tests: install Debian's package "
            "(apt-get install chromium) or set ONBOARDING_CHROMIUM to its executable"
        )
    return path


def axe_script() -> str:
    if not AXE_SCRIPT.is_file():
        raise RuntimeError(
            "axe-core is missing: run `npm ci` in tests/browser (scripts/test.sh does it)"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@dataclass
class ServedApp:
    """`onboarding demo`, an operator login, then `onboarding serve` in a child process."""

    data_dir: Path
    mail: MailServer
    database_url: str = ""
    served: Served | None = None

    @property
    def port(self) -> int:
        assert self.served is not None, "start the app first"
        return self.served.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def installation(self) -> Installation:
        return Installation(
            self.data_dir,
            self.database_url,
            {
                "ONBOARDING_SECRET_KEY": "browser-tests-secret-not-for-production",
                "ONBOARDING_SMTP_HOST": "127.0.0.1",
                "ONBOARDING_SMTP_PORT": str(self.mail.port),
                "ONBOARDING_WORKER_POLL_SECONDS": "0.2",
            },
        )

    def start(self) -> None:
        installation = self.installation()
        installation.run("demo")
        installation.run(
            "user", "create", OPERATOR_EMAIL,
            "--role", "registration_manager", "--password", OPERATOR_PASSWORD,
        )  # fmt: skip
        installation.run(
            "user", "create", ADMIN_EMAIL, "--role", "admin", "--password", ADMIN_PASSWORD
        )
        self.served = installation.serve()
        self.served.wait_ready()

    def log(self) -> str:
        return self.served.log() if self.served is not None else ""

    def stop(self) -> None:
        if self.served is not None:
            self.served.stop()

    def mail_to(
        self, address: str, template: str, about: str = "", timeout: float = 20.0
    ) -> Received:
        """The mail made from `template` that reached `address`, with `about` in its subject
        or text when given (waits for the worker)."""

        def arrived() -> Received | None:
            for received in self.mail.to(address):
                if received.message["X-Onboarding-Template"] != template:
                    continue
                if about in received.subject or about in received.text:
                    return received
            return None

        return wait_until(arrived, f"the mail '{template}' to {address}", timeout)


@contextmanager
def served_app(data_dir: Path, database_url: str = "") -> Iterator[ServedApp]:
    mail = MailServer()
    mail.start()
    app = ServedApp(data_dir, mail, database_url)
    try:
        app.start()
        yield app
    finally:
        app.stop()
        mail.stop()


@contextmanager
def chromium() -> Iterator[tuple[Playwright, Browser]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield playwright, browser
        finally:
            browser.close()


def open_page(
    browser: Browser,
    base_url: str,
    *,
    javascript: bool = True,
    width: int = 1280,
    height: int = 900,
    timeout: float = 10.0,
) -> Page:
    """A page in a browser context of its own (its own cookies: another person), in French."""
    context = browser.new_context(
        base_url=base_url,
        java_script_enabled=javascript,
        viewport={"width": width, "height": height},
        locale="fr-FR",
    )
    context.set_default_timeout(timeout * 1000)
    page = context.new_page()
    # A confirmation dialog is answered "OK", as the person pressing the button means to.
    page.on("dialog", lambda dialog: dialog.accept())
    return page

"""Fixtures of the browser tests: one served app (SQLite) and one Chromium for the whole run,
a fresh browser context (cookies, viewport, JavaScript on or off) per person in a test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from .harness import ServedApp, chromium, served_app

NewPage = Callable[..., Page]


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    with served_app(tmp_path_factory.mktemp("served") / "data") as served:
        yield served


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    with chromium() as (_, browser):
        yield browser


@pytest.fixture
def new_page(chromium_browser: Browser, app: ServedApp) -> Iterator[NewPage]:
    """Opens a page in a browser context of its own: another person, another browser."""
    contexts: list[BrowserContext] = []

    def open_page(*, javascript: bool = True, width: int = 1280, height: int = 900) -> Page:
        context = chromium_browser.new_context(
            base_url=app.base_url,
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            locale="fr-FR",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        # A confirmation dialog is answered "OK", as the person pressing the button means to.
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_page
    for context in contexts:
        context.close()

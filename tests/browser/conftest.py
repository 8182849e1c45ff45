"""Fixtures of the browser tests: one served app on SQLite (and one on PostgreSQL for the tests
that ask for it) and one Chromium for the whole run, a fresh browser context (cookies,
viewport, JavaScript on or off) per person in a test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser, Page

from tests.databases import postgres_database

from .harness import ServedApp, chromium, open_page, served_app

NewPage = Callable[..., Page]


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    with served_app(tmp_path_factory.mktemp("served") / "data") as served:
        yield served


@pytest.fixture(scope="session")
def app_on_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """The same, on a PostgreSQL database of its own, created and dropped by the run."""
    with ExitStack() as stack:
        database = postgres_database()
        url = next(database)
        stack.callback(lambda: list(database))  # drops the database once the app has stopped
        data_dir = tmp_path_factory.mktemp("served-pg") / "data"
        yield stack.enter_context(served_app(data_dir, url))


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    # Per module, not per run: Playwright's synchronous API keeps an event loop running in
    # this thread while it is open, and other tests start event loops of their own.
    with chromium() as (_, browser):
        yield browser


@pytest.fixture
def new_page(chromium_browser: Browser, app: ServedApp) -> Iterator[NewPage]:
    """Opens a page in a browser context of its own: another person, another browser."""
    pages: list[Page] = []

    def open_one(
        *, javascript: bool = True, width: int = 1280, height: int = 900, on: ServedApp = app
    ) -> Page:
        page = open_page(
            chromium_browser, on.base_url, javascript=javascript, width=width, height=height
        )
        pages.append(page)
        return page

    yield open_one
    for page in pages:
        page.context.close()

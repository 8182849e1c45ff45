"""When the database refuses connections (its connection limit reached, a restart), pages
answer 503 with a page that says to try again and a Retry-After header, not a 500: the
applicant's saved answers are still there once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from .conftest import Site
from .journey import ANSWERS, START, STEPS


@contextmanager
def refused_connections(site: Site) -> Iterator[None]:
    """New connections fail as a server at its connection limit makes them fail."""
    dbapi = site.engine.dialect.dbapi

    def refuse(*_args: Any) -> None:
        raise dbapi.OperationalError("FATAL:  sorry, too many clients already")

    site.engine.dispose()  # the pooled connections go: every request must connect
    event.listen(site.engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(site.engine, "do_connect", refuse)
        site.engine.dispose()


def test_pages_answer_503_while_the_database_refuses_connections(site: Site) -> None:
    browser = site.browser()
    page = browser.get(START)
    assert page.status == 200
    page = browser.submit(ANSWERS[STEPS[0]])
    assert page.status == 200 and f"/etape/{STEPS[1]}" in page.url

    with refused_connections(site):
        for address in ("/", START, page.url):
            refused = browser.get(address)
            assert refused.status == 503, address
            assert "Service momentanément indisponible" in refused.text
            assert "vos réponses déjà enregistrées sont conservées" in refused.text
            assert refused.response.headers["retry-after"] == "5"
            assert "Traceback" not in refused.html and "too many clients" not in refused.html

    again = browser.get(page.url)
    assert again.status == 200
    assert f"/etape/{STEPS[1]}" in again.url


def test_the_pool_size_of_each_process_is_a_setting(tmp_path: Any) -> None:
    """With several processes on PostgreSQL, processes x pool must stay under the server's
    connection limit: `ONBOARDING_DATABASE_POOL_SIZE` bounds each process's connections."""
    from app.factory import create_app
    from engine.config import AppSettings
    from engine.store.db import POOL_SIZE

    from .conftest import PROJECT, SERVED_IN_TESTS

    for size, expected in ((0, POOL_SIZE), (12, 12)):
        settings = AppSettings(
            project_dir=PROJECT,
            workflows=SERVED_IN_TESTS,
            data_dir=tmp_path / str(size),
            database_pool_size=size,
        )
        app = create_app(settings)
        try:
            assert app.state.engine.pool.size() == expected
        finally:
            app.state.engine.dispose()

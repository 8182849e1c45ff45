"""Fixtures of the concurrency tests: one installation of the product per database (SQLite
and PostgreSQL: every test runs on both), and per test, two `onboarding serve` processes on it
(fresh ones, so that a test which leaves a server stuck does not slow the next one)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.databases import postgres_database
from tests.serving import Installation
from tests.web.smtp import MailServer

from .cluster import Cluster, install, running

WEB_PROCESSES = 2


@dataclass
class Product:
    backend: str
    installation: Installation
    mail: MailServer


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def product(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Product]:
    mail = MailServer()
    mail.start()
    database = postgres_database() if request.param == "postgresql" else None
    try:
        url = next(database) if database is not None else ""
        data_dir = tmp_path_factory.mktemp(f"concurrency-{request.param}")
        yield Product(request.param, install(data_dir, url, mail.port), mail)
    finally:
        mail.stop()
        if database is not None:
            for _ in database:  # drops the database
                pass


@pytest.fixture
def cluster(product: Product, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    name = request.node.name.replace("[", "-").rstrip("]")
    with running(product.installation, WEB_PROCESSES, name) as started:
        yield started

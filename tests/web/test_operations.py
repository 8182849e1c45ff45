"""What whoever runs the product checks: `/healthz`, `/readyz` (database reachable, schema at
the code's head), `/metrics` (requests by route template, the outbox as the database holds it,
the worker's rounds and timers), and the request id of every access line. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from engine.config import AppSettings
from engine.logs import ACCESS_FIELDS, JsonFormatter, RequestIdFilter
from engine.store.db import make_engine
from engine.store.migrate import current_revision, head_revision, upgrade
from web.app import create_app

from .browser import first_link
from .conftest import PROJECT, Site
from .journey import mails
from .smtp import MailServer, free_port
from .test_delivery import confirm, submitted, worker

LINK_ROUTE = "/liens/{link_id}/{token}"


@pytest.fixture
def smtp():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def client(site: Site) -> TestClient:
    return TestClient(site.app, base_url="http://testserver")


def app_on(site: Site, url: str) -> TestClient:
    """The same app on another database (one not migrated, or none at all)."""
    app = create_app(site.settings, runtime=site.runtime, engine=make_engine(url))
    return TestClient(app, base_url="http://testserver")


def closed_port_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of a Prometheus text exposition (None when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return None


def scrape(site: Site) -> str:
    response = client(site).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


# -- /healthz and /readyz ------------------------------------------------------------------------


def test_healthz_answers_without_a_cookie_even_when_the_database_is_gone(site: Site) -> None:
    response = client(site).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "set-cookie" not in response.headers
    # Alive is not ready: the process answers with no database behind it.
    assert app_on(site, closed_port_url()).get("/healthz").json() == {"status": "ok"}


def test_readyz_answers_when_the_database_is_migrated_to_the_codes_head(site: Site) -> None:
    response = client(site).get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "revision": current_revision(site.engine)}
    assert head_revision() == current_revision(site.engine)
    assert "set-cookie" not in response.headers


def test_readyz_refuses_when_the_database_cannot_be_reached(site: Site) -> None:
    response = app_on(site, closed_port_url()).get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"] == "database_unreachable"
    assert body["error"] == "OperationalError"
    assert "127.0.0.1" not in response.text  # nothing of the address leaks


def test_readyz_refuses_a_database_not_migrated_or_behind(tmp_path: Path) -> None:
    settings = AppSettings(project_dir=PROJECT, data_dir=tmp_path, secret_key="k" * 32)
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    response = TestClient(create_app(settings, engine=empty)).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "schema_not_at_head",
        "head": head_revision(),
    }
    behind = make_engine(f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    upgrade(behind, "0003")
    response = TestClient(create_app(settings, engine=behind)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["revision"] == "0003"
    upgrade(behind)
    assert TestClient(create_app(settings, engine=behind)).get("/readyz").status_code == 200


# -- /metrics ------------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_never_by_path(site: Site) -> None:
    submitted(site)
    [mail] = mails(site, "confirm_email")
    confirm_path = first_link(mail.text, r"http://testserver/liens/confirm_email/\S+")
    confirm_path = confirm_path.removeprefix("http://testserver")
    labels = {"route": LINK_ROUTE, "method": "GET", "status": "200"}
    before = sample(scrape(site), "onboarding_http_requests_total", **labels) or 0
    assert client(site).get(confirm_path).status_code == 200
    assert client(site).get(confirm_path + "?from=mail").status_code == 200
    text = scrape(site)
    assert sample(text, "onboarding_http_requests_total", **labels) == before + 2
    count = sample(
        text, "onboarding_http_request_duration_seconds_count", route=LINK_ROUTE, method="GET"
    )
    assert count is not None and count >= 2
    token = confirm_path.rsplit("/", 1)[1]
    assert token not in text and "from=mail" not in text
    # A made-up method or an unknown address cannot grow the labels without bound.
    client(site).request("BREW", "/anything/at/all")
    text = scrape(site)
    assert sample(text, "onboarding_http_requests_total", route="unmatched", method="other")
    assert "anything" not in text and "BREW" not in text


def test_metrics_read_the_outbox_and_count_worker_rounds_and_timers(
    site: Site, smtp: MailServer
) -> None:
    confirm(site, submitted(site))
    submitted(site)  # left unconfirmed: its timer will expire it
    queued = len(mails(site))
    assert queued > 2
    site.clock.advance(seconds=90)
    text = scrape(site)
    assert sample(text, "onboarding_outbox_mails", status="queued") == queued
    assert sample(text, "onboarding_outbox_mails", status="sent") == 0
    assert sample(text, "onboarding_outbox_mails", status="failed") == 0
    assert sample(text, "onboarding_outbox_oldest_queued_age_seconds") == 90
    assert sample(text, "onboarding_outbox_readable") == 1
    rounds = sample(text, "onboarding_worker_rounds_total") or 0
    timers = sample(text, "onboarding_timers_fired_total") or 0

    run = worker(site, smtp)
    assert run.run_once().sent == queued
    text = scrape(site)
    assert sample(text, "onboarding_outbox_mails", status="queued") == 0
    assert sample(text, "onboarding_outbox_mails", status="sent") == queued
    assert sample(text, "onboarding_outbox_oldest_queued_age_seconds") == 0
    assert sample(text, "onboarding_worker_rounds_total") == rounds + 1

    site.clock.advance(days=8)  # past the confirmation link's life
    outcome = run.run_once()
    assert outcome.timers >= 1
    text = scrape(site)
    assert sample(text, "onboarding_timers_fired_total") == timers + outcome.timers
    assert sample(text, "onboarding_worker_rounds_total") == rounds + 2

    smtp.stop()  # the next mails cannot leave: they fail for good after the last attempt
    submitted(site)
    for _ in range(site.runtime.settings.mail_max_attempts):
        run.run_once()
        site.clock.advance(hours=3)
    failed = [m for m in mails(site) if m.status == "failed"]
    assert failed
    assert sample(scrape(site), "onboarding_outbox_mails", status="failed") == len(failed)


def test_metrics_say_so_when_the_outbox_cannot_be_read(site: Site, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RequestIdFilter())
    response = app_on(site, closed_port_url()).get("/metrics")
    assert response.status_code == 200
    assert sample(response.text, "onboarding_outbox_readable") == 0
    assert sample(response.text, "onboarding_outbox_mails", status="queued") is None
    # The warning written while the scrape ran (in a worker thread) carries its request id.
    [warning] = [r for r in caplog.records if r.name == "onboarding.metrics"]
    assert warning.request_id == response.headers["x-request-id"]


# -- request ids and access lines ----------------------------------------------------------------


def access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "onboarding.access"]


@pytest.mark.parametrize(
    "given",
    ["", "a b", "x" * 65, "é-accent", "id;drop", "<script>"],
    ids=["empty", "space", "too-long", "accent", "semicolon", "markup"],
)
def test_a_request_id_that_is_not_short_and_plain_is_replaced(site: Site, given: str) -> None:
    response = client(site).get("/healthz", headers={"X-Request-ID": given.encode()})
    echoed = response.headers["x-request-id"]
    assert echoed != given
    assert len(echoed) == 32 and int(echoed, 16) >= 0


def test_each_request_gets_an_id_echoed_and_written_on_its_access_line(site: Site, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RequestIdFilter())
    given = client(site).get("/", headers={"X-Request-ID": "proxy-42.a_b"})
    assert given.status_code == 200
    assert given.headers["x-request-id"] == "proxy-42.a_b"
    fresh = [client(site).get("/").headers["x-request-id"] for _ in range(2)]
    assert fresh[0] != fresh[1]
    lines = access_lines(caplog)
    assert [r.request_id for r in lines] == ["proxy-42.a_b", *fresh]
    assert {(r.method, r.route, r.status) for r in lines} == {("GET", "/", 200)}
    assert all(r.levelno == logging.INFO and r.duration_ms >= 0 for r in lines)


def test_unmatched_addresses_and_the_probes_access_lines(site: Site, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client(site).get("/no/such/page?name=Dupont")
    client(site).get("/static/app.css?v=3")
    client(site).get("/healthz")
    unmatched, static, probe = access_lines(caplog)
    assert (unmatched.route, unmatched.status) == ("unmatched", 404)
    assert (static.route, static.status) == ("/static/{path}", 200)
    # Probes come every few seconds: their lines are there for DEBUG only.
    assert (probe.route, probe.levelno) == ("/healthz", logging.DEBUG)
    written = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("onboarding"))
    assert "Dupont" not in written and "no/such" not in written and "v=3" not in written


def test_the_json_format_gives_one_object_per_line_with_the_access_fields(
    site: Site, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RequestIdFilter())
    response = client(site).get("/", headers={"X-Request-ID": "req-1"})
    [line] = access_lines(caplog)
    text = JsonFormatter().format(line)
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["logger"] == "onboarding.access"
    assert entry["level"] == "INFO"
    assert entry["request_id"] == response.headers["x-request-id"] == "req-1"
    assert entry["message"] == f"GET / 200 {line.duration_ms:.1f} ms"
    assert {name: entry[name] for name in ACCESS_FIELDS} == {
        "method": "GET",
        "route": "/",
        "status": 200,
        "duration_ms": line.duration_ms,
    }
    assert entry["time"].endswith("+00:00")

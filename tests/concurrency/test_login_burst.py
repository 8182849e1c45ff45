"""A burst of slow requests must not stall the app: 20 wrong-password logins (each one an
Argon2 verification, slow by design), 20 wizard steps and a PDF test at the same moment, over
two web processes; meanwhile the home page keeps answering: within a second on a quiet machine,
and in any case far sooner than the burst's own slowest request (on a machine busy with other
work every answer slows down, but a page queued behind the burst would wait as long as it)."""

from __future__ import annotations

from .burst import prepare, send
from .cluster import Cluster

HOME_PAGE_LIMIT = 1.0  # seconds, on a quiet machine
BEHIND_THE_BURST = 3  # the home page must answer at least this many times sooner than the burst


def test_a_login_burst_leaves_every_page_answering(cluster: Cluster) -> None:
    urls = [served.base_url for served in cluster.servers]
    burst = prepare(urls, tag="burst")
    try:
        outcome = send(burst, urls)
    finally:
        burst.close()
    figures = outcome.describe()

    assert len(outcome.server_errors) == 0, f"{figures}\n{cluster.logs()}"
    assert [(a.what, a.status) for a in outcome.wrong] == []
    assert outcome.home and {a.status for a in outcome.home} == {200}, figures
    worst = max(outcome.home_seconds)
    assert worst <= max(HOME_PAGE_LIMIT, outcome.slowest_request / BEHIND_THE_BURST), figures

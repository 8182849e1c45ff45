"""A server leaves its warm-up until the app has answered its first request (app/warm_up.py):
the app says when that is, whatever the answer was."""

from __future__ import annotations

import gc
import threading

from fastapi.testclient import TestClient

from app.warm_up import warm_up_in_background
from web.app import first_answer

from .conftest import Site


def test_the_first_answer_is_known_whatever_it_was(site: Site) -> None:
    answered = first_answer(site.app)
    assert not answered.is_set()
    client = TestClient(site.app, base_url="http://testserver")
    assert client.get("/nulle-part").status_code == 404
    assert answered.is_set()


def test_the_warm_up_waits_for_the_first_answer_then_includes_the_backoffice(
    site: Site,
) -> None:
    thread = warm_up_in_background(site.app)
    assert isinstance(thread, threading.Thread)
    thread.join(0.2)
    assert thread.is_alive(), "the warm-up started before any answer"
    assert not site.app.state.deferred_routes.included
    assert TestClient(site.app, base_url="http://testserver").get("/").status_code == 200
    try:
        thread.join(60)
        assert not thread.is_alive()
        assert site.app.state.deferred_routes.included
        # What the process keeps for its lifetime is out of the collector's reach: its full
        # collections no longer visit the app, its routes and its compiled workflows.
        assert gc.get_freeze_count() > 0
        kept = (site.app, site.app.router, site.app.state.runtime.registry)
        assert not any(any(o is k for k in kept) for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual

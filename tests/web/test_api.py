"""The JSON API (/api/v1), on SQLite and PostgreSQL: tokens (401 without one, with a wrong or a
revoked one), the roles' reach (403, answers hidden from roles without personal data), the
request list with the queue's filters and cursors, one request, firing a transition with the
version read (409 when stale) exactly as the backoffice's button does, reference entries and
training sessions, hostile input, and the `api-token` command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.cli import main
from engine.service.api_tokens import create_token
from engine.store.models import ApiToken, HistoryRow, OutboxMail, RequestRow, TrainingSession

from .backoffice import admin, manager
from .conftest import Site
from .journey import CODE
from .test_backoffice_requests import (
    QUEUE,
    copies,
    fire_on_page,
    reference_of,
    state_of,
)
from .test_delivery import confirm, submitted
from .test_page_structure import problems_of

API = "/api/v1"
REQUESTS = f"{API}/workflows/onboarding/requests"
ROLES = {"admin", "registration_manager", "tester", "librarian"}


def token_for(site: Site, role: str, name: str = "synchro") -> str:
    with site.db() as db:
        return create_token(db, name, role, ROLES, created_by="test").token


class Api:
    """A program calling the API with one token."""

    def __init__(self, site: Site, token: str | None) -> None:
        self.client = TestClient(site.app)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(path, json=body, headers=self.headers)


def api(site: Site, role: str) -> Api:
    return Api(site, token_for(site, role))


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def history_rows(site: Site, request_id: int) -> list[HistoryRow]:
    with site.db() as db:
        return list(
            db.execute(
                select(HistoryRow)
                .where(HistoryRow.request_id == request_id)
                .order_by(HistoryRow.id)
            ).scalars()
        )


def mail_templates(site: Site, request_id: int) -> list[str]:
    with site.db() as db:
        return list(
            db.execute(
                select(OutboxMail.template)
                .where(OutboxMail.request_id == request_id)
                .order_by(OutboxMail.id)
            ).scalars()
        )


# -- tokens ---------------------------------------------------------------------------------------


def test_without_a_valid_token_every_address_answers_401(site: Site) -> None:
    revoked = token_for(site, "registration_manager")
    with site.db() as db:
        row = db.execute(select(ApiToken)).scalar_one()
        row.revoked_at = site.clock.now()
        db.commit()
    for caller, code in (
        (Api(site, None), "unauthenticated"),
        (Api(site, "onb_" + "x" * 43), "invalid_token"),
        (Api(site, revoked), "invalid_token"),
        (Api(site, "not-even-ours"), "invalid_token"),
    ):
        for path in (f"{API}/workflows", REQUESTS, f"{REQUESTS}/X-1"):
            response = caller.get(path)
            assert response.status_code == 401, path
            assert error_code(response) == code
            assert response.headers["www-authenticate"] == "Bearer"
            assert "set-cookie" not in response.headers
    basic = TestClient(site.app).get(f"{API}/workflows", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401 and error_code(basic) == "invalid_token"


def test_tokens_are_stored_hashed_and_their_use_noted_once_a_minute(site: Site) -> None:
    token = token_for(site, "registration_manager")
    with site.db() as db:
        row = db.execute(select(ApiToken)).scalar_one()
        assert token not in (row.token_hash, row.prefix) and token.startswith(row.prefix)
        assert len(row.prefix) == 12 and row.last_used_at is None
    caller = Api(site, token)
    assert caller.get(f"{API}/workflows").status_code == 200
    first = site.clock.now()

    def last_used() -> Any:
        with site.db() as db:
            return db.execute(select(ApiToken.last_used_at)).scalar_one()

    assert last_used() == first
    site.clock.advance(seconds=30)
    assert caller.get(f"{API}/workflows").status_code == 200
    assert last_used() == first  # not written again within the minute
    site.clock.advance(seconds=31)
    assert caller.get(f"{API}/workflows").status_code == 200
    assert last_used() == first + timedelta(seconds=61)


# -- what a role reaches --------------------------------------------------------------------------


def test_workflows_list_what_the_role_reaches(site: Site) -> None:
    listed = api(site, "registration_manager").get(f"{API}/workflows").json()["workflows"]
    # The questionnaire's workflow declares the role too; the equipment loans do not.
    assert [w["id"] for w in listed] == ["onboarding", "satisfaction"]
    onboarding = listed[0]
    assert onboarding["level"] == "manage" and onboarding["personal_data"] is True
    assert "email_confirmed" in [s["id"] for s in onboarding["states"]]
    tester = api(site, "tester").get(f"{API}/workflows").json()["workflows"]
    assert [(w["id"], w["level"], w["personal_data"]) for w in tester] == [
        ("onboarding", "none", False)
    ]
    other = api(site, "librarian").get(f"{API}/workflows/onboarding/requests")
    assert other.status_code == 404 and error_code(other) == "not_found"


def test_a_role_without_personal_data_reads_no_answer_nor_identity(site: Site) -> None:
    request_id = submitted(site)
    reference = reference_of(site, request_id)
    tester = api(site, "tester")
    listed = tester.get(REQUESTS).json()["items"]
    assert [(r["reference"], r["applicant"]) for r in listed] == [(reference, None)]
    detail = tester.get(f"{REQUESTS}/{reference}").json()
    assert detail["personal_data"] is False
    assert detail["answers"] is None and detail["applicant"] is None
    assert detail["transitions"] == []
    assert [m["to"] for m in detail["mails"]] == [None]
    assert "Martin" not in str(detail) and "@" not in str(detail)
    # The manager's token reads them, as the manager's request page shows them.
    full = api(site, "registration_manager").get(f"{REQUESTS}/{reference}").json()
    assert full["applicant"]["email"] == "camille.martin@example.org"
    answers = {a["field"]: a for a in full["answers"]}
    assert answers["last_name"]["value"] == "Martin"
    assert full["mails"][0]["to"] == ["camille.martin@example.org"]
    # And it may not fire anything, nor edit lists or sessions.
    fired = tester.post(f"{REQUESTS}/{reference}/transitions/cancel_by_operator", {"version": 1})
    assert fired.status_code == 403 and error_code(fired) == "forbidden"
    assert tester.get(f"{API}/workflows/onboarding/sessions").status_code == 403
    assert state_of(site, request_id) == "awaiting_email_confirmation"


# -- the list -------------------------------------------------------------------------------------


def test_the_list_filters_searches_and_pages_like_the_queue(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    made = copies(site, request_id, 7)
    with site.db() as db:
        db.get(RequestRow, request_id).submitted_at = site.clock.now()
        db.commit()
    caller = api(site, "registration_manager")
    everything = caller.get(REQUESTS).json()
    assert everything["total"] == 8 and not everything["total_capped"]
    # Newest first, as the queue sorts by default.
    assert [r["reference"] for r in everything["items"]][:3] == made[::-1][:3]

    walked: list[str] = []
    page = caller.get(REQUESTS, limit=3).json()
    while True:
        walked += [r["reference"] for r in page["items"]]
        if page["next"] is None:
            break
        page = caller.get(REQUESTS, limit=3, after=page["next"]).json()
    assert walked == [r["reference"] for r in everything["items"]]
    back = caller.get(REQUESTS, limit=3, before=page["items"][0]["public_id"]).json()
    assert [r["reference"] for r in back["items"]] == walked[3:6]

    found = caller.get(REQUESTS, q="nom03").json()["items"]
    assert [r["reference"] for r in found] == [made[3]]
    assert found[0]["applicant"]["name"] == "Prénom03 Nom03"
    assert caller.get(REQUESTS, q=made[5]).json()["total"] == 1
    assert caller.get(REQUESTS, session=CODE, state="email_confirmed").json()["total"] == 8
    assert caller.get(REQUESTS, session="26C04S2").json()["total"] == 0
    assert caller.get(REQUESTS, state="registered").json()["items"] == []
    by_reference = caller.get(REQUESTS, sort="reference", order="asc").json()["items"]
    assert [r["reference"] for r in by_reference] == sorted(r["reference"] for r in by_reference)

    for params, wording in (
        ({"state": "nowhere"}, "État inconnu"),
        ({"category": "nowhere"}, "Catégorie inconnue"),
        ({"after": "00000000-0000-0000-0000-000000000000"}, "Curseur inconnu"),
        ({"colour": "blue"}, "Paramètre(s) inconnu(s) : colour"),
        ({"limit": "1000"}, "Paramètres de la requête invalides"),
        ({"sort": "applicant"}, "Paramètres de la requête invalides"),
    ):
        response = caller.get(REQUESTS, **params)
        assert response.status_code == 400, params
        assert wording in response.json()["error"]["message"]


# -- firing ---------------------------------------------------------------------------------------


def test_firing_through_the_api_does_what_the_backoffice_button_does(site: Site) -> None:
    by_page, by_api = submitted(site), submitted(site)
    for request_id in (by_page, by_api):
        confirm(site, request_id)
    browser = manager(site)
    browser.get(f"{QUEUE}/{reference_of(site, by_page)}")
    assert fire_on_page(browser, "validate_institution").status == 200

    caller = api(site, "registration_manager")
    reference = reference_of(site, by_api)
    before = caller.get(f"{REQUESTS}/{reference}").json()
    offered = {t["id"]: t for t in before["transitions"]}
    assert {"validate_institution", "reject", "cancel_by_operator"} <= set(offered)
    assert offered["reject"]["comment"] == {"label": "Motif du refus", "required": True}
    fired = caller.post(
        f"{REQUESTS}/{reference}/transitions/validate_institution", {"version": before["version"]}
    )
    assert fired.status_code == 200, fired.text
    after = fired.json()
    assert after["state"]["id"] == "institution_validated"
    assert after["version"] == before["version"] + 1
    assert state_of(site, by_api) == state_of(site, by_page) == "institution_validated"

    def written(request_id: int) -> list[tuple[Any, ...]]:
        return [
            (h.transition, h.from_state, h.to_state, h.actor_kind, h.role, h.comment)
            for h in history_rows(site, request_id)
        ]

    assert written(by_api) == written(by_page)
    assert mail_templates(site, by_api) == mail_templates(site, by_page)
    last = after["history"][-1]
    assert last["transition"] == "validate_institution"
    assert last["actor_name"] == "synchro (API)" and last["role"] == "registration_manager"


def test_a_stale_version_is_refused_with_the_current_one(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    reference = reference_of(site, request_id)
    caller = api(site, "registration_manager")
    read = caller.get(f"{REQUESTS}/{reference}").json()["version"]
    # Someone else acts meanwhile, in the backoffice.
    browser = manager(site)
    browser.get(f"{QUEUE}/{reference}")
    fire_on_page(browser, "validate_institution")
    late = caller.post(
        f"{REQUESTS}/{reference}/transitions/reject", {"version": read, "comment": "Non"}
    )
    assert late.status_code == 409
    error = late.json()["error"]
    assert error["code"] == "stale_version" and error["current_version"] == read + 1
    assert state_of(site, request_id) == "institution_validated"
    assert [h.transition for h in history_rows(site, request_id)][-1] == "validate_institution"


def test_the_rules_of_firing_are_the_backoffices(site: Site) -> None:
    request_id = submitted(site)
    reference = reference_of(site, request_id)
    caller = api(site, "registration_manager")
    version = caller.get(f"{REQUESTS}/{reference}").json()["version"]
    url = f"{REQUESTS}/{reference}/transitions"
    # A transition fired by a mailed link, not by a role.
    forbidden = caller.post(f"{url}/confirm_email", {"version": version})
    assert forbidden.status_code == 403 and error_code(forbidden) == "forbidden"
    # Not from this state.
    wrong_state = caller.post(f"{url}/validate_operator", {"version": version})
    assert wrong_state.status_code == 409 and error_code(wrong_state) == "not_from_this_state"
    unknown = caller.post(f"{url}/fly_away", {"version": version})
    assert unknown.status_code == 404 and error_code(unknown) == "unknown_transition"
    confirm(site, request_id)
    version += 1
    # A reason is required to reject.
    blank = caller.post(f"{url}/reject", {"version": version, "comment": "   "})
    assert blank.status_code == 422 and error_code(blank) == "comment_required"
    assert state_of(site, request_id) == "email_confirmed"
    done = caller.post(f"{url}/reject", {"version": version, "comment": "Session réservée."})
    assert done.status_code == 200 and done.json()["state"]["id"] == "rejected"
    assert history_rows(site, request_id)[-1].comment == "Session réservée."
    # Reading needs the request to exist; the body must be what the document says.
    assert caller.get(f"{REQUESTS}/NOPE-1").status_code == 404
    for body in ({}, {"version": "one"}, {"version": 1, "extra": True}, {"version": -1}):
        response = caller.post(f"{url}/reject", body)
        assert response.status_code == 422 and error_code(response) == "invalid", body


def test_hostile_input_gets_a_clear_4xx(site: Site) -> None:
    request_id = submitted(site)
    reference = reference_of(site, request_id)
    token = token_for(site, "admin")
    client = TestClient(site.app)
    headers = {"Authorization": f"Bearer {token}"}
    as_json = {**headers, "Content-Type": "application/json"}
    url = f"{REQUESTS}/{reference}/transitions/reject"
    cases = [
        client.get(f"{REQUESTS}/{'9' * 500}", headers=headers),
        client.get(f"{REQUESTS}/a%00b", headers=headers),
        client.get(f"{REQUESTS}/%ff%fe", headers=headers),
        client.get(REQUESTS, params={"q": "x" * 5000}, headers=headers),
        client.get(REQUESTS, params={"q": "a\x00b"}, headers=headers),
        client.post(url, content=b"{not json", headers=as_json),
        client.post(url, content=b"\x00\xff" * 50, headers=as_json),
        client.post(url, json={"version": 10**30}, headers=headers),
        client.post(url, json={"version": 1, "comment": "a\x00b"}, headers=headers),
        client.post(url, json={"version": 1, "comment": "x" * 6000}, headers=headers),
        client.post(url, json=[1, 2, 3], headers=headers),
        client.get(f"{API}/workflows/onboarding/..%2F..%2Fetc", headers=headers),
        client.delete(REQUESTS, headers=headers),
        client.get(f"{API}/workflows", headers={"Authorization": "Bearer " + "x" * 10000}),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.url, response.status_code)
        assert response.headers["content-type"] == "application/json", response.url
        assert response.json()["error"]["message"]
    assert state_of(site, request_id) == "awaiting_email_confirmation"


# -- reference lists and sessions -----------------------------------------------------------------


def test_reference_entries_are_added_and_changed_with_the_backoffices_checks(site: Site) -> None:
    caller = api(site, "registration_manager")
    lists = {r["id"]: r for r in caller.get(f"{API}/workflows/onboarding/lists").json()["lists"]}
    columns = {c["id"]: c for c in lists["establishments"]["columns"]}
    assert columns["type"]["list"] == "establishment_types"
    url = f"{API}/workflows/onboarding/lists/establishments/entries"
    refused = caller.post(url, {"label": "Mairie de Test", "values": {"postal_code": "ABC"}})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"postal_code", "type"}
    created = caller.post(
        url, {"label": "Mairie de Test", "values": {"type": "commune", "postal_code": "69001"}}
    )
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["id"] == "mairie_de_test" and entry["values"]["postal_code"] == "69001"
    assert caller.get(url, q="mairie de test").json()["items"] == [entry]

    changed = caller.patch(
        f"{url}/{entry['id']}", {"label": "Mairie de Testville", "active": False}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["label"] == "Mairie de Testville" and changed.json()["active"] is False
    assert changed.json()["values"]["type"] == "commune"  # kept
    assert caller.get(f"{url}/{entry['id']}").json() == changed.json()
    # Deactivated, as the backoffice's button does: listed among the inactive entries.
    assert [e["id"] for e in caller.get(url, active="false").json()["items"]] == [entry["id"]]
    bad_status = caller.patch(f"{url}/{entry['id']}", {"status": "nowhere"})
    assert bad_status.status_code == 422 and "status" in bad_status.json()["error"]["fields"]
    assert caller.patch(f"{url}/nope", {"active": True}).status_code == 404
    unknown_column = caller.post(url, {"label": "X", "values": {"colour": "blue"}})
    assert unknown_column.status_code == 422


def test_sessions_are_created_and_changed_with_the_backoffices_checks(site: Site) -> None:
    caller = api(site, "registration_manager")
    url = f"{API}/workflows/onboarding/sessions"
    body = {
        "code": "27C01S1",
        "title": "Nouvelle session",
        "starts_at": "2027-03-01T09:00",
        "ends_at": "2027-03-01T17:00",
        "place": "Lyon",
        "capacity": 12,
    }
    created = caller.post(url, body)
    assert created.status_code == 201, created.text
    # Local time of the workflow (Europe/Paris, winter): 8:00 UTC.
    assert created.json()["starts_at"] in ("2027-03-01T08:00:00Z", "2027-03-01T08:00:00+00:00")
    assert created.json()["is_open"] is True and created.json()["seats_taken"] == 0
    again = caller.post(url, body)
    assert again.status_code == 409 and error_code(again) == "exists"
    backwards = caller.post(url, {**body, "code": "27C01S2", "ends_at": "2027-02-01T09:00"})
    assert backwards.status_code == 422
    assert backwards.json()["error"]["fields"] == {"ends_at": "La fin doit être après le début."}

    changed = caller.patch(f"{url}/27C01S1", {"capacity": 20, "is_open": False})
    assert changed.status_code == 200
    assert (changed.json()["capacity"], changed.json()["is_open"]) == (20, False)
    with site.db() as db:
        row = db.execute(
            select(TrainingSession).where(TrainingSession.code == "27C01S1")
        ).scalar_one()
        assert (row.capacity, row.is_open, row.title) == (20, False, "Nouvelle session")
    codes = [s["code"] for s in caller.get(url).json()["sessions"]]
    assert "27C01S1" in codes and CODE in codes
    assert caller.get(f"{url}/27C01S1").json() == changed.json()
    assert caller.patch(f"{url}/NOPE", {"capacity": 1}).status_code == 404
    assert caller.patch(f"{url}/27C01S1", {"capacity": -1}).status_code == 422


# -- the command ----------------------------------------------------------------------------------


def test_the_command_creates_lists_and_revokes_tokens(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONBOARDING_DATABASE_URL", site.settings.database_url)
    monkeypatch.setenv("ONBOARDING_PROJECT_DIR", str(site.settings.project_dir))
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(tmp_path))
    assert main(["api-token", "create", "CRM", "--role", "nobody"]) == 2
    assert "Unknown role: “nobody”" in capsys.readouterr().err
    assert main(["api-token", "create", "CRM", "--role", "registration_manager"]) == 0
    printed = capsys.readouterr().out
    token = next(line.split()[1] for line in printed.splitlines() if line.startswith("secret "))
    caller = Api(site, token)
    assert caller.get(REQUESTS).status_code == 200
    assert main(["api-token", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"{token[:12]}…" in listed and "registration_manager" in listed and "active" in listed
    assert token not in listed
    token_id = listed.split()[0]
    assert main(["api-token", "revoke", token_id]) == 0
    assert caller.get(REQUESTS).status_code == 401
    assert main(["api-token", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["api-token", "revoke", "999"]) == 2


# -- the backoffice page ------------------------------------------------------------------------


def test_an_admin_creates_sees_and_revokes_tokens_in_the_backoffice(site: Site) -> None:
    page_url = "/backoffice/onboarding/jetons-api"
    browser = admin(site)
    page = browser.get(page_url)
    assert page.status == 200 and "Aucun jeton pour l'instant." in page.text
    assert problems_of(page) == []
    typed = {"name": "Synchronisation CRM", "role": "registration_manager"}
    page = browser.submit(typed, nav=None, form=-1)
    assert page.status == 200
    token = page.soup.select_one("#new-token").get_text(strip=True)
    assert "Copiez-le maintenant" in page.text
    assert problems_of(page) == []
    caller = Api(site, token)
    assert caller.get(REQUESTS).status_code == 200
    page = browser.get(page_url)
    row = [" ".join(td.get_text(" ").split()) for td in page.soup.select("tbody tr td")]
    assert row[0] == "Synchronisation CRM" and row[1] == f"{token[:12]}…"
    assert row[2] == "Gestionnaire d'inscriptions locales"
    assert "par admin@hgi.example" in row[3]
    assert row[4] == site.clock.now().astimezone(site.runtime.zone).strftime("%d/%m/%Y %H:%M")
    assert token not in page.text  # shown once only

    # Without the form's token, nothing is revoked.
    form = page.soup.select_one("form[action$='/revocation']")
    refused = browser.post(str(form["action"]), {"_csrf": "forged"})
    assert refused.status == 400 and caller.get(REQUESTS).status_code == 200
    page = browser.get(page_url)
    forms = page.soup.select("form[method=post]")
    revoke = next(i for i, f in enumerate(forms) if str(f["action"]).endswith("/revocation"))
    page = browser.submit({}, nav=None, form=revoke)
    assert page.status == 200 and "Jeton « Synchronisation CRM » révoqué" in page.text
    assert "Révoqué le" in page.text
    assert caller.get(REQUESTS).status_code == 401

    missing = browser.submit({"name": "  ", "role": "admin"}, nav=None, form=-1)
    assert missing.status == 422 and "Donnez un nom au jeton." in missing.text
    # A manager does not reach the page.
    assert manager(site).get(page_url).status == 403

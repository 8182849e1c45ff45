"""The personal-data lifecycle of the onboarding workflow: retention rules applied by the worker
(a notice first where the rule asks for one, then anonymisation), `onboarding purge --dry-run`,
and from a request's page the export of everything held (a ZIP) and erasure on request. Counts
and statistics survive; nothing that identifies the person does. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.cli import main
from app.worker import Worker
from engine.process.actors import Actor
from engine.service.personal_data import Eraser, anonymise
from engine.service.requests import RequestService
from engine.store.models import (
    ConsentRecord,
    DocumentRow,
    HistoryRow,
    OutboxMail,
    RequestCount,
    RequestRow,
)

from .backoffice import manager, staff_browser
from .conftest import Site
from .journey import CODE
from .test_delivery import confirm, fire, submitted

OPERATOR = Actor.user("gestion@hgi.example", {"registration_manager"})
PERSON = ("camille", "martin", "06 12", "69001")  # what must not survive, in lower case


def counts(site: Site) -> dict[tuple[str, str], int]:
    with site.db() as db:
        rows = db.execute(select(RequestCount)).scalars()
        return {(r.state, r.session_code): r.n for r in rows if r.n}


def traces_of_the_person(site: Site, request_id: int) -> list[str]:
    """Every text the database holds about the request that still names the person."""
    found = []
    with site.db() as db:
        row = db.get(RequestRow, request_id)
        texts = [json.dumps(row.answers), row.applicant_email, row.applicant_name, row.search_text]
        texts += [
            f"{h.actor_name} {h.comment}"
            for h in db.execute(
                select(HistoryRow).where(HistoryRow.request_id == request_id)
            ).scalars()
        ]
        texts += [
            f"{m.to} {m.cc} {m.subject} {m.text} {m.html}"
            for m in db.execute(
                select(OutboxMail).where(OutboxMail.request_id == request_id)
            ).scalars()
        ]
        texts += [
            "document"
            for _ in db.execute(select(DocumentRow).where(DocumentRow.request_id == request_id))
        ]
    for value in texts:
        lowered = str(value or "").lower()
        found += [word for word in PERSON if word in lowered]
        if value == "document":
            found.append("a document")
    return found


def expired(site: Site) -> int:
    request_id = submitted(site)
    site.clock.advance(days=8)
    Worker(site.runtime, site.engine).run_once()  # the confirmation delay runs out
    with site.db() as db:
        assert db.get(RequestRow, request_id).state == "expired"
    return request_id


def test_a_closed_request_is_noticed_then_anonymised_and_statistics_stay(site: Site) -> None:
    request_id = expired(site)
    run = Worker(site.runtime, site.engine)
    before = counts(site)

    site.clock.advance(weeks=50)  # 52 weeks after closing, with a notice 14 days before
    run.retention_due_at = None
    run.run_once()
    [notice] = [m for m in mails_of(site, request_id) if m.template == "data_erasure_notice"]
    assert notice.to == ["camille.martin@example.org"]
    erase_on = (site.clock.now() + timedelta(days=14)).strftime("%d/%m/%Y")
    assert erase_on in notice.subject or erase_on in notice.text
    with site.db() as db:
        assert db.get(RequestRow, request_id).anonymised_at is None

    site.clock.advance(days=13)  # the notice has not had its full delay yet
    run.retention_due_at = None
    run.run_once()
    with site.db() as db:
        assert db.get(RequestRow, request_id).anonymised_at is None
    site.clock.advance(days=2)
    run.retention_due_at = None
    run.run_once()
    with site.db() as db:
        row = db.get(RequestRow, request_id)
        assert row.anonymised_at is not None
        assert (row.state, row.session_code, row.reference) == ("expired", CODE, row.reference)
        assert row.answers == {} and row.applicant_email is None
        last = (
            db.execute(
                select(HistoryRow)
                .where(HistoryRow.request_id == request_id)
                .order_by(HistoryRow.id)
            )
            .scalars()
            .all()[-1]
        )
        assert (last.transition, last.actor_kind, last.actor_name) == (
            "anonymise",
            "retention",
            "unconfirmed_or_refused",
        )
    assert traces_of_the_person(site, request_id) == []
    assert counts(site) == before
    # The notice mail itself was emptied with the rest; only the fact that it went remains.
    assert {m.template for m in mails_of(site, request_id)} >= {"data_erasure_notice"}
    run.retention_due_at = None
    assert run.run_once().erased == 0  # once


def mails_of(site: Site, request_id: int) -> list[OutboxMail]:
    with site.db() as db:
        return list(
            db.execute(
                select(OutboxMail)
                .where(OutboxMail.request_id == request_id)
                .order_by(OutboxMail.id)
            ).scalars()
        )


def test_abandoned_drafts_go_after_thirty_days_without_notice(site: Site) -> None:
    with site.db() as db:
        service = RequestService(db, site.runtime)
        compiled = site.runtime.registry.get("onboarding")
        draft = service.new_draft(compiled, CODE).row
        service.save_answers(
            draft,
            compiled,
            "trainee",
            {"last_name": "Martin", "email": "c@example.org"},
            resume_at=None,
        )
        db.commit()
        draft_id = draft.id
        # Stamped on the test's clock (the ORM's own stamp is the wall clock's).
        db.execute(
            update(RequestRow).where(RequestRow.id == draft_id).values(updated_at=site.clock.now())
        )
        db.commit()
    kept = submitted(site)  # a request in progress: its 156 weeks have not run
    run = Worker(site.runtime, site.engine)
    site.clock.advance(days=29)
    run.retention_due_at = None
    assert run.run_once().erased == 0
    site.clock.advance(days=2)
    run.retention_due_at = None
    assert run.run_once().erased == 1
    with site.db() as db:
        assert db.get(RequestRow, draft_id).answers == {}
        assert db.get(RequestRow, kept).anonymised_at is None
    assert not [m for m in mails_of(site, draft_id) if m.template == "data_erasure_notice"]


def test_the_purge_command_says_what_would_go_and_changes_nothing(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = expired(site)
    draft_id = None
    with site.db() as db:
        service = RequestService(db, site.runtime)
        draft_id = service.new_draft(site.runtime.registry.get("onboarding"), CODE).row.id
        db.commit()
        # The command runs on the real clock: these requests closed two years before it.
        long_ago = datetime.now(UTC) - timedelta(weeks=104)
        db.execute(
            update(RequestRow)
            .where(RequestRow.id.in_([request_id, draft_id]))
            .values(updated_at=long_ago)
        )
        db.commit()
        reference = db.get(RequestRow, request_id).reference
    monkeypatch.setenv("ONBOARDING_DATABASE_URL", site.settings.database_url)
    monkeypatch.setenv("ONBOARDING_PROJECT_DIR", str(site.settings.project_dir))
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(tmp_path))
    assert main(["purge", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert (
        f"would mail notice  onboarding {reference} (expired, rule unconfirmed_or_refused)" in said
    )
    assert f"would erase  onboarding draft {draft_id} (draft, rule abandoned_drafts)" in said
    assert "1 notice(s), 1 erasure(s) (dry run: nothing changed)" in said
    with site.db() as db:
        assert db.get(RequestRow, draft_id).anonymised_at is None
        assert db.get(RequestRow, request_id).retention_notice_at is None
    assert main(["purge"]) == 0
    said = capsys.readouterr().out
    assert "1 notice(s), 1 erasure(s)" in said and "dry run" not in said
    with site.db() as db:
        assert db.get(RequestRow, draft_id).anonymised_at is not None
        assert db.get(RequestRow, request_id).retention_notice_at is not None


def test_the_export_holds_everything_and_is_written_in_the_history(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    Worker(site.runtime, site.engine).run_once()
    with site.db() as db:
        reference = db.get(RequestRow, request_id).reference
    browser = manager(site)
    page = browser.get(f"/backoffice/onboarding/demandes/{reference}")
    [form] = [f for f in page.soup.select("form") if "export" in str(f.get("action"))]
    response = browser.client.post(str(form["action"]), data={"_csrf": browser.csrf()})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    held = json.loads(archive.read("request.json"))
    assert held["email"] == "camille.martin@example.org"
    assert held["answers"]["last_name"] == "Martin"
    assert held["answers_as_shown"]["funding_method"]
    assert [h["transition"] for h in held["history"]][:2] == ["submit", "confirm_email"]
    assert any(m["subject"].startswith("Confirmez") for m in held["mails"])
    assert held["attendance"] == []  # nothing recorded before the session
    assert {c["purpose"] for c in held["consents"]} >= {"participants_list", "terms"}
    [document] = held["documents"]
    assert archive.read(document).startswith(b"%PDF")
    page = browser.get(f"/backoffice/onboarding/demandes/{reference}")
    assert "Données personnelles exportées" in page.text
    refused = browser.client.post(str(form["action"]), data={"_csrf": "forged"})
    assert refused.status_code == 400


def test_erasure_on_request_needs_a_reason_and_a_confirmation(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)
    fire(site, request_id, "validate_institution", OPERATOR)
    before = counts(site)
    with site.db() as db:
        reference = db.get(RequestRow, request_id).reference
    browser = manager(site)
    url = f"/backoffice/onboarding/demandes/{reference}"
    page = browser.get(url)
    action = f"{url}/donnees-personnelles/effacer"
    assert page.soup.select_one(f'form[action="{action}"]') is not None
    missing = browser.post(action, {"_csrf": browser.csrf(), "reason": " "})
    assert missing.status == 422
    assert "Indiquez le motif" in missing.text
    unconfirmed = browser.post(action, {"_csrf": browser.csrf(), "reason": "Demande écrite"})
    assert unconfirmed.status == 422
    assert "Cochez la case" in unconfirmed.text
    done = browser.post(
        action, {"_csrf": browser.csrf(), "reason": "Demande écrite du 3/12", "_confirme": "oui"}
    )
    assert done.status == 200
    assert "ont été effacées" in done.text
    assert "Demande écrite du 3/12" in done.text  # the reason, in the history
    assert traces_of_the_person(site, request_id) == []
    assert counts(site) == before
    with site.db() as db:
        row = db.get(RequestRow, request_id)
        assert row.state == "institution_validated"
        n = db.execute(
            select(func.count())
            .select_from(HistoryRow)
            .where(HistoryRow.request_id == request_id, HistoryRow.transition == "anonymise")
        ).scalar_one()
        assert n == 1
    # The queue still lists it, with nobody's name.
    queue = browser.get("/backoffice/onboarding/demandes")
    assert reference in queue.text and "Martin" not in queue.text
    again = browser.post(action, {"_csrf": browser.csrf(), "reason": "encore", "_confirme": "oui"})
    assert again.status == 409


def test_only_managers_erase(site: Site) -> None:
    request_id = submitted(site)
    with site.db() as db:
        reference = db.get(RequestRow, request_id).reference
    clerk = staff_browser(site, "accueil@hgi.example", ["tester"])
    url = f"/backoffice/onboarding/demandes/{reference}/donnees-personnelles/effacer"
    answer = clerk.client.post(url, data={"reason": "x", "_confirme": "oui"})
    assert answer.status_code in (400, 403)
    with site.db() as db:
        assert db.get(RequestRow, request_id).anonymised_at is None


LIST = f"/backoffice/onboarding/consentements?objet=participants_list&session={CODE}"


def test_consents_are_kept_with_their_version_and_listed_per_session(site: Site) -> None:
    agreed = submitted(site)
    refused = submitted(
        site,
        {
            "trainee": {
                "first_name": "Paul",
                "last_name": "Durand",
                "email": "paul.durand@example.org",
                "email__confirm": "paul.durand@example.org",
            },
            "extra_data": {"share_with_participants": "no"},
        },
    )
    for request_id in (agreed, refused):
        confirm(site, request_id)  # both hold a seat now
    with site.db() as db:
        records = (
            db.execute(select(ConsentRecord).where(ConsentRecord.request_id == agreed))
            .scalars()
            .all()
        )
        reference = db.get(RequestRow, agreed).reference
    assert {(r.purpose, r.granted, r.version) for r in records} == {
        ("participants_list", True, "2026-01"),
        ("training_offers", False, "2026-01"),
        ("image_rights", True, "2026-01"),
        ("terms", True, "2026-01"),
    }
    assert {r.at for r in records} == {site.clock.now()}

    browser = manager(site)
    assert "Consentements" in [
        a.get_text(strip=True)
        for a in browser.get("/backoffice/onboarding/demandes").soup.select("nav a")
    ]
    page = browser.get(
        f"/backoffice/onboarding/consentements?objet=participants_list&session={CODE}"
    )
    assert page.status == 200
    [row] = page.soup.select("#agreements tbody tr")
    cells = [td.get_text(strip=True) for td in row.select("td")]
    assert cells[0] == reference and "Camille" in cells and "Martin" in cells
    assert "Durand" not in page.text
    response = browser.client.get(
        f"/backoffice/onboarding/consentements.csv?objet=participants_list&session={CODE}"
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Référence;Prénom;Nom")
    assert len(lines) == 2 and "camille.martin@example.org" in lines[1]
    assert browser.get("/backoffice/onboarding/consentements?objet=nope&session=X").status == 400

    # An erased person leaves the list; their consents stay, with nothing that names them.
    with site.db() as db:
        anonymise(
            db,
            db.get(RequestRow, agreed),
            reason="test",
            by=Eraser("user", "x"),
            now=site.clock.now(),
        )
    page = browser.get(
        f"/backoffice/onboarding/consentements?objet=participants_list&session={CODE}"
    )
    assert page.soup.select("#agreements tbody tr") == []


LEA = {
    "trainee": {
        "first_name": "Léa",
        "last_name": "Roux",
        "email": "lea.roux@example.org",
        "email__confirm": "lea.roux@example.org",
    }
}


def test_a_persons_page_exports_and_erases_all_their_requests_together(site: Site) -> None:
    first, second = submitted(site), submitted(site)
    lea = submitted(site, LEA)
    with site.db() as db:
        references = {i: db.get(RequestRow, i).reference for i in (first, second, lea)}
    browser = manager(site)
    page = browser.get(f"/backoffice/onboarding/demandes/{references[first]}")
    person = str(page.soup.select_one("#person-link")["href"])
    page = browser.get(person)
    assert page.status == 200
    assert "camille.martin@example.org" in page.text
    listed = [
        row.select_one("th a").get_text() for row in page.soup.select("#person-requests tbody tr")
    ]
    assert listed == [references[first], references[second]]  # not Léa's

    response = browser.client.post(f"{person}/export", data={"_csrf": browser.csrf()})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    summary = json.loads(archive.read("person.json"))
    assert [r["reference"] for r in summary["requests"]] == listed
    for reference in listed:
        held = json.loads(archive.read(f"{reference}/request.json"))
        assert held["reference"] == reference
        assert held["email"] == "camille.martin@example.org"
    assert not any(
        "Roux" in archive.read(name).decode("utf-8", "replace")
        for name in archive.namelist()
        if name.endswith(".json")
    )
    with site.db() as db:
        exported = db.execute(
            select(HistoryRow.request_id).where(HistoryRow.transition == "export_personal_data")
        ).scalars()
        assert sorted(exported) == sorted([first, second])

    missing = browser.post(f"{person}/effacer", {"_csrf": browser.csrf(), "reason": ""})
    assert missing.status == 422 and "Indiquez le motif" in missing.text
    unconfirmed = browser.post(f"{person}/effacer", {"_csrf": browser.csrf(), "reason": "Écrit"})
    assert unconfirmed.status == 422 and "Cochez la case" in unconfirmed.text
    done = browser.post(
        f"{person}/effacer",
        {"_csrf": browser.csrf(), "reason": "Courriel du 3/12", "_confirme": "oui"},
    )
    assert done.status == 200
    assert "Les données personnelles de 2 demandes de cette personne ont été effacées." in done.text
    assert traces_of_the_person(site, first) == traces_of_the_person(site, second) == []
    with site.db() as db:
        assert db.get(RequestRow, lea).anonymised_at is None
        assert db.get(RequestRow, lea).applicant_email == "lea.roux@example.org"
    again = browser.post(
        f"{person}/effacer", {"_csrf": browser.csrf(), "reason": "x", "_confirme": "oui"}
    )
    assert again.status == 409
    forged = browser.client.post(f"{person}/export", data={"_csrf": "forged"})
    assert forged.status_code == 400
    clerk = staff_browser(site, "accueil@hgi.example", ["tester"])
    assert clerk.get(f"/backoffice/onboarding/demandes/{references[lea]}/personne").status == 403

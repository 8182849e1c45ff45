"""Attendance per half-day: the grid of a session records who was there (one POST, CSRF
checked), the request's page shows it, the attendance sheet lists the participants with a
column to sign per half-day, and the certificate says the half-days attended. Every PDF is
read back with pypdf. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

from bs4 import Tag
from pypdf import PdfReader
from sqlalchemy import delete, select, update

from engine.process.actors import Actor
from engine.store.models import AttendanceMark, DocumentRow, HistoryRow, RequestRow, TrainingSession

from .backoffice import manager, staff_browser
from .browser import Browser, Page
from .conftest import Site
from .journey import CODE, mails
from .test_delivery import confirm, fire, submitted
from .test_waiting_list import timer_round

GRID = f"/backoffice/onboarding/presence/{CODE}"
# Two days, 09:00 to 17:00 in Paris: four half-days.
STARTS = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)
ENDS = datetime(2026, 10, 2, 15, 0, tzinfo=UTC)
HALF_DAYS = ["2026-10-01:am", "2026-10-01:pm", "2026-10-02:am", "2026-10-02:pm"]
LABELS = [
    "jeu. 01/10/2026 matin",
    "jeu. 01/10/2026 après-midi",
    "ven. 02/10/2026 matin",
    "ven. 02/10/2026 après-midi",
]
PAUL = {
    "trainee": {
        "first_name": "Paul",
        "last_name": "Durand",
        "email": "paul.durand@example.org",
        "email__confirm": "paul.durand@example.org",
    }
}
LEA = {
    "trainee": {
        "first_name": "Léa",
        "last_name": "Roux",
        "email": "lea.roux@example.org",
        "email__confirm": "lea.roux@example.org",
    }
}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def two_day_session(site: Site) -> None:
    with site.db() as db:
        db.execute(
            update(TrainingSession)
            .where(TrainingSession.code == CODE)
            .values(starts_at=STARTS, ends_at=ENDS)
        )
        db.commit()


def participants(site: Site) -> tuple[int, int, int]:
    """Camille and Paul hold a seat; Léa's address is not confirmed (no seat)."""
    two_day_session(site)
    camille, paul, lea = submitted(site), submitted(site, PAUL), submitted(site, LEA)
    confirm(site, camille)
    confirm(site, paul)
    return camille, paul, lea


def reference_of(site: Site, request_id: int) -> str:
    with site.db() as db:
        return db.get(RequestRow, request_id).reference


def marks(site: Site) -> dict[tuple[int, str], tuple[bool, str]]:
    with site.db() as db:
        return {
            (m.request_id, m.half_day): (m.present, m.recorded_by)
            for m in db.execute(select(AttendanceMark)).scalars()
        }


def test_the_grid_records_attendance_per_half_day(site: Site) -> None:
    camille, paul, lea = participants(site)
    operator = staff_browser(site, "operateur@hgi.example", ["registration_manager"])
    page = operator.get(GRID)
    assert page.status == 200
    headers = [
        th["data-half-day"] for th in page.soup.select("#attendance-grid thead th[data-half-day]")
    ]
    assert headers == HALF_DAYS
    rows = page.soup.select("#attendance-grid tbody tr")
    names = [row.select_one("th a").get_text(strip=True) for row in rows]
    assert names == ["Paul Durand", "Camille Martin"]  # by last name; Léa holds no seat
    assert all(len(row.select("input[type=checkbox]")) == 4 for row in rows)

    # Camille misses the last afternoon; Paul comes on the first day only.
    ticked = [
        box["value"]
        for row in rows
        for box in row.select("input[type=checkbox]")
        if not box["value"].endswith("2026-10-02:pm")
        and not (
            row["data-participant"] == reference_of(site, paul) and "2026-10-02" in box["value"]
        )
    ]
    saved = save(operator, {"present": ticked})
    assert saved.status == 200 and "8 case(s) modifiée(s)" in saved.text
    recorded = marks(site)
    assert len(recorded) == 8
    assert {k[1] for k, v in recorded.items() if k[0] == camille and v[0]} == set(HALF_DAYS[:3])
    assert {k[1] for k, v in recorded.items() if k[0] == paul and v[0]} == set(HALF_DAYS[:2])
    assert {v[1] for v in recorded.values()} == {"operateur@hgi.example"}
    assert not any(k[0] == lea for k in recorded)
    again = operator.get(GRID)
    assert len(again.soup.select("#attendance-grid input[checked]")) == 5
    assert len(again.soup.select("#attendance-grid td[data-absent]")) == 3

    # Saving the same grid changes nothing; ticking one more box changes one mark.
    assert "0 case(s)" in save(operator).text
    operator.get(GRID)
    camille_id = again.soup.select("#attendance-grid tbody tr")[1].select_one(
        "input[name=participant]"
    )["value"]
    assert "1 case(s)" in save(operator, {"present": [*ticked, f"{camille_id}|2026-10-02:pm"]}).text
    assert marks(site)[(camille, "2026-10-02:pm")][0] is True

    # The request's page shows the half-days, absences included.
    page = operator.get(f"/backoffice/onboarding/demandes/{reference_of(site, paul)}")
    states = {
        tr["data-half-day"]: tr["data-present"] for tr in page.soup.select("#attendance tbody tr")
    }
    assert states == dict(zip(HALF_DAYS, ["yes", "yes", "no", "no"], strict=True))
    assert "2 demi-journée(s) de présence sur 4, 2 absence(s)" in page.text
    assert "Absent·e" in page.soup.select_one("#attendance").text


def test_a_forged_or_stale_grid_is_refused(site: Site) -> None:
    camille, paul, _ = participants(site)
    operator = manager(site)
    page = operator.get(GRID)
    everything = [b["value"] for b in page.soup.select("#attendance-grid input[type=checkbox]")]
    forged = save(operator, {"present": everything, "_csrf": "forged"})
    assert forged.status == 403 and "expiré" in forged.text
    assert marks(site) == {}
    # A half-day the session does not have, a request of no seat, a malformed box.
    public_id = everything[0].split("|")[0]
    for present, participant in (
        ([f"{public_id}|2026-10-03:am"], None),
        ([everything[0]], ["00000000-0000-0000-0000-000000000000"]),
        (["nonsense\x00"], None),
        (["x" * 50 + "|2026-10-01:am"], None),
    ):
        operator.get(GRID)
        typed = {"present": present}
        if participant is not None:
            typed["participant"] = participant
        refused = save(operator, typed)
        assert refused.status == 400, present
    assert marks(site) == {}

    # Paul loses his seat while the grid is open: saving it records Camille alone.
    operator.get(GRID)
    fire(site, paul, "cancel_by_operator", Actor.user("gestion@hgi.example", {"admin"}))
    assert save(operator, {"present": everything}).status == 200
    assert {k for k in marks(site)} == {(camille, key) for key in HALF_DAYS}
    assert operator.get("/backoffice/onboarding/presence/NOPE").status == 404
    # Logged out: the login page; a role without backoffice: refused.
    assert site.browser().client.get(GRID, follow_redirects=False).status_code in (302, 303)


def test_the_attendance_sheet_lists_participants_and_a_column_per_half_day(site: Site) -> None:
    participants(site)
    operator = staff_browser(site, "operateur@hgi.example", ["registration_manager"])
    session_page = operator.get(f"/backoffice/onboarding/sessions/{CODE}/modifier")
    [link] = [a["href"] for a in session_page.soup.select("a") if "(PDF)" in a.get_text()]
    response = operator.client.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"emargement-{CODE}.pdf" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert "Feuille d'émargement" in text and CODE in text
    assert "Durand" in text and "Paul" in text and "Martin" in text and "Camille" in text
    assert "Roux" not in text  # no seat, not on the sheet
    for label in LABELS:
        assert text.count(label) == 1, label
    assert "Formateur ou formatrice" in text
    # The grid links to it too; an unknown document is a 404.
    assert link in [a["href"] for a in operator.get(GRID).soup.select("a")]
    assert operator.client.get(f"{GRID}/documents/registration_form").status_code == 404


def test_the_certificate_says_the_half_days_attended(site: Site) -> None:
    camille, _, _ = participants(site)
    operator = manager(site)
    page = operator.get(GRID)
    boxes = [b["value"] for b in page.soup.select("#attendance-grid input[type=checkbox]")]
    public_id = {
        row["data-participant"]: row.select_one("input[name=participant]")["value"]
        for row in page.soup.select("#attendance-grid tbody tr")
    }[reference_of(site, camille)]
    mine = [b for b in boxes if b.startswith(public_id) and not b.endswith("2026-10-02:pm")]
    save(operator, {"present": mine})

    request_page = operator.get(f"/backoffice/onboarding/demandes/{reference_of(site, camille)}")
    [button] = request_page.soup.select("button[data-document=attendance_certificate]")
    made = operator.submit(nav=None, form=_form_index(request_page, button))
    assert made.status == 200 and "a été généré" in made.text
    with site.db() as db:
        [document] = (
            db.execute(
                select(DocumentRow).where(
                    DocumentRow.request_id == camille,
                    DocumentRow.document_id == "attendance_certificate",
                )
            )
            .scalars()
            .all()
        )
        assert (
            db.execute(
                select(HistoryRow).where(
                    HistoryRow.request_id == camille, HistoryRow.transition == "document"
                )
            )
            .scalar_one()
            .actor_name
            == "gestion@hgi.example"
        )
    [link] = [
        a["href"]
        for a in made.soup.select("a[download]")
        if "attestation" in a["href"] or "attestation" in a.get_text()
    ]
    response = operator.client.get(link)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Attestation de présence" in text
    assert "Camille" in text and "Martin" in text
    assert "Demi-journées suivies 3 sur 4" in text
    assert "Heures suivies 12 h sur 16 h" in text
    assert text.count("Présent·e") == 3 and text.count("Absent·e") == 1
    assert text == pdf_text(document.content)


def _form_index(page: Page, element: Tag) -> int:
    return page.soup.select("form").index(element.find_parent("form"))


def save(browser: Browser, typed: dict[str, object] | None = None) -> Page:
    """Sends the grid of the page open in `browser` with the boxes `typed` gives."""
    assert browser.page is not None
    grid = browser.page.soup.select_one("#attendance-grid")
    return browser.submit(typed, nav=None, form=_form_index(browser.page, grid))


def grid_ids(page: Page) -> dict[str, str]:
    """{reference: public id} of the grid's participants."""
    return {
        row["data-participant"]: row.select_one("input[name=participant]")["value"]
        for row in page.soup.select("#attendance-grid tbody tr")
    }


def test_the_certificate_is_mailed_once_after_the_session_once_attendance_is_recorded(
    site: Site,
) -> None:
    camille, paul, lea = participants(site)
    operator = manager(site)
    ids = grid_ids(operator.get(GRID))
    camille_id = ids[reference_of(site, camille)]
    # The first day only is recorded: Camille there, Paul absent.
    save(operator, {"present": [f"{camille_id}|{key}" for key in HALF_DAYS[:2]]})
    with site.db() as db:
        db.execute(delete(AttendanceMark).where(AttendanceMark.half_day.in_(HALF_DAYS[2:])))
        db.commit()

    # A day after the end (the setting's default), attendance incomplete: no mail yet.
    site.clock.moment = ENDS + timedelta(days=1)
    timer_round(site)
    assert mails(site, "attendance_certificate") == []
    site.clock.moment = ENDS + timedelta(days=1, hours=1)
    operator = manager(site)  # a new login: the first one lapsed meanwhile
    operator.get(GRID)
    save(operator, {"present": [f"{camille_id}|{key}" for key in HALF_DAYS[:3]]})
    timer_round(site)
    [mail] = mails(site, "attendance_certificate")  # Paul attended nothing: no certificate
    assert mail.request_id == camille and mail.to == ["camille.martin@example.org"]
    assert mail.subject == f"Session {CODE} : votre attestation de présence"
    assert "3 demi-journée(s) suivie(s) sur 4, soit 12 h de formation" in mail.text
    with site.db() as db:
        [attached] = [db.get(DocumentRow, i) for i in mail.attachments]
        assert attached.document_id == "attendance_certificate"
        content = attached.content
    text = pdf_text(content)
    assert "Demi-journées suivies 3 sur 4" in text and "Camille" in text
    assert text.count("Présent·e") == 3 and text.count("Absent·e") == 1

    # Once: later rounds, and a correction of the grid, send nothing more.
    site.clock.advance(days=3)
    operator = manager(site)
    operator.get(GRID)
    save(operator, {"present": [f"{camille_id}|{key}" for key in HALF_DAYS]})
    timer_round(site)
    timer_round(site)
    assert len(mails(site, "attendance_certificate")) == 1
    assert not [
        m for m in mails(site) if m.request_id in (paul, lea) and "attestation" in m.subject
    ]
    # The request's page offers it for download, and makes a corrected one on demand.
    page = operator.get(f"/backoffice/onboarding/demandes/{reference_of(site, camille)}")
    assert any("attestation-presence" in a.get_text() for a in page.soup.select("a[download]"))

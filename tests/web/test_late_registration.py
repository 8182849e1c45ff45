"""Operators still register someone into a closed session: from the session's page they make a
late-registration link, valid until a moment they choose, that opens the usual wizard although
the session no longer takes registrations. A draft stuck at the closing resumes with it; the
submission's history names who gave the link; a forged link, a link for another session and an
expired one are refused, and nobody else gets in. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from engine.store.models import HistoryRow

from .backoffice import manager
from .browser import Browser, Page
from .conftest import Site
from .journey import CODE, START, fill_until, requests, step_of
from .test_backoffice_reference import submit_to
from .test_session_closing import CLOSES, fill_until_end

SESSION_PAGE = f"/backoffice/onboarding/sessions/{CODE}/modifier"


def make_link(site: Site, until: str = "07/10/2026 18:00") -> tuple[Browser, Page]:
    staff = manager(site)
    page = staff.get(SESSION_PAGE)
    assert "Inscription hors délai" in page.text
    return staff, submit_to(staff, f"{CODE}/lien-hors-delai", {"late_until": until})


def link_path(page: Page) -> str:
    """The link shown on the session's page, as a path of the site under test."""
    field = page.soup.select_one("#late-link")
    assert field is not None, page.text[:800]
    return urlsplit(str(field["value"])).path


def test_an_operator_lets_someone_register_into_a_closed_session(site: Site) -> None:
    site.clock.moment = CLOSES + timedelta(hours=2)
    assert site.browser().get(START).status == 410
    staff, page = make_link(site)
    assert page.status == 200
    said = " ".join(page.text.split())
    assert "Les inscriptions sont closes pour tout le monde." in said
    assert "Lien valable jusqu'au mercredi 7 octobre 2026, 18:00" in said
    path = link_path(page)
    assert path.startswith(f"/inscription/{CODE}/hors-delai/")

    applicant = site.browser()
    first = applicant.get(path)  # on to the wizard, which now opens
    assert first.status == 200
    assert step_of(first) == "session"
    assert (
        "Les inscriptions à cette session sont closes, mais l'équipe de formation vous permet "
        "de vous inscrire jusqu'au mercredi 7 octobre 2026, 18:00." in " ".join(first.text.split())
    )
    fill_until(applicant, "establishment")
    page = fill_until_end(applicant, applicant.get(START))
    assert "Demande envoyée" in page.text
    [sent] = [r for r in requests(site) if r.submitted_at is not None]
    assert sent.session_code == CODE
    with site.db() as db:
        comments = db.execute(
            select(HistoryRow.comment).where(HistoryRow.request_id == sent.id)
        ).scalars()
        assert "Inscription hors délai, sur un lien donné par gestion@hgi.example." in list(
            comments
        )
    # Nobody else gets in: the session is still closed to a browser without the link.
    assert site.browser().get(START).status == 410
    assert staff.get(SESSION_PAGE).status == 200


def test_a_draft_stuck_at_the_closing_resumes_with_the_link(site: Site) -> None:
    applicant = site.browser()
    fill_until(applicant, "establishment")
    site.clock.moment = CLOSES
    page = applicant.get(START)
    assert page.status == 410
    assert "Vos réponses sont conservées" in page.text
    _, made = make_link(site)
    page = applicant.get(link_path(made))
    assert step_of(page) == "trainee"
    assert "Vous reprenez votre demande" in page.text
    page = fill_until_end(applicant, page)
    assert "Demande envoyée" in page.text
    [draft] = requests(site)
    assert draft.submitted_at is not None
    assert draft.answers["establishment"] == "ville_lyon"


def test_a_forged_foreign_or_expired_link_is_refused(site: Site) -> None:
    site.clock.moment = CLOSES
    _, made = make_link(site, "01/10/2026 12:00")
    path = link_path(made)
    token = path.rsplit("/", 1)[1]
    applicant = site.browser()

    forged = applicant.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert forged.status == 400
    assert "n'est pas valide pour cette session" in forged.text
    other = applicant.get(f"/inscription/26C04S2/hors-delai/{token}")
    assert other.status == 400
    huge = applicant.get(f"/inscription/{CODE}/hors-delai/" + "x" * 5000)
    assert huge.status in (400, 404, 422)
    assert applicant.get(START).status == 410  # none of them let it in

    assert applicant.get(path).status == 200
    assert applicant.get(START).status == 200
    site.clock.moment = CLOSES + timedelta(days=1, hours=2)  # past the link's end
    assert applicant.get(START).status == 410
    expired = site.browser().get(path)
    assert expired.status == 410
    assert "Ce lien d'inscription hors délai a expiré." in expired.text


def test_the_end_of_validity_is_checked(site: Site) -> None:
    site.clock.moment = CLOSES
    for typed in ("demain", "01/09/2026 10:00", "01/06/2027 10:00"):
        _, page = make_link(site, typed)
        assert page.status == 422, typed
        assert page.field_error("late_until").startswith(
            "Indiquez une date de fin de validité à venir"
        )
        assert page.soup.select_one("#late-link") is None
    # A NUL byte is refused before any handler, as everywhere.
    _, page = make_link(site, "01/10/2026\x00")
    assert page.status == 400

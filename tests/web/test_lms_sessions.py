"""Training sessions from the learning platform's courses, against the fake Moodle served on
127.0.0.1: the preview says what each course would do (new, changed, unchanged, ignored and
why), the confirmation creates and refreshes the chosen ones in one go; no platform, a platform
down or refusing the token, a stale preview and a missing form token each get a clear answer
and change nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr
from sqlalchemy import select, text, update

from app.factory import accepts_call
from engine.store.models import SessionChangeNotice, TrainingSession
from tests.lms.fake_moodle import ServedMoodle

from .backoffice import manager, staff_browser
from .browser import Page
from .conftest import Site
from .test_backoffice_reference import rows_of, submit_to
from .test_delivery import confirm, submitted
from .test_lms_calls import TOKEN, moodle

__all__ = ["moodle"]  # the fixture, shared

BASE = "/backoffice/onboarding/sessions"
PLATFORM = f"{BASE}/plateforme"


def configure(site: Site, moodle: ServedMoodle, token: str = TOKEN) -> None:
    settings = site.settings.model_copy(
        update={"lms_url": moodle.url, "lms_token": SecretStr(token), "call_timeout": 5.0}
    )
    site.runtime.settings = settings
    site.runtime.accepts_call = accepts_call(settings)


def stamp(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def sessions(site: Site) -> dict[str, TrainingSession]:
    with site.db() as db:
        return {s.code: s for s in db.execute(select(TrainingSession)).scalars()}


def map_course(site: Site, code: str, course: str) -> None:
    with site.db() as db:
        db.execute(
            update(TrainingSession).where(TrainingSession.code == code).values(lms_course=course)
        )
        db.commit()


def effects(page: Page) -> dict[str, str]:
    """Course key → what the preview says importing it does."""
    return {row[1]: row[-1] for row in rows_of(page, "#courses")}


def arrange(site: Site, moodle: ServedMoodle) -> dict[str, int]:
    """Courses of every kind: mapped and changed, mapped and unchanged, new, new without an
    idnumber, without dates, and one whose code an unmapped session already holds."""
    before = sessions(site)
    state = moodle.state
    changed = state.add_course(
        "Patrimoine",
        idnumber="ELUS-26C03",
        fullname="Patrimoine communal (édition 2026)",
        startdate=stamp(2026, 10, 9, 9, 0),
        enddate=stamp(2026, 10, 9, 10, 15),
    )
    same = before["26C05S1"]
    unchanged = state.add_course(
        "PAROLE",
        fullname=same.title,
        startdate=int(same.starts_at.timestamp()),
        enddate=int(same.ends_at.timestamp()),
    )
    new = state.add_course(
        "Budget 2027",
        idnumber="ELUS-27A01",
        fullname="Voter le budget",
        startdate=stamp(2027, 3, 4, 8, 30),
        enddate=stamp(2027, 3, 4, 16, 0),
    )
    spaced = state.add_course(
        "Finances locales",
        fullname="Finances locales : les bases",
        startdate=stamp(2027, 4, 1, 8, 0),
        enddate=stamp(2027, 4, 2, 16, 0),
    )
    undated = state.add_course("Sans dates", startdate=stamp(2027, 5, 1), enddate=0)
    taken = state.add_course(
        "26C04S2", startdate=stamp(2027, 6, 1, 8, 0), enddate=stamp(2027, 6, 1, 12, 0)
    )
    map_course(site, "26C03S1", "ELUS-26C03")
    map_course(site, "26C05S1", "PAROLE")
    return {
        "changed": changed.id,
        "unchanged": unchanged.id,
        "new": new.id,
        "spaced": spaced.id,
        "undated": undated.id,
        "taken": taken.id,
    }


def test_the_preview_tells_what_each_course_would_do(site: Site, moodle: ServedMoodle) -> None:
    arrange(site, moodle)
    configure(site, moodle)
    browser = manager(site)
    listing = browser.get(BASE)
    assert listing.soup.select_one(f"a[href='{PLATFORM}']").get_text() == (
        "Importer depuis la plateforme"
    )
    page = browser.get(PLATFORM)
    assert page.status == 200
    assert page.heading() == "Importer les sessions depuis Moodle"
    found = effects(page)
    assert "moodle" not in found  # the site's front page is no course to import
    assert found["ELUS-26C03"] == "mise à jour (intitulé, début, fin)"
    assert found["PAROLE"] == "inchangée"
    assert found["ELUS-27A01"] == "nouvelle session"
    assert found["Finances locales"] == "nouvelle session"
    assert found["Sans dates"].startswith("ignoré : le cours n'a pas de dates")
    assert found["26C04S2"].startswith("ignoré : une session porte déjà le code « 26C04S2 »")
    assert (
        "6 cours sur la plateforme : 2 nouvelles sessions, 1 à mettre à jour, 1 inchangée, "
        "2 ignorés." in page.text
    )
    rows = {row[1]: row for row in rows_of(page, "#courses")}
    assert rows["ELUS-27A01"][2:6] == [
        "Voter le budget",
        "04/03/2027 09:30",  # Paris time
        "04/03/2027 17:00",
        "ELUS-27A01",
    ]
    assert rows["Finances locales"][5] == "Finances-locales"
    assert rows["ELUS-26C03"][5] == "26C03S1"
    # Only what changes something can be chosen.
    boxes = page.soup.select("#courses input[type=checkbox]")
    assert len(boxes) == 3 and all(box.has_attr("checked") for box in boxes)
    assert moodle.state.calls_of("core_course_get_courses_by_field") == [{"field": "", "value": ""}]
    assert sessions(site).keys() == {"26C03S1", "26C04S2", "26C05S1"}  # a preview writes nothing


def test_the_chosen_courses_are_created_and_refreshed(site: Site, moodle: ServedMoodle) -> None:
    ids = arrange(site, moodle)
    configure(site, moodle)
    before = sessions(site)
    browser = manager(site)
    browser.get(PLATFORM)
    chosen = [str(ids["changed"]), str(ids["new"])]  # "Finances locales" left out
    page = submit_to(browser, "/sessions/plateforme", {"course": chosen, "capacity": ""})
    assert page.status == 422
    assert "La capacité des sessions à créer est obligatoire." in page.text
    assert page.soup.select_one("#capacity")["aria-invalid"] == "true"
    checked = {box["value"] for box in page.soup.select("#courses input[checked]")}
    assert checked == set(chosen)  # the choice is kept
    assert sessions(site).keys() == before.keys()
    page = submit_to(
        browser,
        "/sessions/plateforme",
        {"course": chosen, "capacity": " 12 ", "place": "Classe virtuelle"},
    )
    assert page.status == 200, page.text[:500]
    assert "1 session(s) créée(s) (fermées aux inscriptions), 1 mise(s) à jour" in page.text
    after = sessions(site)
    assert after.keys() == {"26C03S1", "26C04S2", "26C05S1", "ELUS-27A01"}
    created = after["ELUS-27A01"]
    assert (created.title, created.capacity, created.place) == (
        "Voter le budget",
        12,
        "Classe virtuelle",
    )
    assert created.starts_at == datetime(2027, 3, 4, 8, 30, tzinfo=UTC)
    assert created.ends_at == datetime(2027, 3, 4, 16, 0, tzinfo=UTC)
    assert created.is_open is False and created.lms_course == "ELUS-27A01"
    refreshed, old = after["26C03S1"], before["26C03S1"]
    assert refreshed.title == "Patrimoine communal (édition 2026)"
    assert refreshed.starts_at == datetime(2026, 10, 9, 9, 0, tzinfo=UTC)
    assert (refreshed.capacity, refreshed.place, refreshed.is_open) == (
        old.capacity,
        old.place,
        old.is_open,
    )
    # Asked again: what was imported is now unchanged, the course left out is still new.
    found = effects(browser.get(PLATFORM))
    assert found["ELUS-26C03"] == found["ELUS-27A01"] == "inchangée"
    assert found["Finances locales"] == "nouvelle session"


def test_a_refresh_that_moves_a_session_tells_its_seat_holders(
    site: Site, moodle: ServedMoodle
) -> None:
    camille = submitted(site)
    confirm(site, camille)
    ids = arrange(site, moodle)
    configure(site, moodle)
    browser = manager(site)
    browser.get(PLATFORM)
    page = submit_to(browser, "/sessions/plateforme", {"course": [str(ids["changed"])]})
    text = " ".join(page.text.split())
    assert "1 mise(s) à jour. La personne inscrite en sera informée par courriel." in text
    with site.db() as db:
        [notice] = db.execute(select(SessionChangeNotice)).scalars().all()
    assert (notice.request_id, notice.session_code, notice.revision) == (camille, "26C03S1", 1)


def test_a_refresh_alone_needs_no_capacity(site: Site, moodle: ServedMoodle) -> None:
    ids = arrange(site, moodle)
    configure(site, moodle)
    browser = manager(site)
    browser.get(PLATFORM)
    page = submit_to(browser, "/sessions/plateforme", {"course": [str(ids["changed"])]})
    assert "0 session(s) créée(s) (fermées aux inscriptions), 1 mise(s) à jour" in page.text
    assert sessions(site)["26C03S1"].title == "Patrimoine communal (édition 2026)"
    browser.get(PLATFORM)
    page = submit_to(browser, "/sessions/plateforme", {"course": None})
    assert page.status == 422
    assert "Cochez au moins un cours à créer ou à mettre à jour." in page.text


def test_a_preview_gone_stale_is_shown_again_and_applies_nothing(
    site: Site, moodle: ServedMoodle
) -> None:
    ids = arrange(site, moodle)
    configure(site, moodle)
    browser = manager(site)
    browser.get(PLATFORM)
    moodle.state.courses[ids["new"]].fullname = "Voter le budget (nouveau titre)"
    page = submit_to(
        browser, "/sessions/plateforme", {"course": [str(ids["new"])], "capacity": "10"}
    )
    assert page.status == 409
    assert "ont changé depuis l'aperçu" in page.text
    assert "Voter le budget (nouveau titre)" in page.text
    assert "ELUS-27A01" not in sessions(site)
    # The new preview can be confirmed.
    page = submit_to(
        browser, "/sessions/plateforme", {"course": [str(ids["new"])], "capacity": "10"}
    )
    assert sessions(site)["ELUS-27A01"].title == "Voter le budget (nouveau titre)"


def test_the_confirmation_needs_the_form_token(site: Site, moodle: ServedMoodle) -> None:
    ids = arrange(site, moodle)
    configure(site, moodle)
    browser = manager(site)
    browser.get(PLATFORM)
    page = submit_to(
        browser,
        "/sessions/plateforme",
        {"course": [str(ids["new"])], "capacity": "10", "_csrf": "forged"},
    )
    assert page.status == 403
    assert "ELUS-27A01" not in sessions(site)


def test_without_a_platform_the_page_says_so(site: Site) -> None:
    browser = manager(site)
    page = browser.get(PLATFORM)
    assert page.status == 409
    assert "Aucune plateforme de formation n'est configurée" in page.text
    assert page.soup.select("#courses") == []


def test_a_platform_down_or_refusing_gets_a_clear_message(
    site: Site, moodle: ServedMoodle
) -> None:
    arrange(site, moodle)
    configure(site, moodle, token="wrong-token-fedcba9876543210")
    browser = manager(site)
    page = browser.get(PLATFORM)
    assert page.status == 502
    assert "a refusé la demande des cours" in page.text and "invalidtoken" in page.text
    assert "wrong-token" not in page.text
    configure(site, moodle)
    moodle.stop()
    page = browser.get(PLATFORM)
    assert page.status == 502
    assert "ne répond pas pour le moment" in page.text
    moodle.start()
    assert browser.get(PLATFORM).status == 200


def test_no_transaction_is_open_while_the_platform_answers(
    site: Site, moodle: ServedMoodle
) -> None:
    """The backoffice's connection is idle, not 'idle in transaction', during the call (what
    PostgreSQL shows; SQLite's readers hold no lock to see)."""
    arrange(site, moodle)
    configure(site, moodle)
    seen: list[int] = []

    def look(function: str) -> None:
        if site.backend == "postgresql":
            with site.engine.connect() as connection:
                seen.append(
                    connection.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND state LIKE 'idle in transaction%'"
                        )
                    ).scalar_one()
                )
        else:
            seen.append(0)

    browser = manager(site)
    moodle.state.faults.append(look)
    assert browser.get(PLATFORM).status == 200
    assert seen == [0]


def test_the_page_is_for_managers(site: Site) -> None:
    tester = staff_browser(site, "testeur@hgi.example", ["tester"])
    assert tester.get(PLATFORM).status == 403



# -- the course in the sessions' CSV ------------------------------------------------------------


def preview_csv(browser, content: str) -> Page:
    browser.get(f"{BASE}/import")
    return submit_to(browser, "/sessions/import", {"content": content}, nav="apercu")


def test_the_sessions_csv_carries_the_course(site: Site) -> None:
    map_course(site, "26C03S1", "ELUS-26C03")
    browser = manager(site)
    export = browser.client.get(f"{BASE}/export.csv").content.decode("utf-8")
    lines = export.removeprefix("\ufeff").splitlines()
    assert lines[0] == "code;title;starts_at;ends_at;place;capacity;is_open;lms_course"
    by_code = {line.split(";")[0]: line for line in lines[1:]}
    assert by_code["26C03S1"].endswith(";oui;ELUS-26C03")
    assert by_code["26C04S2"].endswith(";oui;")
    # Read back, edited: a course set, a course removed (blank), a new session with its own.
    edited = (
        export.replace(";oui;ELUS-26C03", ";oui;")
        .replace(by_code["26C04S2"], by_code["26C04S2"] + "FIN-2027")
        .rstrip("\r\n")
        + "\r\n27A01S1;Budget;15/01/2027 09:00;15/01/2027 17:00;Lyon;20;oui; BUDGET-27 \r\n"
    )
    page = preview_csv(browser, edited)
    assert "4 lignes lues, 4 valides, 0 rejetée" in page.text
    page = submit_to(browser, "/sessions/import", nav="tout")
    assert "1 session(s) créée(s), 3 mise(s) à jour" in page.text
    found = sessions(site)
    assert found["26C03S1"].lms_course is None
    assert found["26C04S2"].lms_course == "FIN-2027"
    assert found["27A01S1"].lms_course == "BUDGET-27"
    assert found["26C05S1"].lms_course is None


def test_a_csv_without_the_course_column_leaves_the_courses(site: Site) -> None:
    map_course(site, "26C03S1", "ELUS-26C03")
    browser = manager(site)
    old = (
        "code;title;starts_at;ends_at;place;capacity;is_open\n"
        "26C03S1;Patrimoine;02/10/2026 11:00;02/10/2026 12:15;Lyon;25;oui\n"
    )
    preview_csv(browser, old)
    page = submit_to(browser, "/sessions/import", nav="tout")
    assert "0 session(s) créée(s), 1 mise(s) à jour" in page.text
    session = sessions(site)["26C03S1"]
    assert (session.title, session.lms_course) == ("Patrimoine", "ELUS-26C03")


def test_a_course_too_long_is_rejected_with_its_line(site: Site) -> None:
    browser = manager(site)
    bad = (
        "code;title;starts_at;ends_at;place;capacity;is_open;cours\n"
        f"27A01S1;Budget;15/01/2027 09:00;15/01/2027 17:00;Lyon;20;oui;{'x' * 256}\n"
    )
    page = preview_csv(browser, bad)
    rejected = dict((r[0], r[1]) for r in rows_of(page, "#rejected"))
    assert rejected == {"2": "cours : Le cours a plus de 255 caractères."}
    assert "27A01S1" not in sessions(site)

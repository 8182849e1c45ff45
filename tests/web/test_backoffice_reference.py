"""The backoffice's reference lists and training sessions, as an operator uses them: lists and
their entries, the form generated from a list's fields, entries used by requests, entries
described by applicants (referenced, or merged: the requests follow), CSV export and import
(report with line numbers, nothing half-applied), sessions. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from engine.service.catalog import DbCatalog
from engine.store.models import ReferenceEntryRow, RequestRow, TrainingSession

from .backoffice import manager, staff_browser
from .browser import Browser, Page
from .conftest import Site
from .journey import ANSWERS, STEPS, fill_until, step_of
from .test_delivery import confirm, submitted

BASE = "/backoffice/onboarding"
LISTS = f"{BASE}/listes"
ESTABLISHMENTS = f"{LISTS}/establishments"


def submit_to(
    browser: Browser, action_end: str, typed: dict[str, Any] | None = None, **kw: Any
) -> Page:
    """Submits the page's form whose address ends with `action_end`."""
    assert browser.page is not None
    forms = browser.page.soup.select("form[method=post]")
    index = next(
        (i for i, f in enumerate(forms) if str(f.get("action", "")).endswith(action_end)), None
    )
    assert index is not None, (action_end, [f.get("action") for f in forms])
    return browser.submit(typed or {}, form=index, nav=kw.pop("nav", None), **kw)


def entry_row(
    site: Site, entry_id: str, list_id: str = "establishments"
) -> ReferenceEntryRow | None:
    with site.db() as db:
        return db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.workflow_id.in_(["onboarding", "equipment_loan"]),
                ReferenceEntryRow.list_id == list_id,
                ReferenceEntryRow.entry_id == entry_id,
            )
        ).scalar_one_or_none()


def all_entries(site: Site, list_id: str = "establishments") -> dict[str, tuple[Any, ...]]:
    with site.db() as db:
        rows = db.execute(
            select(ReferenceEntryRow).where(
                ReferenceEntryRow.workflow_id == "onboarding", ReferenceEntryRow.list_id == list_id
            )
        ).scalars()
        return {r.entry_id: (r.label, r.status, r.active, r.values) for r in rows}


def rows_of(page: Page, table: str) -> list[list[str]]:
    return [
        [" ".join(cell.get_text(" ").split()) for cell in tr.select("th, td")]
        for tr in page.soup.select(f"{table} tbody tr")
    ]


# -- lists and entries ---------------------------------------------------------------------------


def test_lists_show_every_list_of_the_spec_with_its_counts(site: Site) -> None:
    browser = manager(site)
    page = browser.get(LISTS)
    assert page.status == 200
    table = {row[0]: row for row in rows_of(page, "table")}
    # 9 entries in the workflow, 3 more in the demo data.
    assert table["Établissements"][1] == "12"
    assert table["Méthodes de financement"][1:3] == ["2", "1"]
    assert set(table) == {
        "Types d'établissement",
        "États du candidat",
        "Méthodes de financement",
        "Établissements",
    }
    page = browser.get(ESTABLISHMENTS)
    header = [th.get_text(strip=True) for th in page.soup.select("table thead th")]
    assert header[:6] == [
        "Libellé",
        "Type d'établissement",
        "Code postal",
        "Commune",
        "Courriel de l'instance de validation",
        "Conventionné",
    ]
    assert "Ville de Lyon" in page.text and "Mairie / Commune" in page.text
    page = browser.get(f"{ESTABLISHMENTS}?q=grenoble")
    labels = [row[0] for row in rows_of(page, "table")]
    assert [label.split(" ")[:3] for label in labels] == [
        ["Ville", "de", "Grenoble"],
        ["Département", "de", "l'Isère"],
    ]


def test_an_operator_creates_edits_deactivates_an_entry(site: Site) -> None:
    browser = manager(site)
    browser.get(ESTABLISHMENTS)
    page = browser.get(f"{ESTABLISHMENTS}/nouvelle-entree")
    page = submit_to(
        browser,
        "nouvelle-entree",
        {"label": " ", "postal_code": "6900", "type": "", "validation_email": "x@"},
    )
    assert page.status == 422
    assert page.field_error("label") == "Le libellé est obligatoire."
    assert "Code postal invalide" in page.field_error("postal_code")
    assert page.field_error("type") == "Ce champ est obligatoire."
    assert page.field_error("validation_email") == "Adresse électronique invalide."
    assert len(page.summary) == 4
    page = submit_to(
        browser,
        "nouvelle-entree",
        {
            "label": "Commune d'Échirolles",
            "type": "commune",
            "postal_code": "38130",
            "city": "Échirolles",
            "validation_email": "elus@echirolles.example",
            "conventioned": "on",
        },
    )
    assert page.status == 200 and "a été ajouté à la liste" in page.text
    row = entry_row(site, "commune_d_echirolles")
    assert row is not None and row.active and row.status == "referenced"
    assert row.values == {
        "type": "commune",
        "postal_code": "38130",
        "city": "Échirolles",
        "validation_email": "elus@echirolles.example",
        "conventioned": True,
    }
    assert "echirolles" in row.search_text
    # The same label again gets another id.
    browser.get(f"{ESTABLISHMENTS}/nouvelle-entree")
    submit_to(browser, "nouvelle-entree", {"label": "Commune d'Échirolles", "type": "epci"})
    assert entry_row(site, "commune_d_echirolles_2") is not None

    page = browser.get(f"{ESTABLISHMENTS}/entrees/commune_d_echirolles")
    assert page.value("city") == "Échirolles"
    page = submit_to(
        browser, "entrees/commune_d_echirolles", {"city": "Echirolles", "conventioned": None}
    )
    assert "Modifications enregistrées." in page.text
    row = entry_row(site, "commune_d_echirolles")
    assert row.values["city"] == "Echirolles" and row.values["conventioned"] is False
    page = submit_to(browser, "/desactiver")
    assert "est désactivé" in page.text
    assert entry_row(site, "commune_d_echirolles").active is False
    page = browser.get(f"{ESTABLISHMENTS}?etat=inactives")
    assert "Commune d'Échirolles" in page.text and "Ville de Lyon" not in page.text
    browser.get(f"{ESTABLISHMENTS}/entrees/commune_d_echirolles")
    page = submit_to(browser, "/activer")
    assert "de nouveau actif" in page.text
    assert entry_row(site, "commune_d_echirolles").active is True


def test_an_entry_used_by_a_request_cannot_be_deleted_an_unused_one_can(site: Site) -> None:
    submitted(site)  # answers ville_lyon
    browser = manager(site)
    page = browser.get(f"{ESTABLISHMENTS}/entrees/ville_lyon")
    assert "ne peut pas être supprimée, seulement désactivée" in page.text
    assert not page.soup.select(f"form[action='{ESTABLISHMENTS}/entrees/ville_lyon/supprimer']")
    # Even posted directly, the entry stays.
    page = browser.post(f"{ESTABLISHMENTS}/entrees/ville_lyon/supprimer", {"_csrf": browser.csrf()})
    assert "utilisée par 1 demande(s)" in page.text
    assert entry_row(site, "ville_lyon") is not None
    # An entry type used by entries of another list cannot go either.
    page = browser.get(f"{LISTS}/establishment_types/entrees/epci")
    assert "ne peut pas être supprimée" in page.text
    page = browser.get(f"{ESTABLISHMENTS}/entrees/chambery")
    page = submit_to(browser, "/supprimer")
    assert "« Commune de Chambéry » a été supprimé." in page.text
    assert entry_row(site, "chambery") is None


# -- entries described by applicants ----------------------------------------------------------


def described_entry(site: Site) -> tuple[int, str]:
    """A submitted request whose establishment an applicant described (not referenced)."""
    request_id = submitted(site)
    with site.db() as db:
        compiled = site.runtime.registry.get("onboarding")
        field = compiled.reference_fields()["establishment"]
        values = {
            "label": "Mairie de Saint-Pierre",
            "type": "commune",
            "postal_code": "38380",
            "city": "Saint-Pierre-de-Chartreuse",
        }
        entry = DbCatalog(db, compiled).add_described_entry(field, values)
        row = db.get(RequestRow, request_id)
        row.answers = {**row.answers, "establishment": entry.entry_id}
        db.commit()
        return request_id, entry.entry_id


def test_an_applicants_entry_is_flagged_and_can_be_referenced(site: Site) -> None:
    _, entry_id = described_entry(site)
    browser = manager(site)
    page = browser.get(LISTS)
    assert "1 non référencé" in page.text
    page = browser.get(ESTABLISHMENTS)
    first = rows_of(page, "table")[0]
    assert first[0].startswith("Mairie de Saint-Pierre Non référencé")
    assert "Non référencé" in first
    page = browser.get(f"{ESTABLISHMENTS}?statut=unreferenced")
    assert [r[0].split(" Non")[0] for r in rows_of(page, "table")] == ["Mairie de Saint-Pierre"]
    page = browser.get(f"{ESTABLISHMENTS}/entrees/{entry_id}")
    assert "Entrée décrite par un demandeur" in page.text
    page = submit_to(browser, "/referencer")
    assert "est maintenant référencé" in page.text
    assert entry_row(site, entry_id).status == "referenced"
    assert "Entrée décrite par un demandeur" not in page.text


def test_an_applicants_entry_from_the_wizard_is_merged_and_the_request_follows(site: Site) -> None:
    applicant = site.browser()
    fill_until(applicant, "funding")
    page = applicant.submit({"establishment__new": "on"})
    page = applicant.submit(
        {
            "establishment__new__label": "Commune de Lyon",
            "establishment__new__type": "commune",
            "establishment__new__postal_code": "69001",
            "establishment__new__city": "Lyon",
            "establishment__new__validation_email": "mairie@lyon.example",
        }
    )
    assert step_of(page) == "trainee"
    for step in STEPS[3:]:
        page = applicant.submit(ANSWERS[step])
    assert "Demande envoyée" in page.text
    with site.db() as db:
        request = db.execute(select(RequestRow)).scalar_one()
    new_id = request.answers["establishment"]
    assert entry_row(site, new_id).status == "unreferenced"

    browser = manager(site)
    page = browser.get(f"{ESTABLISHMENTS}/entrees/{new_id}")
    options = [o.get_text() for o in page.soup.select("select#target option")]
    assert "Ville de Lyon" in options and "Commune de Lyon" not in options
    page = submit_to(browser, "/fusionner", {"target": ""})
    assert "Choisissez l'entrée" in page.text
    page = submit_to(browser, "/fusionner", {"target": "ville_lyon"})
    assert (
        "« Commune de Lyon » a été fusionné dans « Ville de Lyon » : 1 demande(s) pointent "
        "désormais vers « Ville de Lyon », « Commune de Lyon » a été désactivé." in page.text
    )
    assert page.url.endswith("/entrees/ville_lyon")
    with site.db() as db:
        assert db.get(RequestRow, request.id).answers["establishment"] == "ville_lyon"
    assert entry_row(site, new_id).active is False
    # Now unused, the merged entry can be deleted.
    browser.get(f"{ESTABLISHMENTS}/entrees/{new_id}")
    submit_to(browser, "/supprimer")
    assert entry_row(site, new_id) is None


# -- CSV ----------------------------------------------------------------------------------------

BAD_CSV = """id;label;type;postal_code;city;validation_email;conventioned;status;active
nouvelle_a;Commune A;commune;38000;Grenoble;a@a.example;oui;;
;Commune B;chateau;38000;Grenoble;;non;;
;Commune C;commune;380;Grenoble;;non;;
;;commune;38000;Grenoble;;non;;
nouvelle_a;Commune A bis;commune;38000;Grenoble;;non;;
"""


def preview(browser: Browser, url: str, content: str) -> Page:
    browser.get(url)
    return submit_to(browser, url, {"content": content}, nav="apercu")


def test_an_import_with_bad_lines_is_reported_and_applies_nothing(site: Site) -> None:
    before = all_entries(site)
    browser = manager(site)
    page = preview(browser, f"{ESTABLISHMENTS}/import", BAD_CSV)
    assert page.status == 200
    assert "5 lignes lues, 1 valide, 4 rejetées" in page.text
    bar = page.soup.select_one("progress")
    assert (bar["value"], bar["max"]) == ("1", "5")
    assert rows_of(page, "#rejected") == [
        [
            "3",
            "Type d'établissement : Valeur inconnue dans la liste « Types d'établissement » : "
            "« chateau ».",
        ],
        ["4", "Code postal : Code postal invalide : 5 chiffres attendus (par exemple 69001)."],
        ["5", "libellé : Le libellé est obligatoire."],
        ["6", "identifiant « nouvelle_a » en double (déjà à la ligne 2)"],
    ]
    assert rows_of(page, "#planned") == [["2", "création", "nouvelle_a", "Commune A"]]
    # The only button imports the valid lines; without choosing it, nothing is applied.
    buttons = [b.get("value") for b in page.soup.select("button[name=_nav]")]
    assert "valides" in buttons and "tout" not in buttons
    page = submit_to(browser, f"{ESTABLISHMENTS}/import", nav="tout")
    assert page.status == 422 and "rien n'a été importé" in page.text
    assert all_entries(site) == before
    # A content changed after the preview is refused.
    page = submit_to(
        browser, f"{ESTABLISHMENTS}/import", {"content": BAD_CSV + "x;y\n"}, nav="valides"
    )
    assert "le contenu a changé" in page.text
    assert all_entries(site) == before
    # Explicitly importing the valid lines.
    page = preview(browser, f"{ESTABLISHMENTS}/import", BAD_CSV)
    page = submit_to(browser, f"{ESTABLISHMENTS}/import", nav="valides")
    assert (
        "Import terminé : 1 créée(s), 0 mise(s) à jour, 4 ligne(s) rejetée(s) ignorée(s)."
        in page.text
    )
    assert set(all_entries(site)) - set(before) == {"nouvelle_a"}


def test_a_good_file_applies_every_line(site: Site) -> None:
    content = (
        "label,type,postal_code,city,conventioned\n"
        "Commune de Voreppe,commune,38340,Voreppe,oui\n"
        "Grenoble-Alpes Métropole,EPCI (communauté de communes, d'agglomération, métropole),"
        "38000,Grenoble,non\n"
    ).replace(
        "EPCI (communauté de communes, d'agglomération, métropole)",
        '"EPCI (communauté de communes, d\'agglomération, métropole)"',
    )
    browser = manager(site)
    page = preview(browser, f"{ESTABLISHMENTS}/import", content)
    assert "2 lignes lues, 2 valides, 0 rejetée" in page.text, page.text[:800]
    page = submit_to(browser, f"{ESTABLISHMENTS}/import", nav="tout")
    assert "Import terminé : 2 créée(s), 0 mise(s) à jour." in page.text
    voreppe = entry_row(site, "commune_de_voreppe")
    assert voreppe.values == {
        "type": "commune",
        "postal_code": "38340",
        "city": "Voreppe",
        "conventioned": True,
    }
    assert entry_row(site, "grenoble_alpes_metropole").values["type"] == "epci"


def test_export_then_reimport_round_trips(site: Site) -> None:
    before = all_entries(site)
    browser = manager(site)
    response = browser.client.get(f"{ESTABLISHMENTS}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    data = response.content
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "id;label;type;postal_code;city;validation_email;conventioned;status;active"
    assert len(lines) == 13
    assert (
        "ville_lyon;Ville de Lyon;commune;69001;Lyon;formation-elus@lyon.example;oui;referenced;oui"
        in lines
    )
    # Upload the file unchanged: every line updates its entry, nothing changes.
    browser.get(f"{ESTABLISHMENTS}/import")
    page = Page(
        browser.client.post(
            f"{ESTABLISHMENTS}/import",
            data={"_csrf": browser.csrf(), "_nav": "apercu"},
            files={"file": ("establishments.csv", data, "text/csv")},
        )
    )
    browser.page = page
    assert "12 lignes lues, 12 valides, 0 rejetée" in page.text
    assert "0 à créer, 12 à mettre à jour" in page.text
    page = submit_to(browser, f"{ESTABLISHMENTS}/import", nav="tout")
    assert "0 créée(s), 12 mise(s) à jour" in page.text
    assert all_entries(site) == before
    # Edited in a spreadsheet: the change comes back.
    edited = text.replace(";Ville de Lyon;", ";Ville de Lyon (mairie centrale);")
    page = preview(browser, f"{ESTABLISHMENTS}/import", edited)
    submit_to(browser, f"{ESTABLISHMENTS}/import", nav="tout")
    after = all_entries(site)
    assert after["ville_lyon"][0] == "Ville de Lyon (mairie centrale)"
    assert {k: v for k, v in after.items() if k != "ville_lyon"} == {
        k: v for k, v in before.items() if k != "ville_lyon"
    }


# -- sessions -----------------------------------------------------------------------------------


def session(site: Site, code: str) -> TrainingSession | None:
    with site.db() as db:
        return db.execute(
            select(TrainingSession).where(TrainingSession.code == code)
        ).scalar_one_or_none()


def test_sessions_are_listed_created_edited_closed(site: Site) -> None:
    request_id = submitted(site)
    confirm(site, request_id)  # holds a seat
    submitted(site)  # its address not confirmed yet: waiting without a seat
    browser = manager(site)
    page = browser.get(f"{BASE}/sessions")
    table = {row[0]: row for row in rows_of(page, "table")}
    assert table["26C03S1"][2:8] == [
        "02/10/2026 11:00",
        "02/10/2026 12:15",
        "HGI, 12 rue de la République, 69002 Lyon — salle Rhône",
        "25",
        "1",
        "1",
    ]
    page = browser.get(f"{BASE}/sessions/26C03S1/modifier")
    assert rows_of(page, "table") == [
        ["En attente de confirmation du courriel", "1", "non"],
        ["Courriel confirmé — bulletin en attente de signature", "1", "oui"],
    ]
    assert "Places prises 1 sur 25 En attente 1" in page.text

    page = browser.get(f"{BASE}/sessions/nouvelle")
    page = submit_to(
        browser,
        "sessions/nouvelle",
        {
            "code": "26C03 S9",
            "title": "",
            "starts_at": "10/11/2026 14:00",
            "ends_at": "10/11/2026 09:00",
            "capacity": "-1",
        },
    )
    assert page.status == 422
    assert "lettres sans accent" in page.field_error("code")
    assert page.field_error("title") == "L'intitulé est obligatoire."
    assert page.field_error("ends_at") == "La fin doit être après le début."
    assert page.field_error("capacity") == "La capacité doit être positive ou nulle."
    page = submit_to(
        browser,
        "sessions/nouvelle",
        {
            "code": "26C03S1",
            "title": "Double",
            "starts_at": "31/02/2026 10:00",
            "ends_at": "10/11/2026 17:00",
            "capacity": "10",
        },
    )
    assert page.field_error("code") == "Une session porte déjà le code « 26C03S1 »."
    assert "Date invalide « 31/02/2026 10:00 »" in page.field_error("starts_at")
    page = submit_to(
        browser,
        "sessions/nouvelle",
        {
            "code": "26C09S1",
            "title": "Urbanisme",
            "starts_at": "10/11/2026 09:00",
            "ends_at": "10/11/2026 17:00",
            "place": "Lyon",
            "capacity": "12",
        },
    )
    assert "La session 26C09S1 a été créée" in page.text
    created = session(site, "26C09S1")
    # 09:00 in Paris in November is 08:00 UTC.
    assert created.starts_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert (created.capacity, created.is_open, created.workflow_id) == (12, True, "onboarding")

    page = submit_to(browser, "26C09S1/modifier", {"capacity": "x", "title": "Urbanisme 2"})
    assert page.field_error("capacity") == "La capacité doit être un nombre entier."
    assert session(site, "26C09S1").title == "Urbanisme"
    page = submit_to(
        browser,
        "26C09S1/modifier",
        {"capacity": "0", "title": "Urbanisme 2", "ends_at": "10/11/2026 18:30"},
    )
    assert "Modifications enregistrées." in page.text
    edited = session(site, "26C09S1")
    assert (edited.title, edited.capacity) == ("Urbanisme 2", 0)
    assert edited.ends_at == datetime(2026, 11, 10, 17, 30, tzinfo=UTC)
    page = submit_to(browser, "26C09S1/fermer")
    assert "fermée aux inscriptions" in page.text
    assert session(site, "26C09S1").is_open is False
    page = submit_to(browser, "26C09S1/ouvrir")
    assert session(site, "26C09S1").is_open is True


def test_sessions_import_reports_bad_lines_and_round_trips(site: Site) -> None:
    browser = manager(site)
    bad = (
        "code;title;starts_at;ends_at;place;capacity;is_open\n"
        "27A01S1;Budget;15/01/2027 09:00;15/01/2027 17:00;Lyon;20;oui\n"
        "27A01S2;Budget;2027-13-01 09:00;15/01/2027 17:00;Lyon;20;oui\n"
        "27A01 S3;Budget;15/01/2027 09:00;15/01/2027 08:00;Lyon;-2;peut-être\n"
    )
    page = preview(browser, f"{BASE}/sessions/import", bad)
    assert "3 lignes lues, 1 valide, 2 rejetées" in page.text
    rejected = dict((r[0], r[1]) for r in rows_of(page, "#rejected"))
    assert "début : Date invalide « 2027-13-01 09:00 »" in rejected["3"]
    assert "code : Le code ne peut contenir" in rejected["4"]
    assert "fin : La fin doit être après le début." in rejected["4"]
    assert "capacité : La capacité doit être positive ou nulle." in rejected["4"]
    assert "Ouverte : « peut-être » au lieu de oui ou non." in rejected["4"]
    page = submit_to(browser, f"{BASE}/sessions/import", nav="tout")
    assert session(site, "27A01S1") is None

    export = browser.client.get(f"{BASE}/sessions/export.csv").content.decode("utf-8")
    assert export.startswith("\ufeffcode;title;starts_at;ends_at;place;capacity;is_open")
    edited = (
        export.replace(";2;oui", ";3;non")
        + "27A01S1;Budget;15/01/2027 09:00;15/01/2027 17:00;Lyon;20;\n"
    )
    page = preview(browser, f"{BASE}/sessions/import", edited)
    assert "4 lignes lues, 4 valides, 0 rejetée" in page.text
    page = submit_to(browser, f"{BASE}/sessions/import", nav="tout")
    assert "1 session(s) créée(s), 3 mise(s) à jour" in page.text
    small = session(site, "26C05S1")
    assert (small.capacity, small.is_open) == (3, False)
    assert session(site, "26C03S1").starts_at == datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    assert session(site, "27A01S1").is_open is True


# -- the second workflow ------------------------------------------------------------------------


def test_the_pages_work_for_the_second_workflows_lists(site: Site) -> None:
    # Its `admin` role reaches the page; the first workflow's manager role does not.
    other = manager(site)
    assert other.get("/backoffice/equipment_loan/listes").status == 403
    browser = staff_browser(site, "bibliotheque@makerspace.example", ["admin"])
    page = browser.get("/backoffice/equipment_loan/listes")
    assert page.status == 200
    assert rows_of(page, "table")[0][:3] == ["Equipment", "4", "1"]
    base = "/backoffice/equipment_loan/listes/equipment"
    page = browser.get(base)
    header = [th.get_text(strip=True) for th in page.soup.select("table thead th")]
    # The workflow is in English: so is its backoffice.
    assert header == [
        "Label",
        "Category",
        "Serial number",
        "Deposit (€)",
        "Fragile",
        "Status",
        "Active",
        "Requests",
    ]
    assert "Singer sewing machine" in page.text and "In repair" in page.text
    browser.get(f"{base}/nouvelle-entree")
    page = submit_to(
        browser,
        "nouvelle-entree",
        {"label": "Laser cutter", "category": "Fab", "serial": "", "deposit": "beaucoup"},
    )
    assert page.field_error("deposit") == "Whole number expected."
    assert page.field_error("serial") == "This field is required."
    page = submit_to(browser, "nouvelle-entree", {"serial": "LSR-01", "deposit": "400"})
    row = entry_row(site, "laser_cutter", "equipment")
    assert row.workflow_id == "equipment_loan" and row.status == "available"
    assert row.values == {"category": "Fab", "serial": "LSR-01", "deposit": 400, "fragile": False}
    page = submit_to(browser, "entrees/laser_cutter", {"status": "in_repair"})
    assert entry_row(site, "laser_cutter", "equipment").status == "in_repair"
    csv_text = browser.client.get(f"{base}/export.csv").content.decode("utf-8")
    assert "laser_cutter;Laser cutter;Fab;LSR-01;400;non;in_repair;oui" in csv_text
    assert browser.get("/backoffice/equipment_loan/sessions").status == 200

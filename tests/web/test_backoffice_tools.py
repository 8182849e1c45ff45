"""The backoffice's tools: the outbox's mails (read, sent again), documents tried as PDF, the
settings form, the overview (counts, the process drawn with them, where drafts stop) and the
export as CSV or XLSX. On SQLite and PostgreSQL; the second workflow's pages work too."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from engine.store.models import OutboxMail, WorkflowSetting

from .backoffice import admin, manager, staff_browser
from .conftest import Site
from .journey import fill_until, mails, requests
from .test_delivery import pdf_text, submitted
from .test_other_workflow_web import fill_loan

BO = "/backoffice/onboarding"
LOAN_BO = "/backoffice/equipment_loan"
HOSTILE = '=HYPERLINK("x")'


def set_mail(site: Site, mail_id: int, **values: object) -> None:
    with site.db() as db:
        row = db.get(OutboxMail, mail_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.commit()


def settings_saved(site: Site, workflow: str = "onboarding") -> dict[str, object]:
    with site.db() as db:
        rows = db.execute(select(WorkflowSetting).where(WorkflowSetting.workflow_id == workflow))
        return {row.key: row.value for row in rows.scalars()}


# -- mails ---------------------------------------------------------------------------------------


def test_the_mails_page_lists_the_confirmation_and_shows_it_safely(site: Site) -> None:
    submitted(site)
    [mail] = mails(site)
    assert mail.status == "queued"
    browser = manager(site)
    page = browser.get(f"{BO}/courriels")
    assert page.status == 200
    [row] = page.soup.select("tr[data-mail]")
    cells = " ".join(row.get_text(" ").split())
    assert "En file" in cells
    assert mail.subject in cells
    assert "camille.martin@example.org" in cells
    assert mail.template in cells
    reference = requests(site)[0].reference
    assert reference and reference in cells

    page = browser.get(f"{BO}/courriels?statut=echec")
    assert page.soup.select("tr[data-mail]") == []
    assert "Aucun courriel avec ce statut" in page.text

    page = browser.get(f"{BO}/courriels/{mail.id}")
    assert page.status == 200
    assert mail.text.split("\n")[0].strip() in page.text
    [frame] = page.soup.select("iframe")
    assert frame.has_attr("sandbox") and not frame["sandbox"]  # every restriction on
    # The frame shows the mail's HTML from its own address, where nothing but inline styles
    # is allowed (no script, no request elsewhere) and only this site may frame it.
    preview = browser.client.get(str(frame["src"]))
    assert preview.status_code == 200 and preview.text == mail.html
    policy = preview.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'self'" in policy
    link = page.soup.find("a", href=f"{BO}/demandes/{reference}")
    assert link is not None

    # HTML that tries to leave the attribute stays inside it.
    set_mail(site, mail.id, html='"><script>alert(1)</script><img src=x onerror="alert(2)">')
    page = browser.get(f"{BO}/courriels/{mail.id}")
    assert [s for s in page.soup.find_all("script") if not s.get("src")] == []
    assert page.soup.find("img") is None
    assert len(page.soup.select("iframe")) == 1
    assert "<script>alert(1)" not in page.html
    preview = browser.client.get(f"{BO}/courriels/{mail.id}/apercu")
    assert "default-src 'none'" in preview.headers["content-security-policy"]


def test_a_failed_mail_goes_back_to_the_queue_and_a_sent_one_is_queued_anew(site: Site) -> None:
    submitted(site)
    [mail] = mails(site)
    set_mail(site, mail.id, status="failed", attempts=5, last_error="550 mailbox unavailable")
    browser = manager(site)
    page = browser.get(f"{BO}/courriels?statut=echec")
    [row] = page.soup.select("tr[data-mail]")
    assert "Échec" in row.get_text() and "550 mailbox unavailable" in row.get_text()
    page = browser.get(f"{BO}/courriels/{mail.id}")
    page = browser.submit(nav=None, form=1)
    assert page.status == 200, page.text[:300]
    assert "remis dans la file" in page.text
    [again] = mails(site)
    assert again.id == mail.id and again.message_id == mail.message_id
    assert again.status == "queued" and again.attempts == 0
    assert again.next_attempt_at == site.clock.now()
    assert "550 mailbox unavailable" in (again.last_error or "")
    assert "gestion@hgi.example" in (again.last_error or "")

    set_mail(site, mail.id, status="sent", sent_at=site.clock.now(), last_error=None)
    site.clock.advance(minutes=5)
    page = browser.get(f"{BO}/courriels?statut=envoye")
    assert [r["data-mail"] for r in page.soup.select("tr[data-mail]")] == [str(mail.id)]
    assert browser.get(f"{BO}/courriels?statut=redirige").soup.select("tr[data-mail]") == []
    set_mail(site, mail.id, redirected_to=["testeur@hgi.example"])
    page = browser.get(f"{BO}/courriels?statut=redirige")
    [row] = page.soup.select("tr[data-mail]")
    assert "Redirigé (mode test)" in row.get_text() and "testeur@hgi.example" in row.get_text()
    assert browser.get(f"{BO}/courriels?statut=envoye").soup.select("tr[data-mail]") == []
    page = browser.get(f"{BO}/courriels/{mail.id}")
    assert "Redirigé (mode test)" in page.text
    page = browser.submit(nav=None, form=1)
    assert "Un nouvel envoi" in page.text
    first, copy = mails(site)
    assert first.status == "sent"
    assert copy.status == "queued" and copy.message_id != first.message_id
    assert (copy.subject, copy.text, copy.to) == (first.subject, first.text, first.to)
    assert copy.request_id == first.request_id
    assert page.url.endswith(f"/courriels/{copy.id}?renvoi=nouveau")

    # Without the form's token nothing happens.
    response = browser.client.post(f"{BO}/courriels/{first.id}/renvoyer", data={})
    assert response.status_code == 400
    assert len(mails(site)) == 2


# -- PDF ---------------------------------------------------------------------------------------


def test_documents_are_rendered_with_sample_data_or_for_a_request(site: Site) -> None:
    browser = manager(site)
    page = browser.get(f"{BO}/pdf")
    assert page.status == 200
    assert "Bulletin d'inscription" in page.text
    response = browser.client.get(f"{BO}/pdf/registration_form")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="exemple-' in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    assert pdf_text(response.content).strip()

    submitted(site)
    reference = requests(site)[0].reference
    response = browser.client.get(f"{BO}/pdf/registration_form", params={"reference": reference})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"{reference}.pdf" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert "Camille" in text and "Martin" in text

    page = browser.get(f"{BO}/pdf/registration_form?reference=NOPE-0001")
    assert page.status == 404
    assert "Aucune demande de ce processus n'a la référence « NOPE-0001 »" in page.text
    assert browser.client.get(f"{BO}/pdf/nothing").status_code == 404

    # A session's document, with sample participants and a column per sample half-day.
    response = browser.client.get(f"{BO}/pdf/attendance_sheet")
    assert response.status_code == 200
    assert 'filename="exemple-emargement-SAMPLE1.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert "Camille" in text and "Petit" in text and "jeu. 01/10/2026 matin" in text


# -- settings ----------------------------------------------------------------------------------


def test_settings_are_saved_together_and_a_wrong_value_saves_nothing(site: Site) -> None:
    browser = admin(site)
    page = browser.get(f"{BO}/reglages")
    assert page.status == 200
    assert "Mode test" in page.text
    assert page.soup.find("input", attrs={"name": "test_mode", "type": "checkbox"}) is not None
    assert page.value("confirmation_link_lifetime") == "7d"

    page = browser.submit({"test_mode": "true"}, nav=None, form=1)
    assert page.status == 200
    assert settings_saved(site) == {"test_mode": True}
    changes = " ".join(page.soup.select_one(".changes").get_text(" ").split())
    assert "Mode test : Non → Oui" in changes
    assert page.checked("test_mode") == ["true"]

    page = browser.submit(
        {"test_mode": None, "confirmation_link_lifetime": "7 jours", "follow_link_lifetime": "2w"},
        nav=None,
        form=1,
    )
    assert page.status == 400
    assert "rien n'a été enregistré" in page.text
    error = page.soup.find(id="setting-confirmation_link_lifetime-error").get_text(" ")
    assert "Saisissez une durée" in error and "7d" in error
    assert page.value("confirmation_link_lifetime") == "7 jours"  # shown back to be corrected
    assert settings_saved(site) == {"test_mode": True}

    page = browser.submit({"confirmation_link_lifetime": "10d"}, nav=None, form=1)
    assert page.status == 200
    assert settings_saved(site) == {
        "test_mode": False,
        "confirmation_link_lifetime": "10d",
        "follow_link_lifetime": "2w",
    }
    # A manager does not reach the settings.
    assert manager(site).client.get(f"{BO}/reglages").status_code == 403


# -- overview ----------------------------------------------------------------------------------


def test_the_overview_counts_and_draws_the_process_and_the_funnel(site: Site) -> None:
    submitted(site)
    fill_until(site.browser(), "establishment")  # a draft now waiting at the trainee step
    drafts = [r for r in requests(site) if r.submitted_at is None]
    assert [d.current_step for d in drafts] == ["trainee"]

    page = manager(site).get(f"{BO}/vue-ensemble")
    assert page.status == 200
    waiting = page.soup.select_one('tr[data-state="awaiting_email_confirmation"]')
    assert waiting.select_one(".count").get_text() == "1"
    assert page.soup.select_one('tr[data-state="draft"] .count').get_text() == "1"

    svg = page.soup.select_one("svg.chart--process")
    assert svg is not None and svg["role"] == "img"
    assert svg.find("title").get_text().startswith("Processus")
    boxes = {" ".join(g.find("title").get_text().split()) for g in svg.select("g.chart__state")}
    assert "En attente de confirmation du courriel : 1 demande(s)" in boxes
    assert "Inscription définitive : 0 demande(s)" in boxes
    texts = [t.get_text() for t in svg.find_all("text")]
    assert "1" in texts
    assert svg.find_all("path", attrs={"marker-end": True})

    # The session's row counts its requests per state.
    session_row = next(
        tr for tr in page.soup.select("#by-session ~ div tr") if "26C03S1" in tr.get_text()
    )
    assert "1" in session_row.get_text()

    funnel = page.soup.select_one("svg.chart--bars")
    bars = {" ".join(g.find("title").get_text().split()) for g in funnel.find_all("g")}
    assert "Informations sur le stagiaire : 1" in bars
    assert any(label.endswith(": 0") for label in bars)


# -- export ------------------------------------------------------------------------------------


EXPORT_COLUMNS = [
    "reference",
    "state",
    "submitted_at",
    "answer:last_name",
    "answer:expectations",
    "answer:establishment",
    "entry:establishment:city",
]


def test_the_export_gives_the_chosen_columns_as_csv_and_xlsx(site: Site) -> None:
    submitted(site, {"trainee": {"expectations": HOSTILE}})
    reference = requests(site)[0].reference
    browser = manager(site)
    page = browser.get(f"{BO}/export")
    assert page.status == 200
    boxes = {i["value"] for i in page.soup.select("input[name=colonne]")}
    assert set(EXPORT_COLUMNS) <= boxes

    params = {"colonne": EXPORT_COLUMNS, "format": "csv"}
    response = browser.client.get(f"{BO}/export/fichier", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "onboarding-demandes-2026-09-01" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, values = rows
    assert len(header) == len(EXPORT_COLUMNS)
    got = dict(zip(header, values, strict=True))
    assert got["Référence"] == reference
    assert got["État"] == "En attente de confirmation du courriel"
    assert got["Envoyée le"] == "01/09/2026 10:00"  # 08:00 UTC, in Paris
    assert got["Nom de famille"] == "Martin"
    assert HOSTILE not in values  # never as it was typed...
    assert "'" + HOSTILE in values  # ...but with the apostrophe that makes it text
    assert "Ville de Lyon" in values  # the entry's label, as shown
    assert "Lyon" in values  # an attribute of the chosen entry

    params["format"] = "xlsx"
    response = browser.client.get(f"{BO}/export/fichier", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0] == header
    assert table[1] == values
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row)

    # Filters: no request is in the final state yet.
    only = browser.client.get(
        f"{BO}/export/fichier", params={**params, "format": "csv", "etat": "registered"}
    )
    assert only.content.decode("utf-8-sig").strip().count("\n") == 0
    bad = browser.client.get(f"{BO}/export/fichier", params={"format": "csv"})
    assert bad.status_code == 400 and "Choisissez au moins une colonne" in bad.text


# -- the second workflow -----------------------------------------------------------------------


def test_the_tools_work_for_the_second_workflow(site: Site) -> None:
    fill_loan(site.browser())
    [loan] = [r for r in requests(site) if r.workflow_id == "equipment_loan"]
    browser = staff_browser(site, "librarian-admin@makerspace.example", ["admin"])

    page = browser.get(f"{LOAN_BO}/courriels")
    assert page.status == 200
    [row] = page.soup.select("tr[data-mail]")
    assert "ada.lovelace@example.org" in row.get_text()
    mail_id = row["data-mail"]
    assert browser.get(f"{LOAN_BO}/courriels/{mail_id}").status == 200
    # A mail of one workflow is not reachable under another.
    assert browser.get(f"{BO}/courriels/{mail_id}").status == 404

    page = browser.get(f"{LOAN_BO}/vue-ensemble")
    assert page.status == 200
    svg = page.soup.select_one("svg.chart--process")
    labels = " ".join(svg.get_text(" ").split())
    assert "Approved — ready for pick-up" in labels and "Submitted" in labels
    assert page.soup.select_one('tr[data-state="submitted"] .count').get_text() == "1"

    response = browser.client.get(f"{LOAN_BO}/pdf/loan_slip", params={"reference": loan.reference})
    assert response.status_code == 200
    assert "Lovelace" in pdf_text(response.content)

    page = browser.get(f"{LOAN_BO}/reglages")
    assert "Delay before a loan is overdue" in page.text
    page = browser.submit({"loan_overdue_delay": "21d"}, nav=None, form=1)
    assert page.status == 200
    assert settings_saved(site, "equipment_loan") == {"loan_overdue_delay": "21d"}

    response = browser.client.get(
        f"{LOAN_BO}/export/fichier",
        params={"colonne": ["reference", "answer:last_name", "answer:item"], "format": "csv"},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == [loan.reference, "Lovelace", "Bosch cordless drill"]

"""The registration form as a person reads it: the PDF is read back with pypdf and checked for
what matters on paper (who, which session, which establishment, what was consented to, where to
sign, page numbers), for the applicant's own words printed as typed, and for stable bytes."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.cli import main
from engine.compiled import CompiledWorkflow, load_compiled
from engine.delivery.pdf import DocumentError, UnknownLayout, clean_text, render_document
from engine.samples import SpecCatalog, sample_snapshot
from engine.spec.layout import PdfLayout

from ..conftest import EQUIPMENT_LOAN, PROJECT, WORKFLOWS
from ..helpers import SESSION, fill_wizard, snapshot

CREATED = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
LAYOUT = "registration_form"
REFERENCE = "26C03S1-0042"


def render(
    compiled: CompiledWorkflow,
    catalog: SpecCatalog,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    answers: Mapping[str, Any] | None = None,
    created_at: datetime = CREATED,
) -> bytes:
    """The form for a request filled through the wizard; `answers` replaces stored answers
    afterwards, as if they came from somewhere less careful than the wizard."""
    values = fill_wizard(compiled, catalog, overrides)
    values.update(answers or {})
    request = snapshot(compiled, catalog, values, "email_confirmed")
    return render_document(compiled, LAYOUT, request, created_at=created_at)


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def flat(text: str) -> str:
    """Whitespace made single spaces: a value may wrap anywhere in its column."""
    return " ".join(text.split())


def line_starting(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


@pytest.fixture(scope="module")
def form(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> bytes:
    return render(onboarding, catalog)


def test_what_a_person_checks_on_the_form(form: bytes) -> None:
    text = "\n".join(pages(form))
    whole = flat(text)
    assert "Bulletin d'inscription" in text
    assert line_starting(text, "Prénom").endswith("Élodie")
    assert line_starting(text, "Nom Durand")
    assert "Code de la session 26C03S1" in text
    assert flat(SESSION["title"]) in whole  # the long title wraps in its column
    assert "Nom Ville de Lyon" in text and "Commune Lyon" in text
    assert "Mode de financement Financement par ma collectivité" in whole
    assert "Mandat Maire" in text
    # Given in the wizard, so printed: dietary constraints, disability needs, expectations.
    assert "Contraintes alimentaires" in text and "Précisions Sans gluten" in text
    assert "Aménagement lié à une situation de handicap" in text
    assert "Besoins exprimés Accès en fauteuil" in text
    assert "Attentes Comprendre les financements." in text


def test_consents_are_printed_with_their_answers(form: bytes) -> None:
    text = "\n".join(pages(form))
    assert "Autorisations et consentements" in text
    # The label may wrap; its first line shares the line of the answer.
    assert line_starting(text, "Liste des participants").endswith("Oui")
    assert line_starting(text, "Liste de diffusion").endswith("Non")
    assert line_starting(text, "Droit à l'image").endswith("Non")
    assert "Conditions générales Acceptées (version 2026-01)" in text


def test_institution_signs_when_the_establishment_pays(form: bytes) -> None:
    text = "\n".join(pages(form))
    assert "Visa de l'instance de validation" in text
    assert "Date Cachet Signature" in text
    assert "autorise Mme Élodie Durand à suivre la session 26C03S1" in flat(text)
    assert "Signature du stagiaire" not in text


def test_applicant_signs_when_paying_personally(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    data = render(onboarding, catalog, {"funding": {"funding_method": "personal"}})
    text = "\n".join(pages(data))
    assert "Signature du stagiaire" in text and "Date Signature" in text
    assert "Je soussigné·e Mme Élodie Durand demande mon inscription" in flat(text)
    assert "Visa de l'instance de validation" not in text and "Cachet" not in text


def test_footer_and_metadata(form: bytes) -> None:
    reader = PdfReader(BytesIO(form))
    count = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert f"Référence {REFERENCE} — page {number} / {count}" in page.extract_text()
        assert "HGI — Formation et information des élus — 12 rue de la République" in (
            page.extract_text()
        )
    assert reader.metadata is not None
    assert reader.metadata.title == "Bulletin d'inscription"
    assert reader.metadata.author == "HGI — Formation et information des élus"
    assert reader.metadata.creation_date == CREATED


def test_no_dietary_nor_disability_section_when_none_was_given(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    data = render(
        onboarding,
        catalog,
        {"dietary": {"dietary_constraints": "no"}, "disability": {"disability": ""}},
    )
    text = "\n".join(pages(data))
    assert "Contraintes alimentaires" not in text and "Sans gluten" not in text
    assert "Aménagement lié à une situation de handicap" not in text
    assert "Accès en fauteuil" not in text
    assert "Autorisations et consentements" in text  # the rest is still there


def test_french_characters_come_back_intact(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    details = "Pas de « fromage » ni d’œufs — repas à 12 € maximum… merci !"
    data = render(
        onboarding,
        catalog,
        {
            "trainee": {"first_name": "Éloïse", "last_name": "Lœuvre-D’Ârc"},
            "dietary": {"dietary_constraints": "yes", "dietary_details": details},
        },
    )
    text = "\n".join(pages(data))
    assert line_starting(text, "Prénom").endswith("Éloïse")
    assert line_starting(text, "Nom Lœuvre").endswith("Lœuvre-D’Ârc")
    assert details in flat(text)
    assert "autorise Mme Éloïse Lœuvre-D’Ârc à suivre" in flat(text)


def test_letters_beyond_french_print_too(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    # Greek, Cyrillic, Vietnamese and symbols are not in the common glyphs: the whole font.
    names = {"first_name": "Ζωή Nguyễn", "last_name": "Дмитриева ✓ ½ → ∞"}
    text = "\n".join(pages(render(onboarding, catalog, answers=names)))
    assert line_starting(text, "Prénom").endswith("Ζωή Nguyễn")
    assert line_starting(text, "Nom Дмитриева").endswith("Дмитриева ✓ ½ → ∞")


def test_decomposed_accents_are_composed(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    # "É" typed as E + combining acute (as some keyboards send it): one letter on paper.
    data = render(onboarding, catalog, answers={"first_name": "E\u0301lodie"})
    assert line_starting("\n".join(pages(data)), "Prénom").endswith("Élodie")


HOSTILE = (
    "<script>alert('x')</script> %PDF-1.7 ) ( \\ endstream endobj trailer << /Type /Catalog >>"
    " %%EOF {nb} {pages} {page}"
)


def test_hostile_answers_are_printed_as_plain_text(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    data = render(
        onboarding,
        catalog,
        answers={
            "expectations": f"{HOSTILE}\nSeconde\x00 ligne\x07\x1b[31m\u202eenil\r\nfin",
            "first_name": "Jean\nPaul",
            "last_name": "Du\x00rand\x1epage\x1e",
        },
    )
    assert data.startswith(b"%PDF-1.") and data.count(b"%%EOF") == 1
    reader = PdfReader(BytesIO(data), strict=True)
    count = len(reader.pages)
    texts = [page.extract_text() for page in reader.pages]
    text = "\n".join(texts)
    assert HOSTILE in flat(text)  # literally: no page number put in place of {nb} or {pages}
    assert "Seconde ligne[31menil" in text and "fin" in text
    assert "\x00" not in text and "\x1b" not in text and "\u202e" not in text
    assert line_starting(text, "Nom Du").endswith("Durandpage")
    assert "Prénom Jean" in text and "Paul" in text
    for number, page_text in enumerate(texts, start=1):
        assert f"page {number} / {count}" in page_text


def test_same_request_same_bytes(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> None:
    first = render(onboarding, catalog)
    assert render(onboarding, catalog) == first
    naive = CREATED.replace(tzinfo=None)  # taken as UTC
    assert render(onboarding, catalog, created_at=naive) == first
    assert render(onboarding, catalog, created_at=datetime(2026, 11, 30, tzinfo=UTC)) != first


SAME_IN_ANOTHER_PROCESS = """
import hashlib, sys
from datetime import date, datetime, UTC
from pathlib import Path
from engine.compiled import load_compiled
from engine.delivery.pdf import render_document
from engine.samples import sample_snapshot
compiled = load_compiled(Path(sys.argv[1]))
request = sample_snapshot(compiled, date(2026, 11, 29))
when = datetime(2026, 11, 29, tzinfo=UTC)
data = render_document(compiled, "registration_form", request, created_at=when)
print(hashlib.sha256(data).hexdigest())
"""


def test_same_bytes_in_another_process(onboarding: CompiledWorkflow) -> None:
    # Another process, another string hash seed: the operator's copy made elsewhere is the same.
    request = sample_snapshot(onboarding, date(2026, 11, 29))
    here = render_document(
        onboarding, LAYOUT, request, created_at=datetime(2026, 11, 29, tzinfo=UTC)
    )
    result = subprocess.run(
        [sys.executable, "-c", SAME_IN_ANOTHER_PROCESS, str(WORKFLOWS / "onboarding.yaml")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT), "PYTHONHASHSEED": "12345"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == hashlib.sha256(here).hexdigest()


def test_same_bytes_from_several_threads(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    values = fill_wizard(onboarding, catalog)
    requests = [
        snapshot(onboarding, catalog, {**values, "first_name": name}, "email_confirmed")
        for name in ("Élodie", "Ζωή", "Anaïs", "Дарья")
    ] * 3
    expected = [render_document(onboarding, LAYOUT, r, created_at=CREATED) for r in requests]
    with ThreadPoolExecutor(max_workers=6) as pool:
        produced = list(
            pool.map(lambda r: render_document(onboarding, LAYOUT, r, created_at=CREATED), requests)
        )
    assert produced == expected


def test_long_expectations_go_on_overleaf_with_numbered_pages(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    lines = [f"Attente n° {n} : être à l’aise avec le budget communal." for n in range(1, 51)]
    data = render(onboarding, catalog, {"trainee": {"expectations": "\n".join(lines)}})
    texts = pages(data)
    count = len(texts)
    assert count >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Référence {REFERENCE} — page {number} / {count}" in text
    where = [next(i for i, t in enumerate(texts) if line in t) for line in lines]
    assert where == sorted(where) and where[0] < where[-1]  # in order, over several pages
    # No page ends on a heading or a block title with its content overleaf.
    titles = {"Autorisations et consentements", "Attentes du stagiaire", "Collectivité"}
    for text in texts:
        body = [line for line in text.splitlines() if "Référence" not in line]
        assert body[-1].strip() not in titles


@pytest.mark.parametrize(
    "raw,multiline,expected",
    [
        ("a\x00b\x07c", True, "abc"),
        ("one\r\ntwo\rthree\u2028four", True, "one\ntwo\nthree\nfour"),
        ("one\n\n\n\n\ntwo", True, "one\n\ntwo"),
        ("  spaced\t out \n line  ", False, "spaced out line"),
        ("\u202eevil\u2066", False, "evil"),
        ("12\u00a0€ « oui »", False, "12\u00a0€ « oui »"),  # no-break spaces are kept
        ("E\u0301", False, "É"),
    ],
)
def test_clean_text(raw: str, multiline: bool, expected: str) -> None:
    assert clean_text(raw, multiline=multiline) == expected


def test_unknown_layout_is_named_with_the_known_ones(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    request = snapshot(onboarding, catalog, fill_wizard(onboarding, catalog), "draft")
    known = "known layouts: attendance_certificate, attendance_sheet, registration_form"
    with pytest.raises(UnknownLayout, match=known):
        render_document(onboarding, "nope", request)
    assert issubclass(UnknownLayout, DocumentError)


def test_a_broken_text_names_its_place(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checker refuses such a layout at load time; the renderer still explains itself.
    broken = PdfLayout.model_validate(
        {"title": "T", "author": "A", "blocks": [{"type": "paragraph", "text": "{{ nope.x }}"}]}
    )
    monkeypatch.setitem(onboarding.layouts, "broken", broken)
    request = snapshot(onboarding, catalog, fill_wizard(onboarding, catalog), "draft")
    with pytest.raises(DocumentError, match="layout 'broken', block 1"):
        render_document(onboarding, "broken", request)


def test_the_loan_slip_of_the_second_workflow() -> None:
    compiled = load_compiled(EQUIPMENT_LOAN)
    data = render_document(compiled, "loan_slip", sample_snapshot(compiled), created_at=CREATED)
    text = "\n".join(pages(data))
    assert "Loan slip" in text and "Deposit" in text and "Hand-over" in text
    assert "Loan SAMPLE1-0001 — page 1 /" in text


# -- the command ----------------------------------------------------------------------------


def test_render_pdf_command_writes_the_sample(tmp_path: Path) -> None:
    target = tmp_path / "bulletin.pdf"
    code = main(
        ["render-pdf", str(WORKFLOWS / "onboarding.yaml"), LAYOUT, "--sample", "-o", str(target)]
    )
    assert code == 0
    reader = PdfReader(target)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Bulletin d'inscription" in text and "SAMPLE1" in text
    assert f"page 1 / {len(reader.pages)}" in text


def test_render_pdf_command_lists_known_layouts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.pdf"
    args = ["render-pdf", str(WORKFLOWS / "onboarding.yaml"), "nope", "--sample", "-o"]
    assert main([*args, str(target)]) == 2
    err = capsys.readouterr().err
    assert "unknown PDF layout 'nope'" in err and "registration_form" in err
    assert "Traceback" not in err and not target.exists()


def test_render_pdf_command_reports_a_missing_workflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["render-pdf", str(tmp_path / "nowhere.yaml"), LAYOUT, "--sample", "-o"]
    assert main([*args, str(tmp_path / "x.pdf")]) == 1
    err = capsys.readouterr().err
    assert "E007 cannot read the workflow file" in err and "Traceback" not in err


def test_render_pdf_command_needs_sample(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["render-pdf", str(WORKFLOWS / "onboarding.yaml"), LAYOUT, "-o", "x.pdf"])
    assert exit_info.value.code == 2
    assert re.search(r"required: --sample", capsys.readouterr().err)


def test_last_footer_glyphs_are_embedded(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fpdf2 draws the last page's footer while writing the file: its letters count too.
    short = PdfLayout.model_validate(
        {
            "title": "T",
            "author": "A",
            "footer": "Ζωή Дарья — page {page} / {pages}",
            "blocks": [{"type": "paragraph", "text": "Une seule page."}],
        }
    )
    monkeypatch.setitem(onboarding.layouts, "short", short)
    request = snapshot(onboarding, catalog, fill_wizard(onboarding, catalog), "draft")
    texts = pages(render_document(onboarding, "short", request, created_at=CREATED))
    assert len(texts) == 1 and "Ζωή Дарья — page 1 / 1" in texts[0]

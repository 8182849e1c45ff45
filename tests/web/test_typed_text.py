"""Text as people type it: joiners of emoji and of Persian or Indic words kept, bidirectional
overrides removed, a paste longer than a field's limit refused with its length rather than cut,
and the limit shown beside the field; characters the PDFs cannot print are pointed out to the
operator. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from .backoffice import manager
from .journey import CODE, submit_request
from .test_validation import on_trainee_step, trainee

# A family emoji (three people joined by zero-width joiners), a Persian word written with a
# zero-width non-joiner, a Devanagari conjunct shown half-formed by a joiner.
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
DEVANAGARI = "\u0915\u094d\u200d\u0937"


def test_joiners_are_kept_and_bidi_overrides_removed(site: Any) -> None:
    browser = on_trainee_step(site)
    page = browser.submit(
        trainee(
            first_name=f"{PERSIAN} {DEVANAGARI}",
            last_name=f"Martin\u202e {FAMILY}",
        )
    )
    assert page.status == 200, page.summary
    page = browser.submit(nav="previous")
    assert page.value("first_name") == f"{PERSIAN} {DEVANAGARI}"
    assert page.value("last_name") == f"Martin {FAMILY}"


def test_a_paste_longer_than_the_limit_is_refused_with_its_length(site: Any) -> None:
    browser = on_trainee_step(site)
    pasted = "x" * 5000
    page = browser.submit(trainee(first_name=pasted, expectations=pasted))
    assert page.status == 422
    assert page.field_error("first_name") == (
        "Ce texte ne peut pas dépasser 100 caractères (il en compte 5000)."
    )
    assert page.field_error("expectations") == (
        "Ce texte ne peut pas dépasser 3000 caractères (il en compte 5000)."
    )
    # What was pasted comes back whole, for the applicant to shorten.
    assert page.value("first_name") == pasted
    assert page.value("expectations") == pasted


def test_a_text_with_a_limit_shows_it_and_no_browser_cuts_it(site: Any) -> None:
    page = on_trainee_step(site).page
    assert page is not None
    for name, limit in (("first_name", 100), ("expectations", 3000)):
        field = page.soup.find(id=name)
        assert field is not None
        # A browser's maxlength would cut a paste without a word.
        assert field.get("maxlength") is None
        counter = page.soup.find(id=f"{name}-counter")
        assert counter is not None
        assert counter.get_text() == f"{limit} caractères au plus."
        assert f"{name}-counter" in str(field.get("aria-describedby", "")).split()
        assert field.get("data-max-length") == str(limit)


def test_the_operator_is_told_of_characters_the_pdfs_cannot_print(site: Any) -> None:
    submit_request(
        site.browser(),
        {"trainee": {"last_name": f"Martin {FAMILY}", "expectations": f"Apprendre {DEVANAGARI}"}},
    )
    page = manager(site).get(f"/backoffice/onboarding/demandes/{CODE}-0001")
    warning = page.soup.find(id="unprintable")
    assert warning is not None
    assert " ".join(warning.get_text().split()) == (
        "Les documents PDF ne peuvent pas imprimer certains caractères de ces réponses (ils y "
        "manqueront) : Nom de famille (\U0001f469 \U0001f467), Merci de préciser vos attentes "
        "à propos de cette formation. (\u0915 \u094d \u0937)."
    )


def test_no_warning_when_the_font_has_every_character(site: Any) -> None:
    # Persian letters are in the font; the joiners draw nothing.
    submit_request(site.browser(), {"trainee": {"last_name": f"Zoë Œuvre-{PERSIAN} «ok» €"}})
    page = manager(site).get(f"/backoffice/onboarding/demandes/{CODE}-0001")
    assert page.status == 200
    assert page.soup.find(id="unprintable") is None

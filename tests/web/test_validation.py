"""What the applicant sees when an answer is wrong (French messages beside the field and in the
summary, HTTP 422, nothing typed lost), going back and forth between steps, and jumping ahead."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import Browser, Page
from .journey import ANSWERS, START, fill_until, requests, step_of

REQUIRED = "Ce champ est obligatoire."
EMAIL = "Saisissez une adresse de courriel valide, par exemple nom@exemple.fr."
MISMATCH = "Les deux adresses de courriel ne correspondent pas."
POSTAL_CODE = "Saisissez un code postal français de 5 chiffres, par exemple 75001."
PHONE = "Saisissez un numéro de téléphone français valide, par exemple 06 12 34 56 78."
YEAR_RANGE = "Saisissez une année comprise entre 1945 et 2026."
TERMS = "Vous devez accepter « Conditions générales » pour continuer."


def assert_rejected(page: Page, step: str, name: str, message: str) -> None:
    """The step is shown again with the message beside the input and in the summary, and
    every summary link leads to an element of the page."""
    assert page.status == 422, (page.status, page.summary)
    assert step_of(page) == step
    assert page.field_error(name) == message
    assert message in page.summary
    assert page.soup.select_one("#error-summary") is not None
    for target in page.summary_targets():
        assert page.soup.find(id=target) is not None, f"summary link #{target} leads nowhere"
    assert page.title.startswith("Erreur :"), page.title


def on_trainee_step(site: Any) -> Browser:
    browser = site.browser()
    page = fill_until(browser, "establishment")
    assert step_of(page) == "trainee"
    return browser


def trainee(**changes: str) -> dict[str, str]:
    return {**ANSWERS["trainee"], **changes}


def assert_trainee_inputs_kept(page: Page, typed: dict[str, str]) -> None:
    for name, value in typed.items():
        if name == "civility":
            assert page.checked("civility") == [value]
        else:
            assert page.value(name) == value, name


def test_email_and_its_confirmation_differ(site: Any) -> None:
    browser = on_trainee_step(site)
    typed = trainee(email__confirm="camille.martin@example.com")
    page = browser.submit(typed)
    assert_rejected(page, "trainee", "email__confirm", MISMATCH)
    assert page.summary == [MISMATCH]
    assert_trainee_inputs_kept(page, typed)
    # Corrected, the applicant moves on.
    page = browser.submit({"email__confirm": "camille.martin@example.org"})
    assert step_of(page) == "mandate"


def test_an_invalid_email_is_refused_and_shown_back(site: Any) -> None:
    browser = on_trainee_step(site)
    typed = trainee(email="camille.martin@", email__confirm="camille.martin@")
    page = browser.submit(typed)
    assert_rejected(page, "trainee", "email", EMAIL)
    assert page.summary == [EMAIL]
    assert_trainee_inputs_kept(page, typed)


@pytest.mark.parametrize("postal_code", ["6900", "ABCDE"])
def test_a_postal_code_must_have_five_digits(site: Any, postal_code: str) -> None:
    browser = on_trainee_step(site)
    typed = trainee(postal_code=postal_code)
    page = browser.submit(typed)
    assert_rejected(page, "trainee", "postal_code", POSTAL_CODE)
    assert page.summary == [POSTAL_CODE]
    assert_trainee_inputs_kept(page, typed)


def test_a_phone_number_too_short_is_refused(site: Any) -> None:
    browser = on_trainee_step(site)
    typed = trainee(phone="123")
    page = browser.submit(typed)
    assert_rejected(page, "trainee", "phone", PHONE)
    assert_trainee_inputs_kept(page, typed)


def test_several_errors_are_all_listed_in_the_order_of_the_page(site: Any) -> None:
    browser = on_trainee_step(site)
    typed = trainee(
        first_name="",
        email="pas-une-adresse",
        email__confirm="pas-une-adresse",
        postal_code="ABCDE",
        phone="123",
    )
    page = browser.submit(typed)
    assert_rejected(page, "trainee", "first_name", REQUIRED)
    assert page.summary == [REQUIRED, EMAIL, POSTAL_CODE, PHONE]
    assert page.summary_targets() == ["first_name", "email", "postal_code", "phone"]
    assert "Il y a 4 erreurs dans le formulaire" in page.text
    assert_trainee_inputs_kept(page, typed)
    # The field that was right is not flagged.
    assert page.field_error("last_name") == ""


@pytest.mark.parametrize("year", ["1900", "2027"])
def test_the_first_mandate_year_lies_between_1945_and_this_year(site: Any, year: str) -> None:
    browser = site.browser()
    page = fill_until(browser, "trainee")
    assert step_of(page) == "mandate"
    page = browser.submit({"mandate": "maire", "first_mandate_year": year})
    assert_rejected(page, "mandate", "first_mandate_year", YEAR_RANGE)
    assert page.summary == [YEAR_RANGE]
    assert page.value("first_mandate_year") == year
    assert page.checked("mandate") == ["maire"]
    # The limits of the range are accepted.
    page = browser.submit({"first_mandate_year": "2026"})
    assert step_of(page) == "dietary"


def test_the_funding_method_must_be_chosen(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "session")
    assert step_of(page) == "funding"
    page = browser.submit({"funding_method": None})
    assert_rejected(page, "funding", "funding_method", REQUIRED)
    assert page.summary == [REQUIRED]
    # The link leads to the first radio of the group.
    [target] = page.summary_targets()
    radio = page.soup.find(id=target)
    assert radio is not None and radio.get("name") == "funding_method"
    assert page.checked("funding_method") == []


def test_the_terms_must_be_accepted(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "extra_data")
    assert step_of(page) == "terms"
    page = browser.submit({"terms_accepted": None})
    assert_rejected(page, "terms", "terms_accepted", TERMS)
    assert page.summary == [TERMS]
    assert requests(site)[0].submitted_at is None
    assert "Demande envoyée" not in page.text


def test_a_request_with_errors_is_not_submitted_and_the_valid_answers_are_kept(site: Any) -> None:
    browser = on_trainee_step(site)
    page = browser.submit(trainee(phone="123"))
    assert page.status == 422
    # Reloading the step shows what was saved: the right answers, the stored phone (none).
    page = browser.get(f"{START}/etape/trainee")
    assert page.status == 200
    assert page.value("first_name") == "Camille"
    assert page.value("postal_code") == "69001"
    assert page.value("phone") == ""
    [request] = requests(site)
    assert "phone" not in request.answers


# -- back and forth ---------------------------------------------------------------------------


def test_going_back_shows_the_stored_answers(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "mandate")
    assert step_of(page) == "dietary"
    assert page.progress == "Étape 6 sur 9"
    page = browser.submit(nav="previous")
    assert step_of(page) == "mandate"
    assert page.checked("mandate") == ["adjoint_maire"]
    assert page.value("first_mandate_year") == "2020"
    page = browser.submit(nav="previous")
    assert step_of(page) == "trainee"
    assert page.progress == "Étape 4 sur 9"
    assert page.checked("civility") == ["mme"]
    for name in ("first_name", "last_name", "email", "email__confirm", "postal_code"):
        assert page.value(name) == ANSWERS["trainee"][name], name
    # The phone comes back written as the applicant would write it.
    assert page.value("phone") == "06 12 34 56 78"
    assert page.value("expectations") == ANSWERS["trainee"]["expectations"]
    page = browser.submit(nav="previous")
    assert step_of(page) == "establishment"
    assert page.checked("establishment") == ["ville_lyon"]
    page = browser.submit(nav="previous")
    assert step_of(page) == "funding"
    assert page.progress == "Étape 2 sur 9"
    assert page.checked("funding_method") == ["establishment"]
    assert "Étape précédente" in page.text


def test_a_change_made_on_the_way_back_is_kept_with_the_later_answers(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "mandate")
    for _ in range(4):
        page = browser.submit(nav="previous")
    assert step_of(page) == "funding"
    # Step 2: another funding method, then forward.
    page = browser.submit({"funding_method": "personal"})
    assert step_of(page) == "establishment"
    assert page.checked("establishment") == ["ville_lyon"]
    page = browser.submit()
    assert step_of(page) == "trainee"
    # Step 4: another first name, then forward; the later steps still hold their answers.
    page = browser.submit({"first_name": "Dominique"})
    assert step_of(page) == "mandate"
    assert page.checked("mandate") == ["adjoint_maire"]
    assert page.value("first_mandate_year") == "2020"
    page = browser.submit()
    assert step_of(page) == "dietary"
    page = browser.get(f"{START}/etape/trainee")
    assert page.value("first_name") == "Dominique"
    assert page.value("last_name") == "Martin"
    page = browser.get(f"{START}/etape/funding")
    assert page.checked("funding_method") == ["personal"]
    [request] = requests(site)
    assert request.answers["funding_method"] == "personal"
    assert request.answers["first_name"] == "Dominique"
    assert request.answers["mandate"] == "adjoint_maire"
    assert request.answers["first_mandate_year"] == 2020
    assert request.answers["establishment"] == "ville_lyon"


def test_going_back_keeps_what_was_typed_on_the_step_left(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "trainee")
    assert step_of(page) == "mandate"
    page = browser.submit({"mandate": "maire", "first_mandate_year": "2014"}, nav="previous")
    assert step_of(page) == "trainee"
    page = browser.submit()
    assert step_of(page) == "mandate"
    assert page.checked("mandate") == ["maire"]
    assert page.value("first_mandate_year") == "2014"


def test_a_step_ahead_of_the_first_incomplete_one_leads_back_to_it(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "funding")
    assert step_of(page) == "establishment"
    for ahead in ("trainee", "mandate", "terms"):
        page = browser.get(f"{START}/etape/{ahead}")
        assert page.status == 200
        assert page.response.history and page.response.history[0].status_code in (302, 303)
        assert page.url.endswith(f"{START}/etape/establishment"), page.url
        assert step_of(page) == "establishment"
    # Steps already answered stay open.
    page = browser.get(f"{START}/etape/funding")
    assert step_of(page) == "funding"
    assert not page.response.history

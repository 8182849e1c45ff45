"""The onboarding wizard as an applicant meets it: every step, every branch, French messages."""

from __future__ import annotations

from typing import Any

from engine.compiled import CompiledWorkflow
from engine.samples import SpecCatalog

from .conftest import TODAY
from .helpers import APPLICANT_INPUTS, SESSION, fill_wizard


def _step(
    onboarding: CompiledWorkflow,
    catalog: SpecCatalog,
    step: str,
    inputs: dict[str, Any],
    answers: dict[str, Any] | None = None,
):
    return onboarding.wizard.validate_step(
        step, inputs, answers or {}, catalog=catalog, today=TODAY, extras={"session": SESSION}
    )


def test_the_steps_follow_the_guide(onboarding: CompiledWorkflow) -> None:
    titles = [onboarding.text(step.spec.title) for step in onboarding.wizard.steps]
    assert titles[0] == "Choisir une action"
    assert "Mode de financement" in titles
    assert titles[-1] == "Conditions générales"
    assert len(titles) == 9


def test_a_complete_journey_keeps_every_visible_answer(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    assert answers["email"] == "elodie.durand@example.org"
    assert answers["phone"] == "+33612345678"
    assert answers["dietary_details"] == "Sans gluten"
    assert answers["disability_details"] == "Accès en fauteuil"
    assert answers["first_mandate_year"] == 2020
    assert answers["terms_accepted"] == "2026-01"  # the version of the terms accepted
    assert answers["training_offer_mailing"] is False


def test_dietary_details_are_required_only_with_yes(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    missing = _step(onboarding, catalog, "dietary", {"dietary_constraints": "yes"})
    assert missing.errors == {"dietary_details": "Ce champ est obligatoire."}
    without = _step(
        onboarding, catalog, "dietary", {"dietary_constraints": "no", "dietary_details": "ignored"}
    )
    assert without.ok
    assert "dietary_details" not in without.values  # a hidden field's answer is dropped


def test_hidden_answers_are_dropped_when_an_earlier_answer_changes(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    changed = fill_wizard(
        onboarding,
        catalog,
        {
            "dietary": {"dietary_constraints": "no", "dietary_details": ""},
            "disability": {"disability": "", "disability_details": "still typed"},
        },
    )
    assert "dietary_details" in answers
    assert "dietary_details" not in changed
    assert "disability_details" not in changed


def test_email_confirmation_must_match(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> None:
    inputs = dict(APPLICANT_INPUTS["trainee"], email__confirm="elodie.durant@example.org")
    result = _step(onboarding, catalog, "trainee", inputs)
    assert result.errors == {
        "email__confirm": "Les deux adresses de courriel ne correspondent pas."
    }


def test_email_confirmation_typed_differently_but_the_same_address(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    """The same address in capitals, or its domain in capitals, confirms it; the answer is the
    address as typed in the first box, normalised."""
    for twin in ("ELODIE.MARTIN@EXAMPLE.ORG", "elodie.martin@EXAMPLE.org"):
        inputs = dict(
            APPLICANT_INPUTS["trainee"], email="elodie.martin@example.org", email__confirm=twin
        )
        result = _step(onboarding, catalog, "trainee", inputs)
        assert result.errors == {}, twin
        assert result.values["email"] == "elodie.martin@example.org"


def test_french_messages_for_bad_formats(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    inputs = dict(
        APPLICANT_INPUTS["trainee"],
        postal_code="6900",
        phone="12",
        email="not-an-address",
        email__confirm="not-an-address",
        first_name="",
    )
    result = _step(onboarding, catalog, "trainee", inputs)
    assert result.errors == {
        "postal_code": "Saisissez un code postal français de 5 chiffres, par exemple 75001.",
        "phone": "Saisissez un numéro de téléphone français valide, par exemple 06 12 34 56 78.",
        "email": "Saisissez une adresse de courriel valide, par exemple nom@exemple.fr.",
        "first_name": "Ce champ est obligatoire.",
    }


def test_the_first_mandate_year_is_bounded(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    for year in ("1900", str(TODAY.year + 1)):
        result = _step(
            onboarding, catalog, "mandate", {"mandate": "maire", "first_mandate_year": year}
        )
        assert result.errors == {
            "first_mandate_year": f"Saisissez une année comprise entre 1945 et {TODAY.year}."
        }
    assert _step(
        onboarding, catalog, "mandate", {"mandate": "maire", "first_mandate_year": "deux mille"}
    ).errors


def test_other_mandate_asks_which(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> None:
    result = _step(
        onboarding, catalog, "mandate", {"mandate": "autre", "first_mandate_year": "2014"}
    )
    assert result.errors == {"mandate_other": "Ce champ est obligatoire."}


def test_an_unknown_establishment_is_refused(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    result = _step(onboarding, catalog, "establishment", {"establishment": "atlantis"})
    assert result.errors == {
        "establishment": "Choisissez un élément de la liste, ou indiquez qu'il n'y figure pas."
    }


def test_a_new_establishment_goes_through_the_sub_form(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    prefix = "establishment__new__"
    partial = _step(
        onboarding,
        catalog,
        "establishment",
        {
            "establishment__new": "on",
            prefix + "label": "Commune de Trifouilly",
            prefix + "postal_code": "123",
        },
    )
    assert partial.errors[prefix + "postal_code"].startswith("Saisissez un code postal")
    assert partial.errors[prefix + "city"] == "Ce champ est obligatoire."
    complete = _step(
        onboarding,
        catalog,
        "establishment",
        {
            "establishment__new": "on",
            prefix + "label": "Commune de Trifouilly",
            prefix + "type": "commune",
            prefix + "postal_code": "12345",
            prefix + "city": "Trifouilly",
            prefix + "validation_email": "mairie@trifouilly.example",
        },
    )
    assert complete.ok, complete.errors
    assert complete.values["establishment"] == {
        "new": {
            "label": "Commune de Trifouilly",
            "type": "commune",
            "postal_code": "12345",
            "city": "Trifouilly",
            "validation_email": "mairie@trifouilly.example",
        }
    }


def test_terms_must_be_accepted(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> None:
    result = _step(onboarding, catalog, "terms", {})
    assert result.errors == {
        "terms_accepted": "Vous devez accepter « Conditions générales » pour continuer."
    }


def test_a_closed_session_is_refused(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> None:
    result = _step(onboarding, catalog, "session", {"session_code": "99X99"})
    assert result.errors == {
        "session_code": "Cette session n'existe pas ou n'est plus ouverte aux inscriptions."
    }


def test_hostile_text_is_kept_as_typed_but_without_control_characters(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    inputs = dict(
        APPLICANT_INPUTS["trainee"],
        first_name="<script>alert(1)</script>\x00\x1b[31m",
        last_name="Durand\r\nBcc: victim@example.org",
    )
    result = _step(onboarding, catalog, "trainee", inputs)
    assert result.ok
    assert result.values["first_name"] == "<script>alert(1)</script>[31m"
    assert "\n" not in result.values["last_name"] and "\r" not in result.values["last_name"]


def test_submission_revalidates_every_step(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog)
    assert (
        onboarding.wizard.first_incomplete_step(
            answers, catalog=catalog, today=TODAY, extras={"session": SESSION}
        )
        is None
    )
    del answers["last_name"]
    assert (
        onboarding.wizard.first_incomplete_step(
            answers, catalog=catalog, today=TODAY, extras={"session": SESSION}
        )
        == "trainee"
    )

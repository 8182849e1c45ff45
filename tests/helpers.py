"""Building requests the way an applicant would: step by step through the wizard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compiled import CompiledWorkflow
from engine.process.firing import RequestSnapshot
from engine.samples import SpecCatalog, sample_entries

from .conftest import TODAY

SESSION = {
    "code": "26C03S1",
    "title": "Transformer le patrimoine communal: stratégies et actions pour rénover, "
    "agrandir, mutualiser",
    "dates": "Du vendredi 2 octobre 2026, 11:00 au vendredi 2 octobre 2026, 12:15",
    "place": "Lyon",
    "capacity": 20,
    "seats_taken": 5,
    "seats_left": 15,
    "is_open": True,
}

APPLICANT_INPUTS: dict[str, dict[str, Any]] = {
    "session": {"session_code": "26C03S1"},
    "funding": {"funding_method": "establishment"},
    "establishment": {"establishment": "ville_lyon"},
    "trainee": {
        "civility": "mme",
        "first_name": "Élodie",
        "last_name": "Durand",
        "email": "elodie.durand@example.org",
        "email__confirm": "elodie.durand@example.org",
        "postal_code": "69001",
        "phone": "06 12 34 56 78",
        "expectations": "Comprendre les financements.",
    },
    "mandate": {"mandate": "maire", "first_mandate_year": "2020"},
    "dietary": {"dietary_constraints": "yes", "dietary_details": "Sans gluten"},
    "disability": {"disability": "on", "disability_details": "Accès en fauteuil"},
    "extra_data": {
        "share_with_participants": "yes",
        "training_offer_mailing": "no",
        "image_rights": "no",
    },
    "terms": {"terms_accepted": "on"},
}


def fill_wizard(
    compiled: CompiledWorkflow,
    catalog: SpecCatalog,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    extras = {"session": SESSION}
    for step in compiled.wizard.steps:
        inputs = dict(APPLICANT_INPUTS.get(step.id, {}))
        inputs.update((overrides or {}).get(step.id, {}))
        result = compiled.wizard.validate_step(
            step.id, inputs, answers, catalog=catalog, today=TODAY, extras=extras
        )
        assert result.ok, (step.id, result.errors)
        answers.update(result.values)
    return compiled.wizard.clean_answers(answers, extras)


def snapshot(
    compiled: CompiledWorkflow,
    catalog: SpecCatalog,
    answers: Mapping[str, Any],
    state: str,
    **changes: Any,
) -> RequestSnapshot:
    values: dict[str, Any] = {
        "state": state,
        "answers": answers,
        "reference": "26C03S1-0042",
        "session": SESSION,
        "entries": sample_entries(compiled.spec, answers, catalog),
        "links": {
            "confirm_email": "https://example.org/l/confirm",
            "follow": "https://example.org/l/follow",
            "set_password": "https://example.org/l/password",
            "seat_offer": "https://example.org/l/seat",
        },
    }
    values.update(changes)
    return RequestSnapshot(**values)

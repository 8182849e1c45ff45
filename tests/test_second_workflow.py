"""A second workflow, unrelated to training registrations: a makerspace lending equipment to
its members. Filled through the wizard and fired through the process like the onboarding one,
to show the engine carries no knowledge of registrations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from engine.actions.effects import GenerateDocument, Notify, SendMail
from engine.compiled import CompiledWorkflow, load_compiled
from engine.process.actors import Actor
from engine.process.firing import (
    CommentRequired,
    ConditionNotMet,
    FireResult,
    NotAllowed,
    NotFromThisState,
    RequestSnapshot,
)
from engine.samples import SpecCatalog, sample_entries

from .conftest import EQUIPMENT_LOAN, TODAY

LIBRARIAN = Actor.user("lucie", {"librarian"})
ADMIN = Actor.user("ada", {"admin"})
MEMBER_EMAIL = "sam.okafor@example.org"
REFERENCE = "LOAN-2026-0042"
FOLLOW = "https://example.org/l/follow"

MEMBER_INPUTS: dict[str, dict[str, Any]] = {
    "member": {
        "first_name": "Sam",
        "last_name": "Okafor",
        "email": MEMBER_EMAIL,
        "email__confirm": MEMBER_EMAIL.upper(),
        "phone": "06 12 34 56 78",
    },
    "item": {"item": "camera_dslr"},
    "dates": {"start_date": "2026-09-07", "return_date": "21/09/2026"},
    "purpose": {
        "purpose": "Filming the repair café for the association's website.",
        "abroad": "yes",
        "destination": "Belgium",
        "rules_accepted": "on",
    },
}


@pytest.fixture(scope="module")
def loan() -> CompiledWorkflow:
    return load_compiled(EQUIPMENT_LOAN)


@pytest.fixture(scope="module")
def loan_catalog(loan: CompiledWorkflow) -> SpecCatalog:
    return SpecCatalog(loan.spec, open_sessions=set())


def fill(
    compiled: CompiledWorkflow,
    catalog: SpecCatalog,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every step, in order, through `validate_step`, as the web wizard does."""
    answers: dict[str, Any] = {}
    for step in compiled.wizard.visible_steps(answers):
        inputs = dict(MEMBER_INPUTS.get(step.id, {}))
        inputs.update((overrides or {}).get(step.id, {}))
        result = compiled.wizard.validate_step(
            step.id, inputs, answers, catalog=catalog, today=TODAY
        )
        assert result.ok, (step.id, result.errors)
        answers.update(result.values)
    return compiled.wizard.clean_answers(answers)


def snap(
    compiled: CompiledWorkflow,
    catalog: SpecCatalog,
    answers: Mapping[str, Any],
    state: str,
) -> RequestSnapshot:
    return RequestSnapshot(
        state=state,
        answers=answers,
        reference=REFERENCE,
        entries=sample_entries(compiled.spec, answers, catalog),
        links={"follow": FOLLOW},
    )


def mails(result: FireResult) -> dict[str, SendMail]:
    return {e.template: e for e in result.effects if isinstance(e, SendMail)}


def addresses(recipients: tuple) -> list[str]:
    return [str(r) for r in recipients]


@pytest.fixture
def answers(loan: CompiledWorkflow, loan_catalog: SpecCatalog) -> dict[str, Any]:
    return fill(loan, loan_catalog)


# -- wizard -----------------------------------------------------------------------------------


def test_the_wizard_has_four_steps_and_no_session(loan: CompiledWorkflow) -> None:
    assert [s.id for s in loan.wizard.steps] == ["member", "item", "dates", "purpose"]
    assert all(f.spec.type != "session" for s in loan.wizard.steps for f in s.fields)
    assert loan.spec.locale == "en" and loan.spec.locales == ("en",)


def test_every_step_fills_and_answers_are_normalised(answers: dict[str, Any]) -> None:
    assert answers == {
        "first_name": "Sam",
        "last_name": "Okafor",
        "email": MEMBER_EMAIL,
        "phone": "+33612345678",
        "item": "camera_dslr",
        "start_date": "2026-09-07",
        "return_date": "2026-09-21",
        "purpose": "Filming the repair café for the association's website.",
        "abroad": True,
        "destination": "Belgium",
        "rules_accepted": "2026-03",
    }


def test_going_abroad_asks_for_the_destination(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    inputs = dict(MEMBER_INPUTS["purpose"], destination="")
    result = loan.wizard.validate_step(
        "purpose", inputs, answers, catalog=loan_catalog, today=TODAY
    )
    assert result.errors == {"destination": "This field is required."}
    assert "destination" not in result.hidden


def test_staying_home_hides_and_drops_the_destination(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog
) -> None:
    inputs = dict(MEMBER_INPUTS["purpose"], abroad="no", destination="Belgium")
    result = loan.wizard.validate_step("purpose", inputs, {}, catalog=loan_catalog, today=TODAY)
    assert result.ok and result.hidden == frozenset({"destination"})
    assert "destination" not in result.values and result.values["abroad"] is False
    # Without any destination typed, the step passes too: the field is not asked.
    bare = {k: v for k, v in inputs.items() if k != "destination"}
    assert loan.wizard.validate_step("purpose", bare, {}, catalog=loan_catalog, today=TODAY).ok
    # A stale destination from an earlier "yes" does not survive the final clean-up.
    answers = fill(loan, loan_catalog, {"purpose": {"abroad": "no"}})
    assert answers["abroad"] is False and "destination" not in answers


def test_step_inputs_are_checked(loan: CompiledWorkflow, loan_catalog: SpecCatalog) -> None:
    def errors(step: str, **changes: str) -> dict[str, str]:
        inputs = dict(MEMBER_INPUTS[step], **changes)
        return loan.wizard.validate_step(step, inputs, {}, catalog=loan_catalog, today=TODAY).errors

    assert errors("member", email__confirm="someone.else@example.org") == {
        "email__confirm": "The two email addresses do not match."
    }
    assert set(errors("member", phone="12")) == {"phone"}
    assert errors("dates", start_date="2026-08-31") == {
        "start_date": "Enter a date from 01/09/2026 on."
    }
    assert errors("item", item="sewing_machine")  # inactive: in repair
    assert errors("item", item="") == {"item": "This field is required."}
    assert errors("purpose", rules_accepted="") == {
        "rules_accepted": "You must accept “Lending rules” to continue."
    }


# -- process ----------------------------------------------------------------------------------


def test_the_whole_loan_path(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    process = loan.process

    submitted = process.fire(
        snap(loan, loan_catalog, answers, "draft"), "submit", Actor.applicant()
    )
    assert submitted.target == "submitted"
    assert set(mails(submitted)) == {"loan_received"}
    assert addresses(mails(submitted)["loan_received"].to) == [MEMBER_EMAIL]
    notes = [e for e in submitted.effects if isinstance(e, Notify)]
    assert [n.role for n in notes] == ["librarian"]
    assert "Canon EOS 250D camera" in notes[0].message and "07/09/2026" in notes[0].message

    approved = process.fire(snap(loan, loan_catalog, answers, "submitted"), "approve", LIBRARIAN)
    assert approved.target == "approved"
    approval = mails(approved)["loan_approved"]
    assert addresses(approval.to) == [MEMBER_EMAIL]
    assert addresses(approval.cc) == ["desk@makerspace.example"]
    assert approval.attachments == ("loan_slip",)
    documents = [e for e in approved.effects if isinstance(e, GenerateDocument)]
    assert [(d.document, d.layout) for d in documents] == [("loan_slip", "loan_slip")]
    abroad = [e for e in approved.effects if isinstance(e, Notify)]  # `when: abroad == true`
    assert len(abroad) == 1 and "Belgium" in abroad[0].message

    lent = process.fire(snap(loan, loan_catalog, answers, "approved"), "lend", LIBRARIAN)
    assert lent.target == "lent" and lent.effects == ()

    overdue = process.fire(snap(loan, loan_catalog, answers, "lent"), "mark_overdue", Actor.timer())
    assert overdue.target == "overdue"
    reminder = mails(overdue)["loan_overdue"]
    assert addresses(reminder.to) == [MEMBER_EMAIL]
    assert addresses(reminder.cc) == ["role:librarian"]
    assert loan.duration(loan.process.transitions["mark_overdue"].by.timer).days == 14

    returned = process.fire(
        snap(loan, loan_catalog, answers, "overdue"), "mark_returned", LIBRARIAN
    )
    assert returned.target == "returned" and loan.states["returned"].final
    assert addresses(mails(returned)["loan_returned"].to) == [MEMBER_EMAIL]
    assert process.available(snap(loan, loan_catalog, answers, "returned"), LIBRARIAN) == []


def test_a_loan_returned_on_time_skips_the_reminder(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    snapshot = snap(loan, loan_catalog, answers, "lent")
    assert {a.transition.id for a in loan.process.available(snapshot, LIBRARIAN)} == {
        "mark_returned"
    }
    returned = loan.process.fire(snapshot, "mark_returned", LIBRARIAN, comment="Lens cap lost.")
    assert returned.target == "returned" and returned.comment == "Lens cap lost."
    assert set(mails(returned)) == {"loan_returned"}


def test_staying_home_skips_the_insurance_notification(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog
) -> None:
    answers = fill(loan, loan_catalog, {"purpose": {"abroad": "no"}})
    approved = loan.process.fire(
        snap(loan, loan_catalog, answers, "submitted"), "approve", LIBRARIAN
    )
    assert not [e for e in approved.effects if isinstance(e, Notify)]
    assert set(mails(approved)) == {"loan_approved"}


def test_the_return_date_cannot_precede_the_pick_up(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog
) -> None:
    answers = fill(
        loan, loan_catalog, {"dates": {"start_date": "2026-09-21", "return_date": "2026-09-07"}}
    )
    snapshot = snap(loan, loan_catalog, answers, "draft")
    with pytest.raises(ConditionNotMet) as blocked:
        loan.process.fire(snapshot, "submit", Actor.applicant())
    assert blocked.value.message == "The return date cannot be earlier than the pick-up date."
    [submit] = loan.process.available(snapshot, Actor.applicant())
    assert not submit.enabled and submit.reason == blocked.value.message


def test_refusal_requires_a_comment_and_mails_it(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    snapshot = snap(loan, loan_catalog, answers, "submitted")
    for empty in (None, "", "   "):
        with pytest.raises(CommentRequired) as missing:
            loan.process.fire(snapshot, "refuse", LIBRARIAN, comment=empty)
    assert missing.value.message == "A comment is required."
    refused = loan.process.fire(snapshot, "refuse", LIBRARIAN, comment="Booked for a workshop.")
    assert refused.target == "refused" and loan.states["refused"].final
    assert refused.comment == "Booked for a workshop."
    assert addresses(mails(refused)["loan_refused"].to) == [MEMBER_EMAIL]


def test_only_a_librarian_decides(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    snapshot = snap(loan, loan_catalog, answers, "submitted")
    for actor in (ADMIN, Actor.applicant(), Actor.timer(), Actor.via_link("follow")):
        for transition in ("approve", "refuse"):
            with pytest.raises(NotAllowed):
                loan.process.fire(snapshot, transition, actor, comment="No.")
    assert {a.transition.id for a in loan.process.available(snapshot, ADMIN)} == set()
    assert {a.transition.id for a in loan.process.available(snapshot, LIBRARIAN)} == {
        "approve",
        "refuse",
    }
    with pytest.raises(NotAllowed):  # the timer alone marks a loan overdue
        loan.process.fire(snap(loan, loan_catalog, answers, "lent"), "mark_overdue", LIBRARIAN)


def test_the_member_cancels_only_while_submitted(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    snapshot = snap(loan, loan_catalog, answers, "submitted")
    assert {a.transition.id for a in loan.process.available(snapshot, Actor.applicant())} == {
        "cancel"
    }
    cancelled = loan.process.fire(snapshot, "cancel", Actor.applicant())
    assert cancelled.target == "cancelled" and loan.states["cancelled"].final
    assert addresses(mails(cancelled)["loan_cancelled"].to) == [MEMBER_EMAIL]
    with pytest.raises(NotAllowed):
        loan.process.fire(snapshot, "cancel", LIBRARIAN)
    for state in ("approved", "lent", "overdue"):
        with pytest.raises(NotFromThisState):
            loan.process.fire(snap(loan, loan_catalog, answers, state), "cancel", Actor.applicant())


# -- mails ------------------------------------------------------------------------------------


def _templates(compiled: CompiledWorkflow) -> list[str]:
    return sorted(
        {
            action.params.template
            for t in compiled.spec.process.transitions
            for action in t.actions
            if action.kind == "send_mail"
        }
    )


def test_every_mail_renders(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog, answers: dict[str, Any]
) -> None:
    assert _templates(loan) == [
        "loan_approved",
        "loan_cancelled",
        "loan_overdue",
        "loan_received",
        "loan_refused",
        "loan_returned",
    ]
    refuse = loan.process.transitions["refuse"]
    context = loan.template_context(
        snap(loan, loan_catalog, answers, "submitted"),
        transition=refuse,
        comment="Booked for a workshop.",
    )
    for name in _templates(loan):
        mail = loan.render_mail(name, context)
        assert mail.subject and "\n" not in mail.subject, name
        assert REFERENCE in mail.subject + mail.text, name
        assert REFERENCE in mail.html and "<html" in mail.html.lower(), name
        assert mail.text.startswith("Hello Sam,"), name
        assert "{{" not in mail.text + mail.html, name
    refused = loan.render_mail("loan_refused", context)
    assert "Booked for a workshop." in refused.text and "Booked for a workshop." in refused.html
    approved = loan.render_mail("loan_approved", context)
    assert "150 €" in approved.text and "fragile" in approved.text
    received = loan.render_mail("loan_received", context)
    assert FOLLOW in received.text and FOLLOW in received.html and "Belgium" in received.text


def test_mails_without_deposit_nor_destination(
    loan: CompiledWorkflow, loan_catalog: SpecCatalog
) -> None:
    answers = fill(
        loan,
        loan_catalog,
        {
            "item": {"item": "tripod"},
            "purpose": {"abroad": "no"},
            "member": {"first_name": "<b>Sam</b>"},
        },
    )
    context = loan.template_context(snap(loan, loan_catalog, answers, "lent"))
    for name in _templates(loan):
        mail = loan.render_mail(name, context)
        assert "<b>Sam</b>" not in mail.html and "&lt;b&gt;Sam&lt;/b&gt;" in mail.html, name
    assert "deposit" not in loan.render_mail("loan_approved", context).text
    assert "abroad" not in loan.render_mail("loan_received", context).text
    assert "deposit" not in loan.render_mail("loan_returned", context).text

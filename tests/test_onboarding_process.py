"""The ten-stage process of the guide, fired through the engine: who may fire what, what each
stage plans (mails, recipients, attachments, notifications, account), and the side paths."""

from __future__ import annotations

import pytest

from engine.actions.effects import CreateAccount, GenerateDocument, Notify, SendMail
from engine.compiled import CompiledWorkflow
from engine.process.actors import Actor
from engine.process.firing import (
    CommentRequired,
    ConditionNotMet,
    NotAllowed,
    NotFromThisState,
    RequestSnapshot,
)
from engine.samples import SpecCatalog

from .helpers import SESSION, fill_wizard, snapshot

MANAGER = Actor.user("emma", {"registration_manager"})
TESTER = Actor.user("wiley", {"tester"})


@pytest.fixture
def answers(onboarding: CompiledWorkflow, catalog: SpecCatalog) -> dict:
    return fill_wizard(onboarding, catalog)


def _mails(effects: tuple) -> dict[str, SendMail]:
    return {e.template: e for e in effects if isinstance(e, SendMail)}


def test_the_main_path_plans_every_mail_of_the_guide(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    process = onboarding.process
    snap = snapshot(onboarding, catalog, answers, "draft")
    submitted = process.fire(snap, "submit", Actor.applicant())
    assert submitted.target == "awaiting_email_confirmation"
    assert [str(a) for a in _mails(submitted.effects)["confirm_email"].to] == [
        "elodie.durand@example.org"
    ]

    snap = snapshot(onboarding, catalog, answers, submitted.target)
    confirmed = process.fire(snap, "confirm_email", Actor.via_link("confirm_email"))
    assert confirmed.target == "email_confirmed"
    mails = _mails(confirmed.effects)
    assert set(mails) == {"session_details", "institution_validation"}
    institution = mails["institution_validation"]
    assert [str(a) for a in institution.to] == ["formation-elus@lyon.example"]
    assert [str(a) for a in institution.cc] == ["role:registration_manager"]
    assert institution.attachments == ("registration_form",)
    documents = [e for e in confirmed.effects if isinstance(e, GenerateDocument)]
    assert [d.document for d in documents] == ["registration_form"]  # generated once
    notes = [e for e in confirmed.effects if isinstance(e, Notify)]
    assert notes and notes[0].role == "registration_manager"
    assert "26C03S1-0042" in notes[0].message

    snap = snapshot(onboarding, catalog, answers, confirmed.target)
    institution_ok = process.fire(snap, "validate_institution", MANAGER)
    assert set(_mails(institution_ok.effects)) == {"not_yet_validated"}

    snap = snapshot(onboarding, catalog, answers, institution_ok.target)
    operator_ok = process.fire(snap, "validate_operator", MANAGER)
    accounts = [e for e in operator_ok.effects if isinstance(e, CreateAccount)]
    assert accounts == [
        CreateAccount("validate_operator.0", "elodie.durand@example.org", "Élodie", "Durand")
    ]
    assert set(_mails(operator_ok.effects)) == {"account_created"}

    snap = snapshot(onboarding, catalog, answers, operator_ok.target)
    registered = process.fire(snap, "validate_applicant", MANAGER)
    assert registered.target == "registered"
    final = snapshot(onboarding, catalog, answers, "registered")
    assert process.available(final, MANAGER) == []


def test_personal_funding_sends_the_form_to_the_applicant(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog, {"funding": {"funding_method": "personal"}})
    snap = snapshot(onboarding, catalog, answers, "awaiting_email_confirmation")
    confirmed = onboarding.process.fire(snap, "confirm_email", Actor.via_link("confirm_email"))
    mails = _mails(confirmed.effects)
    assert "institution_validation" not in mails
    assert [str(a) for a in mails["registration_form_to_sign"].to] == ["elodie.durand@example.org"]


def test_a_full_session_puts_the_request_on_the_waiting_list(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    full = dict(SESSION, seats_taken=20, seats_left=0)
    snap = snapshot(onboarding, catalog, answers, "awaiting_email_confirmation", session=full)
    with pytest.raises(ConditionNotMet):
        onboarding.process.fire(snap, "confirm_email", Actor.via_link("confirm_email"))
    waiting = onboarding.process.fire(
        snap, "confirm_email_session_full", Actor.via_link("confirm_email")
    )
    assert waiting.target == "waiting_list"
    snap = snapshot(onboarding, catalog, answers, "waiting_list", session=full)
    seat = [
        a
        for a in onboarding.process.available(snap, MANAGER)
        if a.transition.id == "seat_available"
    ]
    assert seat and not seat[0].enabled and seat[0].reason == "La session est complète."


def test_roles_are_enforced(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    snap = snapshot(onboarding, catalog, answers, "email_confirmed")
    for actor in (TESTER, Actor.applicant(), Actor.via_link("confirm_email"), Actor.timer()):
        with pytest.raises(NotAllowed):
            onboarding.process.fire(snap, "validate_institution", actor)
    assert {a.transition.id for a in onboarding.process.available(snap, TESTER)} == set()
    with pytest.raises(NotAllowed):  # a follow link cannot confirm an address
        onboarding.process.fire(
            snapshot(onboarding, catalog, answers, "awaiting_email_confirmation"),
            "confirm_email",
            Actor.via_link("follow"),
        )


def test_a_transition_only_fires_from_its_states(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    with pytest.raises(NotFromThisState):
        onboarding.process.fire(
            snapshot(onboarding, catalog, answers, "draft"), "validate_operator", MANAGER
        )


def test_rejection_requires_a_reason_and_mails_it(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    snap = snapshot(onboarding, catalog, answers, "institution_validated")
    with pytest.raises(CommentRequired) as refused:
        onboarding.process.fire(snap, "reject", MANAGER, comment="   ")
    assert refused.value.message == "Un commentaire est obligatoire."
    rejected = onboarding.process.fire(snap, "reject", MANAGER, comment="Session réservée.")
    assert rejected.target == "rejected" and rejected.comment == "Session réservée."
    assert set(_mails(rejected.effects)) == {"rejected"}


def test_timers_expire_and_remind(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    expired = onboarding.process.fire(
        snapshot(onboarding, catalog, answers, "awaiting_email_confirmation"),
        "expire",
        Actor.timer(),
    )
    assert expired.target == "expired"
    reminded = onboarding.process.fire(
        snapshot(onboarding, catalog, answers, "email_confirmed"),
        "remind_institution",
        Actor.timer(),
    )
    assert reminded.target == "email_confirmed" and not reminded.changed_state
    assert _mails(reminded.effects)["institution_reminder"].attachments == ("registration_form",)


def test_every_mail_renders_with_a_request(
    onboarding: CompiledWorkflow, catalog: SpecCatalog, answers: dict
) -> None:
    snap: RequestSnapshot = snapshot(onboarding, catalog, answers, "email_confirmed")
    context = onboarding.template_context(
        snap, comment="Motif d'exemple", account={"login": "elodie.durand", "email": "e@x.org"}
    )
    for name in sorted(
        {
            m.template
            for t in onboarding.spec.process.transitions
            for a in t.actions
            for m in [a.params]
            if hasattr(m, "template")
        }
    ):
        mail = onboarding.render_mail(name, context)
        assert mail.subject and "\n" not in mail.subject, name
        assert "26C03S1" in mail.text + mail.html or "26C03S1-0042" in mail.text, name
        assert "<html" in mail.html.lower(), name


def test_markup_in_answers_is_escaped_in_html_mails(
    onboarding: CompiledWorkflow, catalog: SpecCatalog
) -> None:
    answers = fill_wizard(onboarding, catalog, {"trainee": {"last_name": "<b>Durand</b>"}})
    context = onboarding.template_context(snapshot(onboarding, catalog, answers, "email_confirmed"))
    mail = onboarding.render_mail("institution_validation", context)
    assert "<b>Durand</b>" not in mail.html
    assert "&lt;b&gt;Durand&lt;/b&gt;" in mail.html

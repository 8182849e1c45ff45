"""Sample data derived from a workflow's own declarations: inputs for every field kind, the
spec's reference entries as a catalog, a sample training session. Used by `onboarding
simulate`, by the `--sample` renderings, and by tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .half_days import HalfDay, attendance_view, half_days
from .process.firing import RequestSnapshot
from .spec.field_kinds import FieldKindTable
from .spec.fields import (
    BaseField,
    CheckboxField,
    ChoiceField,
    ConsentField,
    DateField,
    EmailField,
    GivenField,
    IntegerField,
    LongTextField,
    MultiChoiceField,
    NoticeField,
    PhoneField,
    PostalCodeField,
    ReferenceChoiceField,
    SessionField,
    TextField,
    YearField,
    YesNoField,
)
from .spec.workflow import Workflow
from .wizard.pattern_sample import pattern_sample
from .wizard.values import CONFIRM_SUFFIX

SAMPLE_SESSION_CODE = "SAMPLE1"


def sample_session(code: str = SAMPLE_SESSION_CODE) -> dict[str, Any]:
    start = datetime(2026, 10, 2, 11, 0)
    return {
        "code": code,
        "title": "Session d'exemple",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=75)).isoformat(),
        "dates": "Du vendredi 2 octobre 2026, 11:00 au vendredi 2 octobre 2026, 12:15",
        "place": "Salle d'exemple",
        "capacity": 20,
        "seats_taken": 3,
        "seats_left": 17,
        "is_open": True,
        "registration_closes_at": (start - timedelta(days=2)).isoformat(),
    }


@dataclass
class SpecCatalog:
    """Reference entries as declared in the spec, and a given set of open session codes."""

    workflow: Workflow
    open_sessions: set[str] = field(default_factory=lambda: {SAMPLE_SESSION_CODE})

    def has_entry(self, list_id: str, entry_id: str) -> bool:
        return any(
            entry.id == entry_id and entry.active
            for ref in self.workflow.reference_lists
            if ref.id == list_id
            for entry in ref.entries
        )

    def has_open_session(self, code: str) -> bool:
        return code in self.open_sessions

    def entry(self, list_id: str, entry_id: str) -> dict[str, Any] | None:
        for ref in self.workflow.reference_lists:
            if ref.id != list_id:
                continue
            for entry in ref.entries:
                if entry.id == entry_id:
                    status_labels = {s.id: s.label for s in ref.statuses}
                    status = entry.status or ref.default_status
                    label = (
                        entry.label
                        if isinstance(entry.label, str)
                        else next(iter(entry.label.values()))
                    )
                    status_label = status_labels.get(status or "", "")
                    return {
                        "id": entry.id,
                        "label": label,
                        "status": status,
                        "status_label": status_label
                        if isinstance(status_label, str)
                        else next(iter(status_label.values())),
                        "is_new": False,
                        **entry.values,
                    }
        return None


Inputs = dict[str, str | list[str]]
# (field, the workflow, today) -> valid form inputs for the field
Sample = Callable[[Any, Workflow, date], Inputs]
SAMPLES: FieldKindTable[Sample] = FieldKindTable("sample inputs")


def sample_inputs(spec: BaseField, workflow: Workflow, today: date) -> Inputs:
    """Valid form inputs for one field."""
    return SAMPLES.of(spec)(spec, workflow, today)


def _one(value: str | list[str]) -> Sample:
    """The sample of a kind that reads one input and takes this value whatever the field."""

    def sample(spec: BaseField, workflow: Workflow, today: date) -> Inputs:
        return {spec.id: value}

    return sample


SAMPLES.register(GivenField)(_one("Exemple"))


def _fitted(text: str, min_length: int | None, max_length: int) -> str:
    """The sample repeated up to the field's minimum length, cut at its maximum."""
    while min_length is not None and len(text) < min_length:
        text = f"{text} {text}"
    return text[:max_length].strip()


@SAMPLES.register(TextField)
def _text(spec: TextField, workflow: Workflow, today: date) -> Inputs:
    if spec.pattern is not None:
        text = pattern_sample(spec.pattern, min_length=spec.min_length, max_length=spec.max_length)
        if text is not None:
            return {spec.id: text}
    return {spec.id: _fitted("Exemple", spec.min_length, spec.max_length)}


@SAMPLES.register(LongTextField)
def _long_text(spec: LongTextField, workflow: Workflow, today: date) -> Inputs:
    return {spec.id: _fitted("Texte d'exemple.", spec.min_length, spec.max_length)}


SAMPLES.register(PhoneField)(_one("06 12 34 56 78"))
SAMPLES.register(PostalCodeField)(_one("75001"))
SAMPLES.register(YesNoField, CheckboxField, ConsentField)(_one("yes"))
SAMPLES.register(SessionField)(_one(SAMPLE_SESSION_CODE))


@SAMPLES.register(EmailField)
def _email(spec: EmailField, workflow: Workflow, today: date) -> Inputs:
    inputs: Inputs = {spec.id: "camille.martin@example.org"}
    if spec.confirm is not None:
        inputs[spec.id + CONFIRM_SUFFIX] = "camille.martin@example.org"
    return inputs


@SAMPLES.register(YearField)
def _year(spec: YearField, workflow: Workflow, today: date) -> Inputs:
    return {spec.id: str(today.year - 5)}


@SAMPLES.register(IntegerField)
def _integer(spec: IntegerField, workflow: Workflow, today: date) -> Inputs:
    return {spec.id: str(spec.min if spec.min is not None else 1)}


@SAMPLES.register(DateField)
def _date(spec: DateField, workflow: Workflow, today: date) -> Inputs:
    return {spec.id: today.isoformat()}


@SAMPLES.register(ChoiceField)
def _choice(spec: ChoiceField, workflow: Workflow, today: date) -> Inputs:
    return {spec.id: spec.choices[0].id}


@SAMPLES.register(MultiChoiceField)
def _multi_choice(spec: MultiChoiceField, workflow: Workflow, today: date) -> Inputs:
    return {spec.id: [spec.choices[0].id]}


@SAMPLES.register(ReferenceChoiceField)
def _reference(spec: ReferenceChoiceField, workflow: Workflow, today: date) -> Inputs:
    lists = {ref.id: ref for ref in workflow.reference_lists}
    entries = lists[spec.list].entries if spec.list in lists else ()
    return {spec.id: entries[0].id if entries else ""}


@SAMPLES.register(NoticeField)
def _nothing(spec: NoticeField, workflow: Workflow, today: date) -> Inputs:
    return {}


SAMPLES.check()


def sample_entries(
    workflow: Workflow, answers: Mapping[str, Any], catalog: SpecCatalog
) -> dict[str, dict[str, Any]]:
    """The entries chosen in `answers`, as the store would resolve them."""
    found: dict[str, dict[str, Any]] = {}
    for step in workflow.wizard.steps:
        for item in step.fields:
            if not isinstance(item, ReferenceChoiceField):
                continue
            value = answers.get(item.id)
            if isinstance(value, str):
                entry = catalog.entry(item.list, value)
                if entry is not None:
                    found[item.id] = entry
            elif isinstance(value, dict) and isinstance(value.get("new"), dict):
                status = item.not_found.status if item.not_found else None
                found[item.id] = {
                    "id": None,
                    "status": status,
                    "status_label": status,
                    "is_new": True,
                    **value["new"],
                }
    return found


def sample_answers(compiled: Any, today: date) -> dict[str, Any]:
    """Every visible step answered with sample inputs, as the wizard would store them."""
    spec = compiled.spec
    catalog = SpecCatalog(spec)
    extras = {"session": sample_session(), "settings": compiled.settings_with(None)}
    answers: dict[str, Any] = {}
    for step in compiled.wizard.visible_steps(answers, extras):
        inputs: dict[str, str | list[str]] = {}
        for item in step.fields:
            inputs.update(sample_inputs(item.spec, spec, today))
        result = compiled.wizard.validate_step(
            step.id, inputs, answers, catalog=catalog, today=today, extras=extras
        )
        answers.update(result.values)
    return compiled.wizard.clean_answers(answers, extras)


def sample_snapshot(compiled: Any, today: date | None = None) -> RequestSnapshot:
    """A submitted request with sample answers, for `render-mail` and `render-pdf`."""
    answers = sample_answers(compiled, today or date.today())
    links = {link.id: f"https://example.org/liens/{link.id}/SAMPLE" for link in compiled.spec.links}
    return RequestSnapshot(
        state=compiled.spec.process.initial,
        answers=answers,
        reference=f"{SAMPLE_SESSION_CODE}-0001",
        session=sample_session(),
        entries=sample_entries(compiled.spec, answers, SpecCatalog(compiled.spec)),
        links=links,
        locale=compiled.spec.locale,
        attendance=sample_attendance(compiled.spec.locale),
    )


SAMPLE_PARTICIPANTS = (
    ("Camille", "Martin", "camille.martin@example.org"),
    ("Dominique", "Bernard", "dominique.bernard@example.org"),
    ("Alix", "Petit", "alix.petit@example.org"),
)


def sample_half_days(locale: str) -> list[HalfDay]:
    """The half-days of a two-day sample session (09:00 to 17:00)."""
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    return half_days(start, start + timedelta(days=1, hours=8), ZoneInfo("UTC"))


def sample_attendance(locale: str) -> dict[str, Any]:
    """Present on every half-day but the last."""
    days = sample_half_days(locale)
    marks = {day.key: n < len(days) - 1 for n, day in enumerate(days)}
    return attendance_view(days, marks, locale)


def sample_session_context(compiled: Any) -> dict[str, Any]:
    """A training session's document context with sample participants, for `render-pdf` and
    the backoffice's document test page."""
    locale = compiled.spec.locale
    days = sample_half_days(locale)
    first_state = next(
        (s for s in compiled.spec.process.states if s.holds_seat), compiled.spec.process.states[0]
    )
    participants = [
        {
            "reference": f"{SAMPLE_SESSION_CODE}-{n:04d}",
            "first_name": first,
            "last_name": last,
            "email": email,
            "state": first_state.id,
            "state_label": compiled.text(first_state.label, locale),
            "present": len(days),
            "absent": 0,
        }
        for n, (first, last, email) in enumerate(SAMPLE_PARTICIPANTS, start=1)
    ]
    session = sample_session()
    session["starts_at"] = "2026-10-01T09:00:00+00:00"
    session["ends_at"] = "2026-10-02T17:00:00+00:00"
    session["dates"] = "Du jeudi 1er octobre 2026, 09:00 au vendredi 2 octobre 2026, 17:00"
    return compiled.session_template_context(
        session, [day.view(locale) for day in days], participants, None, locale
    )


# What an operator writes when a transition asks for a comment, by language.
SAMPLE_COMMENTS = {
    "fr": "Commentaire d'exemple saisi par le gestionnaire.",
    "en": "A sample comment written by the manager.",
}


def sample_comment(locale: str) -> str:
    return SAMPLE_COMMENTS.get(locale.split("-")[0], SAMPLE_COMMENTS["fr"])


def _mailing_transition(workflow: Workflow, template: str) -> Any:
    """The first transition whose actions send this mail template, or None."""
    for transition in workflow.process.transitions:
        for action in transition.actions:
            if template in (
                getattr(action.params, "template", None),
                getattr(action.params, "mail", None),
            ):
                return transition
    return None


def sample_mail(compiled: Any, template: str) -> Any:
    """A mail template rendered for the sample request, as the first transition sending it
    would send it, with a sample comment (`transition.comment`)."""
    context = compiled.template_context(
        sample_snapshot(compiled),
        transition=_mailing_transition(compiled.spec, template),
        comment=sample_comment(compiled.spec.locale),
    )
    context["account"] = {
        "login": "camille.martin@example.org",
        "email": "camille.martin@example.org",
    }
    context["platform_account"] = {
        "username": "camille.martin@example.org",
        "created": True,
        "password_help_url": "https://formation.example.org/login/forgot_password.php",
    }
    context["invitation"] = {
        "url": "https://formation.example.org/formulaire/reprendre/exemple",
        "title": "Formulaire",
    }
    return compiled.render_mail(template, context)

"""Requests in the database: drafts saved step by step, submission, firing transitions with
optimistic locking, and the snapshot the engine reads. One instance per database session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..compiled import CompiledWorkflow
from ..process.actors import Actor, ActorKind
from ..process.firing import FireResult, RequestSnapshot
from ..spec.fields import SessionField
from ..spec.process import ByRoles
from ..store.models import Account, HistoryRow, RequestRow, TrainingSession
from .accounts import prefill, remember_identity
from .attendance_marks import attendance_of
from .catalog import DbCatalog
from .consent_records import record_consents
from .context import Runtime
from .corrections import open_correction
from .effects import CalendarPlace, PreparedEffects, prepare_effects, write_effects
from .invitations import prepare_invitation, write_invitation
from .late_registration import LatePass
from .numbering import format_reference, next_number
from .request_columns import fill_queue_columns
from .sessions import (
    closing_delay,
    registration_closes_at,
    seats_taken,
    session_record,
    session_view,
    session_with_seats,
    takes_registrations,
)
from .settings_store import overrides
from .shared_lookups import VERSION_COLUMNS, Kind, RequestLookups
from .transaction import lock_training_session, writing

# With the shared data's counters: a page's first statement reads both.
_BY_PUBLIC_ID = select(RequestRow, *VERSION_COLUMNS).where(
    RequestRow.public_id == bindparam("public_id")
)


class Conflict(Exception):
    """Someone changed the request meanwhile; nothing was applied."""


class _DecisionChanged(Exception):
    """What a firing was decided on changed before its write: decide again."""


# How many times a firing is decided again when shared state (seats) moved under it: each new
# decision sees every write committed before it, so a second one is already rare.
MAX_DECISIONS = 5


class Incomplete(Exception):
    """Submission refused: a visible step's answers do not pass validation."""

    def __init__(self, step_id: str) -> None:
        super().__init__(step_id)
        self.step_id = step_id


class NoSubmitTransition(Exception):
    """The workflow declares no transition the applicant fires from the initial state."""


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_field(compiled: CompiledWorkflow) -> SessionField | None:
    return next((f for f in compiled.fields.values() if isinstance(f, SessionField)), None)


@dataclass(frozen=True, slots=True)
class Draft:
    row: RequestRow
    secret: str

    @property
    def token(self) -> str:
        """What the browser cookie and the resume link hold."""
        return f"{self.row.public_id}.{self.secret}"


class RequestService:
    def __init__(self, db: Session, runtime: Runtime) -> None:
        self.db = db
        self.runtime = runtime
        # Lookups repeated while one web request renders or validates, kept for its duration.
        self._catalogs: dict[str, DbCatalog] = {}
        self._sessions: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._settings: dict[str, dict[str, Any]] = {}
        self._extras: dict[tuple[str, str | None, str], tuple[tuple[Any, ...], Any]] = {}
        # Sessions, entries and settings as the database's counters say they are, kept by
        # the process between requests (shared_lookups.py).
        self.shared = RequestLookups(db)
        # Closed sessions this visitor was let into by an operator's link, by code.
        self.late_passes: dict[str, LatePass] = {}

    def settings_of(self, compiled: CompiledWorkflow) -> dict[str, Any]:
        """The workflow's settings with the values operators changed."""
        found = self._settings.get(compiled.spec.id)
        if found is None:
            workflow_id = compiled.spec.id
            found = self._settings[workflow_id] = dict(
                self.shared.get(Kind.SETTINGS, workflow_id, lambda: overrides(self.db, workflow_id))
            )
        return found

    def catalog(self, compiled: CompiledWorkflow) -> DbCatalog:
        found = self._catalogs.get(compiled.content_hash)
        if found is None:
            found = self._catalogs[compiled.content_hash] = DbCatalog(
                self.db,
                compiled,
                self.shared,
                now=self.runtime.now(),
                closing=self.closing_delay(compiled),
                admitted=self.late_passes,
            )
        return found

    def closing_delay(self, compiled: CompiledWorkflow) -> timedelta:
        """How long before their start the workflow's sessions stop taking registrations."""
        return closing_delay(compiled, self.settings_of(compiled))

    def forget_lookups(self) -> None:
        """After a change (a seat taken, an entry added), look everything up again."""
        self._catalogs.clear()
        self._sessions.clear()
        self._settings.clear()
        self._extras.clear()

    # -- loading ------------------------------------------------------------------------------

    def compiled_for(self, row: RequestRow) -> CompiledWorkflow:
        return self.runtime.registry.version(self.db, row.spec_hash)

    def by_public_id(self, public_id: str) -> RequestRow | None:
        if len(public_id) > 36:
            return None
        found = self.db.execute(_BY_PUBLIC_ID, {"public_id": public_id}).one_or_none()
        if found is None:
            return None
        row, *versions = found
        self.shared.versions_read(versions)
        return row  # type: ignore[no-any-return]

    def find_draft(self, token: str) -> RequestRow | None:
        """The draft a browser cookie or resume link names, if its secret matches."""
        public_id, _, secret = token.partition(".")
        if not public_id or not secret or len(secret) > 100:
            return None
        row = self.by_public_id(public_id)
        if row is None or row.draft_secret_hash is None:
            return None
        if not hmac.compare_digest(row.draft_secret_hash, _secret_hash(secret)):
            return None
        return row

    def is_draft(self, row: RequestRow, compiled: CompiledWorkflow) -> bool:
        return row.state == compiled.spec.process.initial and row.submitted_at is None

    # -- drafts -------------------------------------------------------------------------------

    def new_draft(
        self,
        compiled: CompiledWorkflow,
        session_code: str | None,
        locale: str | None = None,
        account: Account | None = None,
    ) -> Draft:
        self.runtime.registry.remember(self.db, compiled)
        answers: dict[str, Any] = {}
        field = session_field(compiled)
        if field is not None and session_code is not None:
            answers[field.id] = session_code
        if account is not None:
            answers.update(prefill(compiled, account))
        secret = secrets.token_urlsafe(24)
        now = self.runtime.now()
        row = RequestRow(
            public_id=str(uuid.uuid4()),
            workflow_id=compiled.spec.id,
            spec_hash=compiled.content_hash,
            state=compiled.spec.process.initial,
            state_entered_at=now,
            session_code=session_code,
            answers=answers,
            current_step=compiled.wizard.steps[0].id,
            locale=locale or compiled.spec.locale,
            account_id=account.id if account is not None else None,
            draft_secret_hash=_secret_hash(secret),
            created_at=now,
            updated_at=now,
        )
        self.db.add(row)
        self.db.flush()
        return Draft(row, secret)

    def answers_after_step(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step_id: str,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The draft's answers once the step's are replaced with `values` (absent ones are
        dropped) and every answer the new ones hide elsewhere is dropped."""
        step = compiled.wizard.by_id[step_id]
        answers = {k: v for k, v in row.answers.items() if k not in {f.id for f in step.fields}}
        answers.update(values)
        return compiled.wizard.clean_answers(answers, self.extras(row, compiled, answers))

    def save_answers(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        step_id: str,
        values: Mapping[str, Any],
        *,
        resume_at: str | None,
    ) -> None:
        """The same, written in the caller's transaction (seeding, tests)."""
        row.answers = self.answers_after_step(row, compiled, step_id, values)
        if resume_at is not None:
            row.current_step = resume_at
        row.updated_at = self.runtime.now()

    # -- what conditions, mails and the engine see --------------------------------------------

    def session_of(self, row: RequestRow, compiled: CompiledWorkflow) -> dict[str, Any]:
        if row.session_code is None:
            return {}
        return self.session_by_code(compiled, row.session_code, row.locale)

    def session_by_code(
        self, compiled: CompiledWorkflow, code: str, locale: str | None
    ) -> dict[str, Any]:
        """The session's view, {} when there is no such session (looked up once a request)."""
        key = (compiled.content_hash, code, locale or compiled.spec.locale)
        if key not in self._sessions:

            def load() -> dict[str, Any]:
                found = session_with_seats(self.db, compiled, code)
                if found is None:
                    return {}
                return session_view(found[0], self.runtime.zone, key[2], found[1])

            view = dict(self.shared.get(Kind.SESSIONS, key, load))
            if view:
                self._with_closing(view, compiled)
            self._sessions[key] = view
        return self._sessions[key]

    def _with_closing(self, view: dict[str, Any], compiled: CompiledWorkflow) -> None:
        """The moment registration closes and whether it is still open, computed now (time
        moves on without any write, so this is never kept between requests)."""
        record = SimpleNamespace(
            is_open=view["is_open"],
            starts_at=datetime.fromisoformat(view["starts_at"]),
            registration_closes_at=None
            if view["registration_closes_at"] is None
            else datetime.fromisoformat(view["registration_closes_at"]),
        )
        delay = self.closing_delay(compiled)
        closes = registration_closes_at(record, delay)  # type: ignore[arg-type]
        view["registration_closes_at"] = closes.astimezone(self.runtime.zone).isoformat()
        view["is_open"] = takes_registrations(record, self.runtime.now(), delay)  # type: ignore[arg-type]

    def session_view(
        self,
        session: TrainingSession | Row[Any],
        compiled: CompiledWorkflow,
        locale: str | None = None,
    ) -> dict[str, Any]:
        taken = seats_taken(self.db, compiled, session.code)
        view = session_view(session, self.runtime.zone, locale or compiled.spec.locale, taken)
        self._with_closing(view, compiled)
        return view

    def entries(
        self, compiled: CompiledWorkflow, answers: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        catalog = self.catalog(compiled)
        found: dict[str, dict[str, Any]] = {}
        for field_id, field in compiled.reference_fields().items():
            value = answers.get(field_id)
            if isinstance(value, str):
                view = catalog.entry_view(field.list, value)
                new_status = field.not_found.status if field.not_found else None
                view["is_new"] = new_status is not None and view.get("status") == new_status
                found[field_id] = view
            elif isinstance(value, dict) and isinstance(value.get("new"), dict):
                described = dict(value["new"])
                found[field_id] = {
                    **described,
                    "id": None,
                    "label": described.get("label"),
                    "status": field.not_found.status if field.not_found else None,
                    "status_label": None,
                    "is_new": True,
                }
        return found

    def extras(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        answers: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The names besides answers that wizard conditions read. A page asks for them several
        times (the steps it may show, the fields it hides, the page itself): made once for
        the same answers and state, unless a change made `forget_lookups` run."""
        answers = row.answers if answers is None else answers
        # Of the answers, only the reference entries chosen count: a step's new answers that
        # choose the same entries share the extras of the stored ones.
        chosen = _chosen_entries(compiled, answers)
        key = (compiled.content_hash, row.reference, row.state)
        kept = self._extras.get(key)
        if kept is not None and kept[0] == chosen:
            return kept[1]
        made = {
            "session": self.session_of(row, compiled),
            "request": {"reference": row.reference, "state": row.state},
            "settings": compiled.settings_with(self.settings_of(compiled)),
            "entries": self.entries(compiled, answers),
        }
        self._extras[key] = (chosen, made)
        return made

    def links(self, row: RequestRow, compiled: CompiledWorkflow) -> dict[str, str]:
        signer, url = self.runtime.signer, self.runtime.link_url
        return {
            link.id: url(link.id, signer.sign(link.id, row.public_id))
            for link in compiled.spec.links
        }

    def snapshot(
        self, row: RequestRow, compiled: CompiledWorkflow, *, with_links: bool = False
    ) -> RequestSnapshot:
        session = self.session_of(row, compiled)
        submitted = row.submitted_at is not None
        return RequestSnapshot(
            state=row.state,
            answers=dict(row.answers),
            version=row.version,
            reference=row.reference,
            session=session,
            entries=self.entries(compiled, row.answers),
            settings=self.settings_of(compiled),
            links=self.links(row, compiled) if with_links else {},
            locale=row.locale,
            extra={
                "created_at": row.created_at.isoformat() if row.created_at else None,
                "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
            },
            # Drafts have no attendance: their pages are not slowed by a lookup.
            attendance=attendance_of(
                self.db, row.id, session, self.runtime.zone, row.locale or compiled.spec.locale
            )
            if submitted
            else None,
        )

    # -- submission and firing ----------------------------------------------------------------

    def submit_transition(self, compiled: CompiledWorkflow) -> str:
        initial = compiled.spec.process.initial
        for transition in compiled.spec.process.transitions:
            if initial in transition.source and transition.by == "applicant":
                return transition.id
        raise NoSubmitTransition(compiled.spec.id)

    def submit(self, row: RequestRow, compiled: CompiledWorkflow) -> FireResult:
        """Re-validates every visible step from the stored answers, then sends the request:
        the entries the applicant described are saved and the reference is given in a first
        short transaction (kept by the draft, so a refused submission gives no gap in the
        numbering), then the submission is fired as any transition. Commits."""
        catalog = self.catalog(compiled)
        incomplete = compiled.wizard.first_incomplete_step(
            row.answers,
            catalog=catalog,
            today=self.runtime.today(),
            extras=self.extras(row, compiled),
        )
        if incomplete is not None:
            raise Incomplete(incomplete)
        version = row.version
        with writing(self.db):
            self.db.refresh(row)
            if row.version != version or not self.is_draft(row, compiled):
                raise Conflict(row.public_id)
            answers = dict(row.answers)
            for field_id, field in compiled.reference_fields().items():
                value = answers.get(field_id)
                if isinstance(value, dict) and isinstance(value.get("new"), dict):
                    answers[field_id] = catalog.add_described_entry(field, value["new"]).entry_id
            row.answers = answers
            if row.reference is None:
                prefix = row.session_code or compiled.spec.id.upper()
                row.reference = format_reference(
                    prefix, next_number(self.db, f"reference:{prefix}")
                )
        email = row.answers.get(compiled.spec.applicant.email)
        name = email if isinstance(email, str) else None

        def on_write(written: RequestRow) -> None:
            written.applicant_email = name.lower() if name is not None else None
            written.submitted_at = self.runtime.now()
            fill_queue_columns(written, compiled)
            record_consents(self.db, compiled, written, written.submitted_at)
            if written.account_id is not None:
                account = self.db.get(Account, written.account_id)
                if account is not None:
                    remember_identity(compiled, account, dict(written.answers))

        late = self.late_passes.get(row.session_code or "")
        return self.fire(
            row,
            compiled,
            self.submit_transition(compiled),
            Actor.applicant(name),
            late.history_comment(compiled.spec.locale)
            if late is not None and not self.takes_registrations(row, compiled)
            else None,
            expected_version=row.version,
            on_write=on_write,
        )

    def admit(self, late: LatePass) -> None:
        """Lets this visitor register to a closed session (an operator's link)."""
        self.late_passes[late.code] = late
        self.forget_lookups()

    def takes_registrations(self, row: RequestRow, compiled: CompiledWorkflow) -> bool:
        """Whether the request's session takes registrations now, for everyone."""
        if row.session_code is None:
            return True
        record = session_record(self.db, row.workflow_id, row.session_code)
        return record is not None and takes_registrations(
            record, self.runtime.now(), self.closing_delay(compiled)
        )

    def fire(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        transition_id: str,
        actor: Actor,
        comment: str | None = None,
        expected_version: int | None = None,
        *,
        alternatives: bool = False,
        on_write: Callable[[RequestRow], None] | None = None,
    ) -> FireResult:
        """Fires a transition as a use case of its own, and commits.

        The decision and everything slow (conditions, mails, PDF) are taken from a read; the
        writes then run in a short transaction which, under the training session's lock, reads
        the request and its session again and checks that the decision still holds: the same
        version, and the transition's condition still true with the seats counted now. When it
        no longer holds (the last seat went meanwhile), the firing starts again from a fresh
        read. With `alternatives` (a mailed link's button), the transition fired is whichever
        of the button's transitions holds at that moment (see `choose_alternative`).
        Raises FireError (nothing changed) or Conflict (someone else changed the request)."""
        public_id = row.public_id  # a failed flush below expires the row's attributes
        for _ in range(MAX_DECISIONS):
            self.forget_lookups()
            if self.db.in_transaction():
                self.db.commit()  # a fresh read: what other processes committed is seen
            self.db.refresh(row)
            if expected_version is not None and expected_version != row.version:
                raise Conflict(public_id)
            seen = row.version
            snapshot = self.snapshot(row, compiled, with_links=True)
            chosen = (
                self.choose_alternative(snapshot, compiled, transition_id, actor)
                if alternatives
                else transition_id
            )
            result = compiled.process.fire(snapshot, chosen, actor, comment)
            transition = compiled.process.transitions[chosen]
            now = self.runtime.now()
            prepared = prepare_effects(
                self.db,
                compiled=compiled,
                request=row,
                firing=str(seen),
                effects=result.effects,
                snapshot=snapshot,
                mail_context=compiled.template_context(
                    snapshot, transition=transition, comment=result.comment, state=result.target
                ),
                now=now,
                calendar=CalendarPlace(
                    self.db, self.runtime.settings.mail_domain, self.runtime.zone
                ),
                accepts_call=self.runtime.accepts_call,
                invitation=lambda invite: prepare_invitation(self.runtime, invite, row),
            )
            try:
                with writing(self.db):
                    lock_training_session(self.db, compiled.spec.id, row.session_code)
                    self.db.refresh(row)
                    if row.version != seen:
                        raise Conflict(public_id)
                    self.forget_lookups()
                    if not compiled.process.still_allowed(
                        self.snapshot(row, compiled), chosen, actor
                    ):
                        raise _DecisionChanged
                    self._write_firing(row, compiled, result, prepared, now)
                    if on_write is not None:
                        on_write(row)
                    self.db.flush()
            except _DecisionChanged:
                continue
            except (StaleDataError, IntegrityError) as error:
                raise Conflict(public_id) from error
            self.forget_lookups()
            return result
        raise Conflict(public_id)

    def _write_firing(
        self,
        row: RequestRow,
        compiled: CompiledWorkflow,
        result: FireResult,
        prepared: PreparedEffects,
        now: datetime,
    ) -> None:
        transition = compiled.process.transitions[result.transition]
        row.state = result.target
        if result.changed_state:
            row.state_entered_at = now
        row.updated_at = now
        self.db.add(
            HistoryRow(
                request_id=row.id,
                transition=result.transition,
                from_state=result.source,
                to_state=result.target,
                actor_kind=str(result.actor.kind),
                actor_name=result.actor.name or "",
                role=_acting_role(transition.by, result.actor),
                comment=result.comment,
                at=now,
            )
        )
        write_effects(
            self.db,
            prepared,
            compiled=compiled,
            request=row,
            mail_domain=self.runtime.settings.mail_domain,
            now=now,
        )
        for invitation in prepared.invitations:
            write_invitation(self.db, self.runtime, invitation, now)
        for reopening in prepared.reopenings:
            open_correction(
                self.db,
                row,
                reopening,
                comment=result.comment,
                opened_by=result.actor.name or "",
                now=now,
            )

    def choose_alternative(
        self, snapshot: RequestSnapshot, compiled: CompiledWorkflow, pressed: str, actor: Actor
    ) -> str:
        """The transition a pressed button fires now. A page shows one button for the enabled
        transition among those that share its label from the current state (the confirmation
        link's "Confirmer" leads to the session or to its waiting list, by their conditions):
        when the one shown has since been disabled, another of them that holds is fired."""
        options = compiled.process.available(snapshot, actor)
        pressed_spec = compiled.process.transitions.get(pressed)
        if pressed_spec is None:
            return pressed
        same_button = [a for a in options if a.transition.label == pressed_spec.label and a.enabled]
        if any(a.transition.id == pressed for a in same_button) or not same_button:
            return pressed
        return same_button[0].transition.id

    def available(self, row: RequestRow, compiled: CompiledWorkflow, actor: Actor) -> list[Any]:
        return compiled.process.available(self.snapshot(row, compiled), actor)

    def fired_by_link(self, row: RequestRow, link_id: str) -> bool:
        return (
            self.db.execute(
                select(HistoryRow.id).where(
                    HistoryRow.request_id == row.id,
                    HistoryRow.actor_kind == str(ActorKind.LINK),
                    HistoryRow.actor_name == f"link:{link_id}",
                )
            ).first()
            is not None
        )


def _acting_role(by: Any, actor: Actor) -> str | None:
    if isinstance(by, ByRoles):
        return next((role for role in by.roles if role in actor.roles), None)
    return None


def _chosen_entries(compiled: CompiledWorkflow, answers: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the answers say of reference entries, field by field (an entry's id, or the
    description of a new one): all that `entries` reads of them."""
    return tuple(answers.get(field_id) for field_id in compiled.reference_fields())

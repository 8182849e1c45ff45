"""Firing one transition on many requests at once (the backoffice's bulk action, for the
transitions the spec marks `bulk: true`): each request in its own use case, with the version
the operator saw, so one refusal never undoes the others."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..process.actors import Actor
from ..process.firing import FireError
from ..store.models import RequestRow
from .context import Runtime
from .request_detail import find_request
from .requests import Conflict, RequestService


class NotFound(Exception):
    """No request has this reference in the workflow."""


class NotBulk(Exception):
    """The request's own version of the workflow does not allow this transition in bulk."""


@dataclass(frozen=True, slots=True)
class Refusal:
    reference: str
    error: Exception
    row: RequestRow | None


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def fire_many(
    db: Session,
    runtime: Runtime,
    workflow_id: str,
    transition_id: str,
    items: Iterable[tuple[str, int]],
    actor: Actor,
    comment: str | None,
) -> BulkOutcome:
    """`items`: (reference, version seen) pairs."""
    service = RequestService(db, runtime)
    outcome = BulkOutcome()
    for reference, version in items:
        row = find_request(db, workflow_id, reference)
        if row is None:
            outcome.refused.append(Refusal(reference, NotFound(reference), None))
            continue
        compiled = service.compiled_for(row)
        spec = compiled.process.transitions.get(transition_id)
        try:
            if spec is None or not spec.bulk:  # a request pinned to an older version
                raise NotBulk(transition_id)
            service.fire(row, compiled, transition_id, actor, comment, expected_version=version)
            outcome.done.append(reference)
        except (FireError, Conflict, NotBulk) as error:
            outcome.refused.append(Refusal(reference, error, row))
    return outcome

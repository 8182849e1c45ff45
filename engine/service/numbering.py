"""Human-friendly request references (`S1-0042`): one counter per prefix, incremented in the
database so that two processes never hand out the same number."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.models import Counter


def next_number(db: Session, name: str) -> int:
    for _ in range(3):
        value = db.execute(
            update(Counter)
            .where(Counter.name == name)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
        ).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            with db.begin_nested():
                db.add(Counter(name=name, value=1))
            return 1
        except IntegrityError:
            continue  # another transaction created it first: increment theirs
    raise RuntimeError(f"could not allocate a number for {name!r}")


def format_reference(prefix: str, number: int) -> str:
    return f"{prefix}-{number:04d}"

"""Accounts: Argon2id password hashes, logging in, and the answers a known person's new request
starts with."""

from __future__ import annotations

import os
import threading
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import Account

_HASHER = PasswordHasher()  # Argon2id with the library's recommended costs
# Verified when the address is unknown, so that a wrong address costs as long as a wrong
# password and timing does not tell which addresses have accounts. Made on first need (or by
# `warm_up`, which the server runs once started), not at import: hashing takes a good part
# of a second, which every command importing the services would pay.
_DUMMY_HASH: str | None = None
_DUMMY_LOCK = threading.Lock()


def use_hasher(hasher: PasswordHasher) -> None:
    """Replaces the hashing costs (the test suite uses cheap ones to stay fast)."""
    global _HASHER, _DUMMY_HASH
    with _DUMMY_LOCK:
        _HASHER = hasher
        _DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    with _DUMMY_LOCK:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _HASHER.hash("not a real password")
        return _DUMMY_HASH


def warm_up() -> None:
    """Makes the dummy hash now, so that no sign-in pays for it."""
    _dummy_hash()


MIN_PASSWORD_LENGTH = 10

# Argon2 is slow and memory-hungry by design (and the library hashes its lanes on several
# threads): a burst of logins hashing all at once would take every core from the process's
# other requests. They take turns instead, a few at a time; the pages keep answering.
_HASHING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))


def hash_password(password: str) -> str:
    with _HASHING:
        return _HASHER.hash(password)


def find_account(db: Session, email: str) -> Account | None:
    return db.execute(
        select(Account).where(func.lower(Account.email) == email.strip().lower())
    ).scalar_one_or_none()


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. Without a hash (unknown address, no
    password yet) a dummy hash is checked, so the answer takes as long either way."""
    try:
        with _HASHING:
            _HASHER.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def rehashed(stored: str, password: str) -> str | None:
    """A new hash of a verified password when the stored one used older costs."""
    return hash_password(password) if _HASHER.check_needs_rehash(stored) else None


def identity_fields(compiled: CompiledWorkflow) -> list[str]:
    """The answers that identify the applicant: those of the step holding the email field."""
    email_field = compiled.spec.applicant.email
    step = compiled.wizard.field_step.get(email_field)
    if step is None:
        return [email_field]
    return [f.id for f in compiled.wizard.steps[step].fields if f.spec.has_answer]


def prefill(compiled: CompiledWorkflow, account: Account) -> dict[str, Any]:
    """Answers a logged-in applicant's new request starts with: their last identity, then the
    account's own name and address (which win)."""
    wanted = set(identity_fields(compiled))
    answers = {k: v for k, v in (account.profile or {}).items() if k in wanted}
    applicant = compiled.spec.applicant
    answers[applicant.email] = account.email
    if applicant.first_name and account.first_name:
        answers[applicant.first_name] = account.first_name
    if applicant.last_name and account.last_name:
        answers[applicant.last_name] = account.last_name
    return answers


def remember_identity(
    compiled: CompiledWorkflow, account: Account, answers: dict[str, Any]
) -> None:
    account.profile = {k: answers[k] for k in identity_fields(compiled) if k in answers}

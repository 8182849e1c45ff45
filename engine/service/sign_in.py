"""Logging in, and setting a password from a mailed link: the use cases that check or make an
Argon2 hash. Hashing takes a noticeable time by design, so it never runs inside a transaction:
the attempt is counted first (throttle), the account read, the transaction ended, the password
checked, and only then a short write records the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from ..store.models import Account
from .accounts import MIN_PASSWORD_LENGTH, find_account, hash_password, rehashed, verify_password
from .logins import set_password_hash
from .throttle import clear_attempts, reserve_attempt
from .transaction import writing


class LoginProblem(StrEnum):
    THROTTLED = "throttled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    account: Account | None
    problem: LoginProblem | None = None


def log_in(
    db: Session, *, key: str, email: str, password: str, now: datetime, staff: bool
) -> LoginOutcome:
    """The account `email` and `password` open (for `staff`, only one holding a role), or
    why not. `key` names the throttle's counter (the address, per kind of login)."""
    if not reserve_attempt(db, key, now):
        return LoginOutcome(None, LoginProblem.THROTTLED)
    account = find_account(db, email) if email else None
    usable = account is not None and account.active and (account.roles or not staff)
    stored = account.password_hash if usable and account is not None else None
    db.commit()  # ends the read: no transaction stays open while the hash is checked
    verified = verify_password(stored, password)  # checked even for an unknown address
    if account is None or stored is None or not verified:
        return LoginOutcome(None, LoginProblem.FAILED)
    new_hash = rehashed(stored, password)
    with writing(db):
        clear_attempts(db, key)
        db.refresh(account)
        if new_hash is not None:
            account.password_hash = new_hash
        account.last_login_at = now
    return LoginOutcome(account)


class PasswordProblem(StrEnum):
    TOO_SHORT = "too_short"
    MISMATCH = "mismatch"
    ALREADY_SET = "already_set"


def set_password_from_link(
    db: Session,
    account: Account,
    *,
    password: str,
    confirm: str,
    link_made_at: datetime,
    now: datetime,
) -> PasswordProblem | None:
    """Sets the password a one-time link allows: refused when the password was changed since
    the link was made (the link was used already)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return PasswordProblem.TOO_SHORT
    if password != confirm:
        return PasswordProblem.MISMATCH
    if db.in_transaction():
        db.commit()  # nothing is held while hashing
    new_hash = hash_password(password)
    with writing(db):
        db.refresh(account)
        changed = account.password_changed_at
        if changed is not None and changed >= link_made_at:
            return PasswordProblem.ALREADY_SET
        set_password_hash(account, new_hash, now)  # logins begun before it end
    return None

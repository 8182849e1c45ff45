"""Backoffice users as admins manage them: adding one (with a password drawn and shown once)
and changing the roles one holds in a workflow. Hashing runs before the write transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy.orm import Session

from ..store.models import Account
from .accounts import find_account, hash_password
from .transaction import writing


def add_staff(
    db: Session, email: str, first_name: str, last_name: str, roles: Iterable[str]
) -> str | None:
    """Gives `roles` to the account of `email`, creating it if needed; returns the new
    account's password (None when the account existed: its password is unchanged)."""
    account = find_account(db, email)
    password = secrets.token_urlsafe(12) if account is None else None
    password_hash = hash_password(password) if password is not None else None
    with writing(db):
        if account is None:
            account = Account(email=email, profile={}, roles=[], active=True)
            account.password_hash = password_hash
            db.add(account)
        account.first_name = first_name or account.first_name
        account.last_name = last_name or account.last_name
        account.roles = sorted(set(account.roles or []) | set(roles))
        account.active = True
    return password


def set_roles(db: Session, account: Account, roles: Iterable[str]) -> None:
    with writing(db):
        account.roles = sorted(set(roles))

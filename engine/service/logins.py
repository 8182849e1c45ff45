"""The end of logins. A browser's login is valid while the account's login version is the one it
began under; these use cases move the version on, which ends every login of the account at once
(in every browser and every web process, since the version lives in the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..store.models import Account
from .transaction import writing


def set_password_hash(account: Account, password_hash: str, now: datetime) -> None:
    """A new password for the account; logins begun with the old one end. For callers that
    commit with other changes (the command line, demo data); others use `change_password`."""
    account.password_hash = password_hash
    account.password_changed_at = now
    account.login_version = (account.login_version or 0) + 1


def change_password(db: Session, account: Account, password_hash: str, now: datetime) -> None:
    with writing(db):
        set_password_hash(account, password_hash, now)


def deactivate(db: Session, account: Account) -> None:
    """The account may no longer log in, and its current logins end now; were it reactivated
    later, those logins would stay ended."""
    with writing(db):
        account.active = False
        account.login_version = (account.login_version or 0) + 1


def log_out(db: Session, account_id: int, version: int) -> bool:
    """Ends every login of the account, if `version` is still its current one: a login that
    has already ended cannot end the newer ones. True when it did."""
    with writing(db):
        result = db.execute(
            update(Account)
            .where(Account.id == account_id, Account.login_version == version)
            .values(login_version=Account.login_version + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

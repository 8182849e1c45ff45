"""Who this browser is logged in as, for the wizard and the backoffice alike.

The signed cookie holds the account, the account's login version when the login began and the
time of the last request. A cookie alone proves nothing lasting: the login ends as soon as the
account's version has moved on (logging out, a new password, deactivation: see
engine.service.logins), the account is inactive, or the browser stayed idle longer than the
`session_idle_minutes` setting. Each check costs no query beyond reading the account."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request
from sqlalchemy.orm import Session

from engine.service import logins
from engine.service.context import Runtime
from engine.store.models import Account

_KEY = "login"


class Audience(StrEnum):
    """Where the login was made: a backoffice login does not open the wizard as an applicant,
    nor the other way round."""

    STAFF = "staff"
    APPLICANT = "applicant"


@dataclass(frozen=True, slots=True)
class _Login:
    audience: Audience
    account_id: int
    version: int
    seen: int


def _read(request: Request) -> _Login | None:
    raw = request.session.get(_KEY)
    if not isinstance(raw, dict):
        return None
    values = raw.get("account"), raw.get("version"), raw.get("seen")
    if not all(type(v) is int for v in values) or raw.get("as") not in set(Audience):
        return None
    account_id, version, seen = values
    return _Login(Audience(raw["as"]), account_id, version, seen)


def _now(request: Request) -> int:
    runtime: Runtime = request.app.state.runtime
    return int(runtime.now().timestamp())


def begin_login(request: Request, account: Account, audience: Audience) -> None:
    request.session.clear()  # a new browser session at login: no fixation
    request.session[_KEY] = {
        "as": audience.value,
        "account": account.id,
        "version": account.login_version or 0,
        "seen": _now(request),
    }


def logged_in(request: Request, db: Session, audience: Audience) -> Account | None:
    """The account this browser is logged in as for `audience`, or None; a login that has
    ended is forgotten, and a live one is marked as seen now."""
    login = _read(request)
    if login is None or login.audience is not audience:
        return None
    runtime: Runtime = request.app.state.runtime
    now = _now(request)
    account = None
    if now - login.seen <= runtime.settings.session_idle_minutes * 60:
        account = db.get(Account, login.account_id)
    if account is None or not account.active or account.login_version != login.version:
        request.session.pop(_KEY, None)
        return None
    request.session[_KEY] = {**request.session[_KEY], "seen": now}
    return account


def end_login(request: Request, db: Session) -> None:
    """Ends this login and every other one of the account (copies of the cookie included)."""
    login = _read(request)
    if login is not None:
        logins.log_out(db, login.account_id, login.version)
    request.session.clear()

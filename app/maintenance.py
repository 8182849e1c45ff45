"""The operator's commands: `db upgrade`, `demo`, `settings`, `user create`, `api-token`. Each
prepares the product first (settings, workflows, database) and reports problems in a sentence."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.service.accounts import find_account, hash_password
from engine.service.api_tokens import TokenProblem, create_token, list_tokens, revoke_token
from engine.service.logins import set_password_hash
from engine.service.retention import apply_retention
from engine.service.seed import SeedError, load_seed, read_seed
from engine.service.settings_store import SettingError, effective, set_value
from engine.store.db import make_session_factory
from engine.store.migrate import current_revision
from engine.store.models import Account
from engine.wizard.values import normalise_email

from .factory import make_runtime
from .prepare import Prepared, prepare


def upgrade_database() -> int:
    prepared = prepare()
    if prepared is None:
        return 1
    print(f"database at revision {current_revision(prepared.engine)}")
    return 0


def load_demo(paths: list[Path]) -> int:
    prepared = prepare()
    if prepared is None:
        return 1
    settings = prepared.settings
    paths = paths or sorted((settings.project_dir / "demo").glob("*.yaml"))
    try:
        with _write_session(prepared) as db:
            for path in paths:
                credentials = load_seed(db, prepared.registry, read_seed(path), settings.zone)
                print(f"loaded {path}")
                for c in credentials:
                    print(f"  login {c.email}  password {c.password}  roles {', '.join(c.roles)}")
            db.commit()
    except SeedError as error:
        print(f"demo data not loaded: {error}", file=sys.stderr)
        return 1
    return 0


def change_setting(workflow_id: str, key: str | None, value: str | None) -> int:
    """`onboarding settings WORKFLOW [KEY [VALUE]]`: show or change a workflow's settings."""
    prepared = prepare()
    if prepared is None:
        return 1
    compiled = prepared.registry.get(workflow_id)
    if compiled is None:
        known = ", ".join(prepared.registry.current)
        print(f"unknown workflow '{workflow_id}' (known: {known})", file=sys.stderr)
        return 2
    changing = key is not None and value is not None
    with make_session_factory(prepared.engine, writes=changing)() as db:
        if key is not None and value is not None:
            try:
                set_value(db, compiled, key, value, author="onboarding settings")
            except SettingError as error:
                print(str(error), file=sys.stderr)
                return 2
            db.commit()
        for name, current in effective(db, compiled).items():
            if key is None or name == key:
                print(f"{name} = {current}")
    return 0


def create_user(email: str, roles: list[str], password: str | None) -> int:
    """`onboarding user create EMAIL --role R [--password P]`: a backoffice user; without a
    password, one is drawn and printed once."""
    prepared = prepare()
    if prepared is None:
        return 1
    address = normalise_email(email)
    if address is None:
        print(f"not an email address: {email!r}", file=sys.stderr)
        return 2
    declared = {r.id for c in prepared.registry.current.values() for r in c.spec.roles}
    unknown = sorted(set(roles) - declared)
    if unknown or not roles:
        print(
            f"unknown role(s) {', '.join(unknown) or '(none given)'}; "
            f"declared: {', '.join(sorted(declared))}",
            file=sys.stderr,
        )
        return 2
    chosen = password or secrets.token_urlsafe(12)
    if len(chosen) < 10:
        print("the password must have at least 10 characters", file=sys.stderr)
        return 2
    hashed = hash_password(chosen)  # a third of a second: before the write transaction
    with _write_session(prepared) as db:
        account = find_account(db, address)
        if account is None:
            account = Account(email=address, profile={})
            db.add(account)
        account.roles = sorted(set(roles))
        account.active = True
        set_password_hash(account, hashed, datetime.now(UTC))
        db.commit()
    print(f"user {address}  roles {', '.join(sorted(set(roles)))}")
    if password is None:
        print(f"password {chosen}")
    return 0


def _write_session(prepared: Prepared) -> Session:
    """A session whose transactions write from their start, as the serving processes' writes
    do: on SQLite, a command that read first and then wrote would be refused ("database is
    locked") whenever a serving process had committed meanwhile."""
    return make_session_factory(prepared.engine, writes=True)()


def _declared_roles(prepared: object) -> set[str]:
    registry = prepared.registry  # type: ignore[attr-defined]
    return {r.id for c in registry.current.values() for r in c.spec.roles}


def create_api_token(name: str, role: str) -> int:
    """`onboarding api-token create NAME --role ROLE`: prints the token, once."""
    prepared = prepare()
    if prepared is None:
        return 1
    with make_session_factory(prepared.engine)() as db:
        try:
            created = create_token(
                db, name, role, _declared_roles(prepared), created_by="ligne de commande"
            )
        except TokenProblem as error:
            print(str(error), file=sys.stderr)
            return 2
        print(f"token {created.row.id}  {created.row.name}  role {created.row.role}")
        print(f"secret {created.token}")
        print("keep it now: it is not shown again", file=sys.stderr)
    return 0


def _moment(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def list_api_tokens() -> int:
    """`onboarding api-token list`: id, prefix, role, name, dates."""
    prepared = prepare()
    if prepared is None:
        return 1
    with make_session_factory(prepared.engine)() as db:
        tokens = list_tokens(db)
        if not tokens:
            print("no API token")
        for t in tokens:
            state = f"revoked {_moment(t.revoked_at)}" if t.revoked_at else "active"
            print(
                f"{t.id}  {t.prefix}…  role {t.role}  {t.name!r}  created {_moment(t.created_at)}"
                f" by {t.created_by or '-'}  last used {_moment(t.last_used_at)}  {state}"
            )
    return 0


def revoke_api_token(token_id: int) -> int:
    """`onboarding api-token revoke ID`."""
    prepared = prepare()
    if prepared is None:
        return 1
    with make_session_factory(prepared.engine)() as db:
        if not revoke_token(db, token_id, datetime.now(UTC)):
            print(f"no API token {token_id}", file=sys.stderr)
            return 2
    print(f"token {token_id} revoked")
    return 0


def purge(dry_run: bool) -> int:
    """`onboarding purge`: the retention rules of every workflow, now (the worker applies them
    on its own every hour); `--dry-run` says what would be mailed and erased, and does nothing."""
    prepared = prepare()
    if prepared is None:
        return 1
    runtime = make_runtime(prepared.settings, prepared.registry)
    report = apply_retention(
        runtime, make_session_factory(prepared.engine), runtime.now, dry_run=dry_run
    )
    verb = ("would mail", "would erase") if dry_run else ("mailed", "erased")
    for item in report.notices:
        day = item.erase_on.astimezone(prepared.settings.zone).strftime("%d/%m/%Y")
        print(
            f"{verb[0]} notice  {item.workflow_id} {item.reference or item.request_id} "
            f"({item.state}, rule {item.rule}): erasure on {day}"
        )
    for item in report.erasures:
        print(
            f"{verb[1]}  {item.workflow_id} {item.reference or f'draft {item.request_id}'} "
            f"({item.state}, rule {item.rule})"
        )
    print(
        f"{len(report.notices)} notice(s), {len(report.erasures)} erasure(s)"
        + (" (dry run: nothing changed)" if dry_run else "")
    )
    return 0

"""The JSON API's tokens: created by an admin (backoffice or command line) for one role, shown in
clear once, kept as a hash, revoked at any time; `authenticate` finds the token a request
presents and notes when it was used.

A token is `onb_` followed by 43 characters drawn by `secrets` (256 random bits). Only its
SHA-256 is stored. Argon2, which the passwords get, would add nothing here and cost a third of
a second per API call: a slow hash protects guessable secrets from being found by trying
candidates against a stolen hash, and nobody can try 2^256 candidates however fast the hash.
The comparison is the database's lookup of that hash, so no timing tells anything of the token
itself; the prefix kept in clear (the first characters) lets people recognise their token in a
list and is too short to help guessing the rest."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..store.models import ApiToken
from ..translations import Message
from .staff import level_of, level_rank, sees_personal_data
from .transaction import writing

TOKEN_PREFIX = "onb_"
SHOWN_CHARACTERS = 12  # "onb_" and the first 8 characters drawn
MAX_TOKEN_LENGTH = 100  # a presented token longer than this is no token of ours
MAX_NAME = 200
# The API notes a token's use at most this often: a read is not a write each time.
USE_RECORDED_EVERY = timedelta(minutes=1)


class TokenProblem(Exception):
    """A token cannot be created or revoked as asked; the message says why, for people."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewToken:
    row: ApiToken
    token: str  # in clear: shown once, never stored


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who calls the API: a token acting with its role. Its level in a workflow and what it may
    read follow the same rules as a backoffice user holding that role."""

    token_id: int
    name: str
    role: str

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({self.role})

    def roles_in(self, compiled: CompiledWorkflow) -> frozenset[str]:
        return frozenset(r.id for r in compiled.spec.roles if r.id == self.role)

    def level_in(self, compiled: CompiledWorkflow) -> str:
        return level_of(compiled, self.roles)

    def may(self, compiled: CompiledWorkflow, level: str) -> bool:
        return level_rank(self.level_in(compiled)) >= level_rank(level)

    def sees_personal_data(self, compiled: CompiledWorkflow) -> bool:
        return sees_personal_data(self.level_in(compiled))

    @property
    def actor_name(self) -> str:
        """How the token's firings are signed in a request's history."""
        return f"{self.name} (API)"


def create_token(
    db: Session, name: str, role: str, declared_roles: set[str], created_by: str
) -> NewToken:
    """A new token for `role` (one of `declared_roles`); its clear text is in the result only."""
    name = " ".join(name.split())
    if not name:
        raise TokenProblem(Message("Give the token a name."))
    if len(name) > MAX_NAME:
        raise TokenProblem(Message("The token's name exceeds {n} characters.", n=MAX_NAME))
    if role not in declared_roles:
        known = ", ".join(sorted(declared_roles))
        raise TokenProblem(
            Message("Unknown role: “{role}” (roles declared: {known}).", role=role, known=known)
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(db):
        row = ApiToken(
            name=name,
            prefix=token[:SHOWN_CHARACTERS],
            token_hash=token_hash(token),
            role=role,
            created_by=created_by[:320],
        )
        db.add(row)
    return NewToken(row, token)


def list_tokens(db: Session, roles: set[str] | None = None) -> list[ApiToken]:
    """Every token, newest first; only those of `roles` when given."""
    statement = select(ApiToken).order_by(ApiToken.id.desc())
    if roles is not None:
        statement = statement.where(ApiToken.role.in_(sorted(roles)))
    return list(db.execute(statement).scalars())


def revoke_token(db: Session, token_id: int, now: datetime, roles: set[str] | None = None) -> bool:
    """Revokes a token (of `roles` when given); False when there is no such token. Revoking a
    revoked token keeps its first revocation's date."""
    with writing(db):
        row = db.get(ApiToken, token_id)
        if row is None or (roles is not None and row.role not in roles):
            return False
        if row.revoked_at is None:
            row.revoked_at = now
    return True


def authenticate(db: Session, presented: str, now: datetime) -> ApiCaller | None:
    """The caller a presented token stands for, or None (unknown, malformed or revoked). Its
    last use is written when the one recorded is older than USE_RECORDED_EVERY, by a
    conditional update: several processes serving the same token at once write it once."""
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > MAX_TOKEN_LENGTH:
        return None
    found = db.execute(
        select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.last_used_at).where(
            ApiToken.token_hash == token_hash(presented), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if found is None:
        return None
    threshold = now - USE_RECORDED_EVERY
    if found.last_used_at is None or found.last_used_at < threshold:
        with writing(db):
            db.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == found.id,
                    or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < threshold),
                )
                .values(last_used_at=now)
            )
    return ApiCaller(found.id, found.name, found.role)

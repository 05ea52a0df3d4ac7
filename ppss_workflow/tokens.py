"""API tokens: created with a role, shown once, kept only as their SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ppss_workflow.access import Principal, parse_role
from ppss_workflow.db import WRITE, api_tokens
from ppss_workflow.errors import (
    TOKEN_EXISTS,
    TOKEN_NAME_LENGTH_PLAIN,
    TOKEN_UNKNOWN,
    InvalidCommand,
    NotFound,
)
from ppss_workflow.store import EventStore, Statement

__all__ = ["TokenInfo", "create_token", "digest", "list_tokens", "lookup_token", "revoke_token"]

PREFIX = "ppss_"
_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is kept about a token (never the token itself)."""

    name: str
    role: str
    district: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def role_text(self) -> str:
        return f"{self.role}:{self.district}" if self.district else self.role


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _NAME_MAX or not name.isprintable():
        raise InvalidCommand(
            f"token name {name!r}: give 1 to {_NAME_MAX} printable characters",
            reason=TOKEN_NAME_LENGTH_PLAIN(typed=name, most=_NAME_MAX),
        )
    return name


def create_token(store: EventStore, name: str, role_text: str, now: datetime | None = None) -> str:
    """A new token for ``role_text`` (``coordinator``, ``district:Farsta``...); returned once."""
    name = _name(name)
    role, district = parse_role(role_text)
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with store.engine.execution_options(**WRITE).begin() as conn:
            conn.execute(
                insert(api_tokens).values(
                    name=name,
                    token_sha256=digest(token),
                    role=role,
                    district=district,
                    created_at=now or datetime.now(UTC),
                    revoked_at=None,
                )
            )
    except IntegrityError:
        raise InvalidCommand(
            f"a token named {name!r} exists already (revoked ones too): choose another name",
            reason=TOKEN_EXISTS(name=name),
        ) from None
    return token


def revoke_token(store: EventStore, name: str, now: datetime | None = None) -> bool:
    """Revoke the token; False if it was revoked already. Unknown name: NotFound."""
    with store.engine.execution_options(**WRITE).begin() as conn:
        row = conn.execute(select(api_tokens.c.revoked_at).where(api_tokens.c.name == name)).first()
        if row is None:
            raise NotFound(
                f"no token named {name!r}; `ppss token list` shows them",
                reason=TOKEN_UNKNOWN(name=name),
            )
        if row.revoked_at is not None:
            return False
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name)
            .values(revoked_at=now or datetime.now(UTC))
        )
    return True


def list_tokens(store: EventStore) -> list[TokenInfo]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                api_tokens.c.name,
                api_tokens.c.role,
                api_tokens.c.district,
                api_tokens.c.created_at,
                api_tokens.c.revoked_at,
            ).order_by(api_tokens.c.name)
        ).all()
    return [TokenInfo(r.name, r.role, r.district, r.created_at, r.revoked_at) for r in rows]


def lookup_token(store: EventStore, token: str) -> Principal | None:
    """The holder of a live token, or None (unknown, malformed or revoked)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    # On the store's own connections: one round trip (this is every API request's first read).
    rows = store.fetch(Statement(_LOOKUP, (digest(token),)))
    if not rows:
        return None
    name, role, district = rows[0]
    return Principal(f"token {name}", f"token:{name}", role, district)


_LOOKUP = (
    "SELECT name, role, district FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL"
)

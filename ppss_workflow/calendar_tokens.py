"""Per-district calendar URLs: ``/calendar/TOKEN.ics`` serves one district's deadlines to a
calendar client that cannot sign in. The token is shown once; only its SHA-256 is kept; a
revoked token's URL answers 404 (as an unknown one does)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from policies.state import slug
from ppss_workflow.db import calendar_tokens
from ppss_workflow.errors import (
    CAL_DISTRICT_NAME,
    CAL_TOKEN_EXISTS,
    CAL_TOKEN_UNKNOWN,
    TOKEN_NAME_LENGTH,
    InvalidCommand,
    NotFound,
)
from ppss_workflow.store import EventStore
from ppss_workflow.tokens import digest

__all__ = [
    "CalendarToken",
    "calendar_path",
    "create_calendar_token",
    "list_calendar_tokens",
    "lookup_calendar_token",
    "revoke_calendar_token",
]

PREFIX = "cal_"
_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class CalendarToken:
    """What is kept about a calendar token (never the token itself)."""

    name: str
    district: str
    created_at: datetime
    revoked_at: datetime | None


def calendar_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def create_calendar_token(
    store: EventStore, district: str, name: str | None = None, now: datetime | None = None
) -> tuple[str, str]:
    """A new calendar token for ``district``: (its name, the token, returned only now)."""
    district = district.strip()
    if not district or len(district) > 200 or not district.isprintable():
        raise InvalidCommand(
            f"--district {district!r}: give the district's name, e.g. Farsta",
            reason=CAL_DISTRICT_NAME(typed=district),
        )
    when = now or datetime.now(UTC)
    name = (name or f"calendar-{slug(district)}-{when:%Y%m%d%H%M%S}").strip()
    if not name or len(name) > _NAME_MAX or not name.isprintable():
        raise InvalidCommand(
            f"--name {name!r}: give 1 to {_NAME_MAX} printable characters",
            reason=TOKEN_NAME_LENGTH(option="--name", typed=name, most=_NAME_MAX),
        )
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with store.engine.begin() as conn:
            conn.execute(
                insert(calendar_tokens).values(
                    name=name,
                    token_sha256=digest(token),
                    district=district,
                    created_at=when,
                    revoked_at=None,
                )
            )
    except IntegrityError:
        raise InvalidCommand(
            f"a calendar token named {name!r} exists already: choose another --name",
            reason=CAL_TOKEN_EXISTS(name=name),
        ) from None
    return name, token


def revoke_calendar_token(store: EventStore, name: str, now: datetime | None = None) -> bool:
    """Revoke it: its URL answers 404 from now on. False if it was revoked already."""
    with store.engine.begin() as conn:
        row = conn.execute(
            select(calendar_tokens.c.revoked_at).where(calendar_tokens.c.name == name)
        ).first()
        if row is None:
            raise NotFound(
                f"no calendar token named {name!r}; `ppss calendar token list`",
                reason=CAL_TOKEN_UNKNOWN(name=name),
            )
        if row.revoked_at is not None:
            return False
        conn.execute(
            update(calendar_tokens)
            .where(calendar_tokens.c.name == name)
            .values(revoked_at=now or datetime.now(UTC))
        )
    return True


def list_calendar_tokens(store: EventStore) -> list[CalendarToken]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                calendar_tokens.c.name,
                calendar_tokens.c.district,
                calendar_tokens.c.created_at,
                calendar_tokens.c.revoked_at,
            ).order_by(calendar_tokens.c.name)
        ).all()
    return [CalendarToken(r.name, r.district, r.created_at, r.revoked_at) for r in rows]


def lookup_calendar_token(store: EventStore, token: str) -> str | None:
    """The district of a live calendar token, or None (unknown, malformed or revoked)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(
            select(calendar_tokens.c.district).where(
                calendar_tokens.c.token_sha256 == digest(token),
                calendar_tokens.c.revoked_at.is_(None),
            )
        ).first()
    return None if row is None else str(row.district)

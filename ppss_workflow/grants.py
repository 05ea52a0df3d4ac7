"""Role grants kept in the store (``ppss users grant|revoke|list``), as events in the
``access`` stream; the rules are :mod:`policies.grants`.

How they meet OIDC sign-in (``ppss_workflow.web.oidc``): a grant in the store for the
address a person signs in with decides their role, before (instead of) the settings' claim
mapping; a person with no grant gets the mapped role as before. A session that came from a
grant is checked against the store on every request: a revoked or changed grant signs the
person out at their next request (they may sign in again and get the mapped role, if any).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from pydantic import ValidationError

from events import ACCESS_STREAM, NewEvent, RoleGranted, RoleRevoked
from events.base import describe_validation_error
from policies.decisions import Refusal, bad_fields
from policies.grants import Grant, decide_grant, decide_revoke, fold_grants
from ppss_workflow.access import parse_role
from ppss_workflow.errors import (
    CLI_BAD_FIELD_INPUT,
    GRANT_NOT_EMAIL,
    GRANT_TIED_TO,
    ConcurrencyError,
    InvalidCommand,
)
from ppss_workflow.handlers import Actor, refused
from ppss_workflow.logs import get_logger
from ppss_workflow.store import EventStore

__all__ = ["current_grants", "grant_for", "grant_role", "revoke_role"]

_log = get_logger(__name__)
_ATTEMPTS = 4


def current_grants(store: EventStore) -> dict[str, Grant]:
    """E-mail -> current grant, folded from the ``access`` stream."""
    return fold_grants(store.read_stream(ACCESS_STREAM))


def grant_for(store: EventStore, email: str) -> Grant | None:
    """The person's current grant (by sign-in e-mail, any case), or None."""
    return current_grants(store).get(email.strip().lower())


def _event(
    kind: type[RoleGranted] | type[RoleRevoked], **fields: object
) -> RoleGranted | RoleRevoked:
    try:
        return kind(**fields)  # type: ignore[arg-type]
    except ValidationError as exc:
        if any(error.get("loc") == ("email",) for error in exc.errors()):
            raise InvalidCommand(
                f"{fields.get('email')!r} is not an e-mail address: give the address the "
                "person signs in with, e.g. name@example.org",
                reason=GRANT_NOT_EMAIL(typed=str(fields.get("email"))),
            ) from None
        raise InvalidCommand(
            describe_validation_error(exc),
            reason=CLI_BAD_FIELD_INPUT(problem=bad_fields([dict(e) for e in exc.errors()])),
        ) from None


def grant_role(
    store: EventStore,
    actor: Actor,
    email: str,
    role_text: str,
    reason: str | None = None,
    now: datetime | None = None,
    tied_to: str | None = None,
) -> bool:
    """Record that ``email`` acts as ``role_text``; False when it holds that role already.

    ``tied_to``: the district a steering-group member is tied to (e.g. its district
    director): they stand aside from that district's matters (:mod:`policies.recusal`)."""
    role, district = parse_role(role_text)
    tied = tied_to.strip() if tied_to is not None else None
    if tied is not None and (role != "steering_group" or not tied):
        raise InvalidCommand(
            f"--tied-to {tied_to!r}: only a steering-group member is tied to a district, "
            "e.g. --role steering_group --tied-to Farsta",
            reason=GRANT_TIED_TO(typed=tied, example="--role steering_group --tied-to Farsta"),
        )
    event = _event(
        RoleGranted, email=email, role=role, district=district, reason=reason, tied_to=tied
    )
    assert isinstance(event, RoleGranted)
    return _record(store, actor, event, now)


def revoke_role(
    store: EventStore, actor: Actor, email: str, reason: str | None = None,
    now: datetime | None = None,
) -> bool:  # fmt: skip
    """Record that ``email`` no longer holds its granted role (NotFound when it holds none)."""
    event = _event(RoleRevoked, email=email, reason=reason)
    assert isinstance(event, RoleRevoked)
    return _record(store, actor, event, now)


def _record(
    store: EventStore, actor: Actor, event: RoleGranted | RoleRevoked, now: datetime | None
) -> bool:
    for attempt in range(1, _ATTEMPTS + 1):
        history = store.read_stream(ACCESS_STREAM)
        grants = fold_grants(history)
        try:
            decided = (
                decide_grant(grants, actor.role, event)
                if isinstance(event, RoleGranted)
                else decide_revoke(grants, actor.role, event)
            )
        except Refusal as refusal:
            raise refused(refusal) from None
        if decided is None:
            return False
        try:
            store.append(
                ACCESS_STREAM,
                [NewEvent(decided, now or datetime.now(UTC), actor.metadata(uuid4()))],
                len(history),
            )
        except ConcurrencyError:
            if attempt == _ATTEMPTS:
                raise
            continue
        _log.info(
            "role_" + ("granted" if isinstance(event, RoleGranted) else "revoked"),
            email=event.email,
            role=getattr(event, "role", None),
            by=actor.name,
        )
        return True
    raise AssertionError("unreachable")  # pragma: no cover

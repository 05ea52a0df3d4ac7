"""Role grants: the fold of the ``access`` stream, and the decisions to grant or revoke.

Pure: who holds which role is a function of the stream's events; whether a grant or a
revocation may be recorded is a function of that and the request. Only the coordinator
grants and revokes (an auditor changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from events import RoleGranted, RoleRevoked
from policies.decisions import Refusal
from policies.reason import Named, ReasonCode

__all__ = ["Grant", "decide_grant", "decide_revoke", "fold_grants", "may_manage"]

#: The only role that grants and revokes roles.
MANAGER = "coordinator"

MAY_NOT_MANAGE = ReasonCode("role.may_not_manage", "role", "manager")
NO_GRANT = ReasonCode("role.no_grant", "email")


@dataclass(frozen=True, slots=True)
class Grant:
    """A person's current granted role, and the position of the grant that gave it."""

    email: str
    role: str
    district: str | None
    position: int
    #: The district a steering-group member is tied to (stands aside from its matters).
    tied_to: str | None = None

    @property
    def role_text(self) -> str:
        return f"{self.role}:{self.district}" if self.district else self.role


def fold_grants(history: Iterable[Any]) -> dict[str, Grant]:
    """E-mail (lower case) -> current grant, from the ``access`` stream in order.

    A later grant to the same address replaces the earlier one; a revocation removes it.
    """
    grants: dict[str, Grant] = {}
    for recorded in history:
        event = recorded.event
        if isinstance(event, RoleGranted):
            grants[event.email] = Grant(
                event.email, event.role, event.district, recorded.position, event.tied_to
            )
        elif isinstance(event, RoleRevoked):
            grants.pop(event.email, None)
    return grants


def may_manage(role: str) -> None:
    """Refuse anyone but the coordinator."""
    if role != MANAGER:
        raise Refusal(
            command="users",
            project="access",
            state=f"acting as {role}",
            rule="roles",
            kind="not_authorised",
            reason=MAY_NOT_MANAGE(role=Named("role", role), manager=Named("role", MANAGER)),
        )


def decide_grant(
    grants: dict[str, Grant], acting_role: str, event: RoleGranted
) -> RoleGranted | None:
    """The grant to record, or None when the person holds exactly that role already."""
    may_manage(acting_role)
    held = grants.get(event.email)
    if held is not None and (held.role, held.district, held.tied_to) == (
        event.role,
        event.district,
        event.tied_to,
    ):
        return None
    return event


def decide_revoke(grants: dict[str, Grant], acting_role: str, event: RoleRevoked) -> RoleRevoked:
    """The revocation to record; refused when the person holds no granted role."""
    may_manage(acting_role)
    if event.email not in grants:
        raise Refusal(
            command="users revoke",
            project="access",
            state="no grant",
            rule="revoke a grant that exists",
            kind="not_found",
            reason=NO_GRANT(email=event.email),
        )
    return event

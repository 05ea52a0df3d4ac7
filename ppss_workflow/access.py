"""Who is acting (a signed-in person or an API token) and what each role may see and do.

The rules of the web and the API, in one place:

- every role but the scheduler reads rounds and projects; a district sees its own project
  only (another district's project is "not found", so its existence is not disclosed);
- the coordinator, the steering group and a district may ask for changes, and the command's
  own roles (``policies.commands``) decide which; an auditor changes nothing; the scheduler
  only sends reminders (it has no page and no API route yet);
- ``system`` is never given to a person or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from events import Role
from policies.state import slug
from ppss_workflow.errors import (
    ROLE_NEEDS_DISTRICT,
    ROLE_NO_DISTRICT,
    ROLE_NOT_KNOWN,
    InvalidCommand,
)
from ppss_workflow.handlers import Actor

__all__ = ["ASSIGNABLE_ROLES", "Principal", "parse_role"]

#: Roles a person or token may be given ("district" needs a name: ``district:Farsta``).
ASSIGNABLE_ROLES: tuple[str, ...] = (
    "coordinator",
    "steering_group",
    "district",
    "auditor",
    "scheduler",
)
#: Roles that may ask for a change at all (the command's roles then decide).
WRITING_ROLES = frozenset({"coordinator", "steering_group", "district"})
READING_ROLES = frozenset({"coordinator", "steering_group", "district", "auditor"})


def parse_role(text: str) -> tuple[str, str | None]:
    """``coordinator`` -> ("coordinator", None); ``district:Farsta`` -> ("district", "Farsta")."""
    role, _, district = text.strip().partition(":")
    role, district = role.strip(), district.strip()
    if role not in ASSIGNABLE_ROLES:
        allowed = (
            f"{', '.join(ASSIGNABLE_ROLES[:2])}, district:NAME, {', '.join(ASSIGNABLE_ROLES[3:])}"
        )
        raise InvalidCommand(
            f"role {text!r}: use one of {allowed}",
            reason=ROLE_NOT_KNOWN(typed=text, allowed=allowed),
        )
    if role == "district" and not district:
        raise InvalidCommand(
            f"role {text!r}: say which district, e.g. district:Farsta",
            reason=ROLE_NEEDS_DISTRICT(typed=text),
        )
    if role != "district" and district:
        raise InvalidCommand(
            f"role {text!r}: only the district role names a district",
            reason=ROLE_NO_DISTRICT(typed=text),
        )
    return role, district or None


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in person (from the session) or an API token's holder."""

    name: str
    email: str
    role: str
    district: str | None = None

    @classmethod
    def from_role(cls, name: str, email: str, role_text: str) -> Principal:
        role, district = parse_role(role_text)
        return cls(name, email, role, district)

    @classmethod
    def from_session(cls, data: Any) -> Principal | None:
        """The session's ``user`` entry, if it is well formed (else nobody is signed in)."""
        if not isinstance(data, dict):
            return None
        role, district = data.get("role"), data.get("district")
        name, email = data.get("name"), data.get("email")
        if not isinstance(name, str) or not isinstance(email, str) or not email:
            return None
        if role not in ASSIGNABLE_ROLES or (role == "district") != isinstance(district, str):
            return None
        return cls(name, email, str(role), district if role == "district" else None)

    def session_data(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "district": self.district,
        }

    def actor(self) -> Actor:
        """Who the events record: the person's e-mail address, in their role."""
        return Actor(
            cast(Role, self.role), self.email, slug(self.district) if self.district else None
        )

    @property
    def may_read(self) -> bool:
        return self.role in READING_ROLES

    @property
    def may_write(self) -> bool:
        return self.role in WRITING_ROLES

    def sees(self, district: str) -> bool:
        """May this principal see the project of ``district`` (a name or its slug)?"""
        if not self.may_read:
            return False
        return self.district is None or slug(self.district) == slug(district)

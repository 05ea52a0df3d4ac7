"""Access events: who may sign in in which role, kept in the store's own ``access`` stream.

A grant names a person by the e-mail address their sign-in carries; a later grant to the
same address replaces the earlier one; a revocation takes the role away.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints, model_validator

from events.base import Event, Text

__all__ = ["ACCESS_STREAM", "Email", "GrantedRole", "RoleGranted", "RoleRevoked"]

#: The one stream the grants are kept in.
ACCESS_STREAM = "access"

#: An e-mail address as a sign-in carries it, lower-cased by the caller.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
GrantedRole = Literal["coordinator", "steering_group", "district", "auditor", "scheduler"]


class RoleGranted(Event):
    """A person (by e-mail) may act in ``role`` (a district role names its district)."""

    email: Email
    role: GrantedRole
    district: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _district_with_district_role(self) -> RoleGranted:
        if (self.role == "district") != bool(self.district):
            raise ValueError("the district role names a district, and only it does")
        return self


class RoleRevoked(Event):
    """The person's granted role is taken away."""

    email: Email
    reason: Text | None = None

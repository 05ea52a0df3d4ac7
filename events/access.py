"""Access events: who may sign in in which role, kept in the store's own ``access`` stream.

A grant names a person by the e-mail address their sign-in carries; a later grant to the
same address replaces the earlier one; a revocation takes the role away. A steering-group
member may be tied to a district (``tied_to``: seed 000 seats "stadsdelsdirektörerna i
Rinkeby-Kista och Farsta" on the steering group), and then stands aside from that district's
matters (:mod:`policies.recusal`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import StringConstraints, model_validator

from events.base import Event, Text, registry

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
    """A person (by e-mail) may act in ``role`` (a district role names its district).

    ``tied_to`` (schema v2): the district a steering-group member is tied to (its district
    director), whose plans and other matters they do not decide. A v1 grant had none.
    """

    schema_version = 2

    email: Email
    role: GrantedRole
    district: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    reason: Text | None = None
    tied_to: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None

    @model_validator(mode="after")
    def _district_with_district_role(self) -> RoleGranted:
        if (self.role == "district") != bool(self.district):
            raise ValueError("the district role names a district, and only it does")
        if self.tied_to is not None and self.role != "steering_group":
            raise ValueError("only a steering-group member is tied to a district")
        return self


@registry.upcaster("RoleGranted", from_version=1)
def _grant_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 grant tied nobody to a district."""
    return {"tied_to": None, **data}


class RoleRevoked(Event):
    """The person's granted role is taken away."""

    email: Email
    reason: Text | None = None

"""Contact events: who to write to in a project, by role, at the project or at one school;
and whether a school is municipal or a free school (seed 004). Functional mailboxes only."""

from __future__ import annotations

from typing import Literal

from events.application import Email
from events.base import Event, Text

__all__ = ["CONTACT_ROLES", "ContactRemoved", "ContactSet", "SchoolKind", "SchoolKindSet"]

#: The roles a contact is kept for. Seed 004 asks for "en särskild kontaktperson inom
#: socialtjänsten som skolorna kan vända sig till", kept up to date when staff change.
ContactRoleName = Literal["project_lead", "finance", "school_contact", "social_services_contact"]
CONTACT_ROLES: tuple[str, ...] = (
    "project_lead",
    "finance",
    "school_contact",
    "social_services_contact",
)
SchoolKind = Literal["municipal", "free"]


class ContactSet(Event):
    """The contact for a role (at the project, or at one school) is now this mailbox; an
    earlier one for the same role and place is replaced, and stays in history."""

    role: ContactRoleName
    email: Email
    school: Text | None = None


class ContactRemoved(Event):
    """No contact for the role (at the project, or at one school) any longer."""

    role: ContactRoleName
    school: Text | None = None


class SchoolKindSet(Event):
    """A school of the project is municipal (kommunal) or a free school (fristående)."""

    school: Text
    kind: SchoolKind

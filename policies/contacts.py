"""Who is written to: a project's contacts by role (folded from its events), and which
contact each obligation goes to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from events import (
    ApplicationSubmitted,
    ContactRemoved,
    ContactSet,
    Recorded,
    SchoolKindSet,
)
from policies.state import effective

__all__ = ["FINANCIAL_OBLIGATIONS", "ContactBook", "Recipient", "contact_book", "recipient_for"]

R = Recorded[Any]

#: Obligations about money: they go to the finance contact first.
FINANCIAL_OBLIGATIONS = frozenset(
    {"t2_financial_report", "final_financial_report", "year_end_account", "repayment"}
)


@dataclass(frozen=True, slots=True)
class ContactBook:
    """A project's contacts as they stand: by role, and per school by role; school kinds."""

    project: Mapping[str, str] = field(default_factory=dict)
    schools: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)

    def project_or_school(self, school: str | None) -> Mapping[str, str]:
        """The contacts by role at the project (``None``) or at one school."""
        return self.project if school is None else self.schools.get(school, {})


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where an obligation's reminder goes, and by which rule (a role, or the application)."""

    email: str
    via: str


def contact_book(history: Iterable[R]) -> ContactBook:
    """The contacts a project's history leaves standing (annulled events do not count)."""
    kept, _ = effective(history)
    project: dict[str, str] = {}
    schools: dict[str, dict[str, str]] = {}
    kinds: dict[str, str] = {}
    for r in kept:
        e = r.event
        if isinstance(e, ContactSet | ContactRemoved):
            book = project if e.school is None else schools.setdefault(e.school, {})
            if isinstance(e, ContactSet):
                book[e.role] = e.email
            else:
                book.pop(e.role, None)
        elif isinstance(e, SchoolKindSet):
            kinds[e.school] = e.kind
    return ContactBook(project, {s: c for s, c in schools.items() if c}, kinds)


def recipient_for(
    obligation: str, book: ContactBook, application: ApplicationSubmitted | None
) -> Recipient | None:
    """Money obligations go to the finance contact; every obligation then to the project
    lead; else to the first contact with an address in the application; else nobody."""
    order = ["finance", "project_lead"] if obligation in FINANCIAL_OBLIGATIONS else ["project_lead"]
    for role in order:
        if role in book.project:
            return Recipient(book.project[role], role)
    named = [c.email for c in (application.contacts if application else ()) if c.email]
    return Recipient(named[0], "application") if named else None

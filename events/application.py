"""Application events: a district administration applies for a round's money, or withdraws."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from events.base import Code, Event, Kronor, PositiveKronor, Text

__all__ = [
    "ApplicationSubmitted",
    "ApplicationWithdrawn",
    "BudgetLine",
    "ContactRole",
    "Signature",
]

#: A work e-mail address for a role (e.g. a functional mailbox). Never a pupil's.
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", max_length=254)]

Giro = Annotated[str, StringConstraints(pattern=r"^(\d{3,4}-\d{4}|\d{1,7}-\d)$")]


class BudgetLine(BaseModel):
    """One line of the application budget (staff costs, other costs, own contribution...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Text
    amount_sek: Kronor
    #: Own contribution lines are shown in the budget but not part of the applied amount.
    own_contribution: bool = False


class ContactRole(BaseModel):
    """Who to contact, by role; an address only as a functional or example.org mailbox."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Code
    email: Email | None = None


class Signature(BaseModel):
    """A signatory, by role, and the date they signed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Code
    signed_on: date


class ApplicationSubmitted(Event):
    """A district administration applied for funding for its project in a round."""

    round_id: Code
    project_id: Code
    district: Text
    school_count: Annotated[int, Strict(), Field(ge=1, le=1000)]
    #: Names of the participating schools, where the application names them.
    schools: tuple[Text, ...] = ()
    lead_unit: Text | None = None
    co_applicants: tuple[Text, ...] = ()
    applied_sek: PositiveKronor
    budget_lines: tuple[BudgetLine, ...] = ()
    period_start: date
    period_end: date
    cost_centre: Text | None = None
    #: Bankgiro (``NNN-NNNN``/``NNNN-NNNN``) or postgiro (``NNNNN-N``) number.
    bankgiro: Giro | None = None
    contacts: tuple[ContactRole, ...] = ()
    signatures: tuple[Signature, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> ApplicationSubmitted:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.schools and len(self.schools) != self.school_count:
            raise ValueError(
                f"school_count is {self.school_count} but {len(self.schools)} schools are named"
            )
        return self


class ApplicationWithdrawn(Event):
    """The district withdrew its application; nothing more is due or payable."""

    reason: Text

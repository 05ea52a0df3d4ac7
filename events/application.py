"""Application events: a district administration applies for a round's money, or withdraws."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from events.base import Code, Event, Kronor, PositiveKronor, Text, registry

__all__ = [
    "ApplicationSubmitted",
    "ApplicationSubstance",
    "ApplicationWithdrawn",
    "BudgetLine",
    "ContactRole",
    "Estimate",
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


Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000)]


class Estimate(BaseModel):
    """A number the form asks for, as a district answers it: ``4-5 skolor`` is low 4, high 5;
    ``ca 50 elever`` is low 50 and no high."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: Count
    high: Count | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Estimate:
        if self.high is not None and self.high < self.low:
            raise ValueError("high is below low")
        return self


class ApplicationSubstance(BaseModel):
    """What the 2018 form (seed 002) asks about the work, beside the money: each field is
    one of its questions. Aggregates and descriptions only, never a pupil."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: "Hur definierar ni målgruppen/grupperna …?"
    target_group: Text | None = None
    #: "Hur beräknar ni målgruppens storlek för det kommande året?" (pupils)
    target_group_size: Estimate | None = None
    #: "Hur många skolenheter planerar ni kommer att vara delaktiga …?"
    schools_planned: Estimate | None = None
    #: "Hur många elever tror ni att ni kan nå genom de skolsociala teamen?"
    pupils_to_reach: Estimate | None = None
    #: "Hur många tjänster bedömer ni att ni behöver …?", in per cent of a full-time post
    #: (200: two full-time posts; whole numbers, so half a post is 50).
    staff_percent: Count | None = None
    #: "Beskriv uppdragen för de tjänster ni behöver."
    staff_roles: Text | None = None
    #: "… förhåller sig till skolans/skolornas elevhälsoteam och personal."
    pupil_health_link: Text | None = None
    #: "… förhåller sig till socialtjänstens medarbetare inom utredning och öppenvård."
    open_care_link: Text | None = None
    #: "FAMILJEORIENTERAT ARBETSSÄTT": how the pupils' parents are involved.
    family_work: Text | None = None
    #: "Vilka representanter ingår i styrgruppen …" (roles, not names)
    steering_group: Text | None = None
    #: "… respektive arbetsgruppen."
    working_group: Text | None = None
    #: "EXTERNA AKTÖRER" and the other units the teams will work with.
    partners: Text | None = None
    #: "På vilket sätt kan skolsociala teamens arbete integreras i er organisation 2019?"
    plans_next_year: Text | None = None


class ApplicationSubmitted(Event):
    """A district administration applied for funding for its project in a round.

    Schema v2 added ``total_budget_sek`` (the form's "Total budget") and ``substance`` (the
    form's questions on the work); a v1 application has neither (see the upcaster below).
    """

    schema_version = 2

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
    #: The form's "Total budget", where the application states it (own contribution plus
    #: the amount applied for; the policy checks it).
    total_budget_sek: Kronor | None = None
    #: What the form asks about the work (target group, schools, staff, links...).
    substance: ApplicationSubstance | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ApplicationSubmitted:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.schools and len(self.schools) != self.school_count:
            raise ValueError(
                f"school_count is {self.school_count} but {len(self.schools)} schools are named"
            )
        return self


@registry.upcaster("ApplicationSubmitted", from_version=1)
def _application_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 application stated no total budget and kept no substance: both stay unset."""
    return dict(data)


class ApplicationWithdrawn(Event):
    """The district withdrew its application; nothing more is due or payable."""

    reason: Text

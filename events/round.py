"""Round events: a funding round opens with its budget, rules and deadlines, and closes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from events.base import DECISION_RECORD_FIELDS, Code, Event, Kronor, Reference, Text, registry

__all__ = [
    "AllocationDecided",
    "AllocationLine",
    "DeadlineChanged",
    "DeadlineSet",
    "NetworkSessionScheduled",
    "RoundClosed",
    "RoundDeadline",
    "RoundOpened",
]


class RoundDeadline(BaseModel):
    """A dated obligation of the round (``t2_report``, ``final_financial_report``...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Code
    due_on: date
    description: Text | None = None


class RoundOpened(Event):
    """The funder opened a round: how much money, for which period, under which policy."""

    round_id: Code
    title: Text
    budget_sek: Kronor
    #: Separate pool for joint supervision (the 2014 R&D money); 0 when the round has none.
    supervision_pool_sek: Kronor = 0
    #: The most supervision money one project may be granted (seed 000: 25 000 kr). None in
    #: rounds recorded before the cap was put on record: the round's policy then says.
    supervision_cap_sek: Kronor | None = None
    period_start: date
    period_end: date
    application_deadline: date | None = None
    #: The policy that judges this round, pinned so later policy changes never rewrite it.
    policy_name: Code
    policy_version: int
    deadlines: tuple[RoundDeadline, ...] = ()

    @model_validator(mode="after")
    def _period_in_order(self) -> RoundOpened:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        codes = [d.code for d in self.deadlines]
        if len(codes) != len(set(codes)):
            raise ValueError("a deadline code appears twice")
        return self


class DeadlineSet(Event):
    """A coordinator set a round deadline that was not on record before."""

    code: Code
    due_on: date
    reason: Text
    description: Text | None = None


class DeadlineChanged(Event):
    """A coordinator moved a round deadline; the old date stays in history."""

    code: Code
    previous_due_on: date
    due_on: date
    reason: Text


class NetworkSessionScheduled(Event):
    """A city-wide network meeting or training that projects take part in."""

    session_id: Code
    title: Text
    starts_at: AwareDatetime
    mandatory: bool = True


class AllocationLine(BaseModel):
    """One district's part of an allocation decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    district: Text
    schools: int
    applied_sek: Kronor
    base_sek: Kronor
    share_sek: Kronor
    allocated_sek: Kronor


class AllocationDecided(Event):
    """The deciding body (e.g. the social services committee) decided how the money is shared.

    It keeps every input of the rule, so the allocation can be worked out again exactly (an
    import does): the total shared (``total_sek``), the applications in the order they were
    shared (each line's district, schools and amount applied for), the districts left out of
    the remainder's share (``exclude``) and the smallest excess that takes part in it
    (``min_excess_sek``).

    The decision as a record: the body (``decided_by``), the day (``decided_on``), the diary
    number (``diary_number``, diarienummer) and the minutes' reference (``minutes_ref``:
    protokoll and paragraf); ``decision_ref`` stays the reference people typed.

    Schema v1 had no ``exclude`` nor ``min_excess_sek``; the upcaster below reads them back
    from the lines (see :func:`_allocation_v1_to_v2`). Schema v2 had no diary number nor
    minutes: they read as not recorded.
    """

    schema_version = 3

    decided_by: Text
    decided_on: date
    decision_ref: Text
    method: Code
    method_version: int
    total_sek: Kronor
    lines: tuple[AllocationLine, ...]
    unallocated_sek: Kronor
    #: Districts left out of the remainder's share (seed 000: Älvsjö).
    exclude: tuple[Text, ...] = ()
    #: An excess below this takes no part in the remainder's share.
    min_excess_sek: Kronor = 0
    diary_number: Reference | None = None
    minutes_ref: Reference | None = None

    @model_validator(mode="after")
    def _adds_up(self) -> AllocationDecided:
        allocated = sum(line.allocated_sek for line in self.lines)
        if allocated + self.unallocated_sek != self.total_sek:
            raise ValueError(
                f"lines ({allocated}) plus unallocated ({self.unallocated_sek}) "
                f"do not add up to total_sek ({self.total_sek})"
            )
        return self


@registry.upcaster("AllocationDecided", from_version=1)
def _allocation_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 decision's inputs, read back from its lines.

    A choice (v1 did not record them): every district that applied for more than its base
    and got no share of the remainder is read as excluded, and the minimum excess as 0. The
    rule treats an excluded district and one whose excess is below the minimum alike (neither
    takes part), so this gives the same lines, except where a district taking part got a
    share that rounded to 0 kr (a remainder of a few kronor): such a v1 decision is not
    worked out again and its import is refused.
    """
    lines = data.get("lines") or ()
    lifted = dict(data)
    lifted.setdefault(
        "exclude",
        [
            line["district"]
            for line in lines
            if isinstance(line, dict)
            and line.get("share_sek") == 0
            and isinstance(line.get("applied_sek"), int)
            and isinstance(line.get("base_sek"), int)
            and line["applied_sek"] > line["base_sek"]
        ],
    )
    lifted.setdefault("min_excess_sek", 0)
    return lifted


@registry.upcaster("AllocationDecided", from_version=2)
def _allocation_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """A v2 decision recorded no diary number nor minutes: they read as not recorded."""
    return {**dict.fromkeys(DECISION_RECORD_FIELDS), **data}


class RoundClosed(Event):
    """No more reports or payments are taken in this round."""

    reason: Text

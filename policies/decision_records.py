"""Decisions as records: who decided what about a project, when, under which diary number
and in which minutes (issue 21).

Seed 000 is a proposal to two bodies on two days ("Till Socialnämnden 2014-02-04,
Utbildningsnämnden 2014-02-06"): "Socialnämnden godkänner fördelning av medel ..." decides the
allocation, and "Planen ska godkännas av styrgruppen innan medel betalas ut" puts the plans
before the steering group. Seed 003 carries its diary number ("Dnr 1.1.3-9743/2015"). A
decision is therefore recorded with its body, its day, its diary number (diarienummer) and
the minutes' reference (protokoll, paragraf), on the event that records it:
:class:`~events.AllocationDecided`, :class:`~events.GrantAwarded` (an award of its own),
:class:`~events.PlanApproved` and :class:`~events.PlanRejected`.

An award recorded by an allocation carries no record of its own: the allocation with the
same ``decision_ref`` is the record, kept once (an award made before schema v2 reads as
"not recorded" where no allocation stands behind it).

Pure: read from folded state, no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from events import AllocationDecided, GrantAwarded, PlanApproved, PlanRejected
from policies.state import ProjectState, RoundState

__all__ = ["DecisionRecord", "decision_records", "record_of"]


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One decision about a project, as the record keeps it.

    ``kind``: ``award`` (with ``amount_sek``), ``plan_approved`` or ``plan_rejected`` (with
    ``plan_id``). ``body`` is None when the record does not say (a decision recorded before
    the record had a body)."""

    kind: str
    decided_on: date
    body: str | None
    diary_number: str | None
    minutes_ref: str | None
    reference: str | None = None
    amount_sek: int | None = None
    plan_id: str | None = None
    position: int = 0

    @property
    def complete(self) -> bool:
        """Whether the record has its body, its diary number and its minutes."""
        return bool(self.body and self.diary_number and self.minutes_ref)


def record_of(event: Any, allocation: AllocationDecided | None = None) -> DecisionRecord | None:
    """The record a decision event keeps (None for any other event). An award is read
    through ``allocation`` when that decision (same reference) recorded it."""
    if isinstance(event, GrantAwarded):
        source: Any = event
        if allocation is not None and allocation.decision_ref == event.decision_ref:
            source = allocation
        return DecisionRecord(
            kind="award",
            decided_on=event.decided_on,
            body=source.decided_by,
            diary_number=source.diary_number,
            minutes_ref=source.minutes_ref,
            reference=event.decision_ref,
            amount_sek=event.amount_sek,
        )
    if isinstance(event, PlanApproved | PlanRejected):
        return DecisionRecord(
            kind="plan_approved" if isinstance(event, PlanApproved) else "plan_rejected",
            decided_on=event.meeting_on,
            body=event.decided_by,  # the steering group ("styrgruppen") unless it says
            diary_number=event.diary_number,
            minutes_ref=event.minutes_ref,
            plan_id=event.plan_id,
        )
    if isinstance(event, AllocationDecided):
        return DecisionRecord(
            kind="allocation",
            decided_on=event.decided_on,
            body=event.decided_by,
            diary_number=event.diary_number,
            minutes_ref=event.minutes_ref,
            reference=event.decision_ref,
        )
    return None


def decision_records(project: ProjectState, rnd: RoundState | None) -> tuple[DecisionRecord, ...]:
    """The decisions standing about ``project``: its awards (each read through the round's
    allocation when that recorded it) and its plans' decisions, in the order recorded."""
    allocation: AllocationDecided | None = None
    if rnd is not None and rnd.allocation is not None:
        allocation = rnd.allocation.event  # the round's fold keeps only an AllocationDecided
    records: list[DecisionRecord] = []
    for award in project.awards:
        record = record_of(award.event, allocation)
        if record is not None:
            records.append(_at(record, award.position))
    for plan in project.plans:
        if plan.decision is not None:
            record = record_of(plan.decision.event)
            if record is not None:
                records.append(_at(record, plan.decision.position))
    return tuple(sorted(records, key=lambda r: r.position))


def _at(record: DecisionRecord, position: int) -> DecisionRecord:
    return DecisionRecord(
        kind=record.kind,
        decided_on=record.decided_on,
        body=record.body,
        diary_number=record.diary_number,
        minutes_ref=record.minutes_ref,
        reference=record.reference,
        amount_sek=record.amount_sek,
        plan_id=record.plan_id,
        position=position,
    )

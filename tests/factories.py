"""Small builders for tests: events with sensible defaults, wrapped for appending."""

from __future__ import annotations

from datetime import UTC, date, datetime

from events import (
    DisbursementMade,
    Event,
    GrantAwarded,
    Metadata,
    NewEvent,
    PlanApproved,
    PlanSubmitted,
)

WHEN = datetime(2014, 3, 10, 10, 0, tzinfo=UTC)
COORDINATOR = Metadata(actor="samordnare@example.org", role="coordinator")


def new(event: Event, at: datetime = WHEN, meta: Metadata = COORDINATOR) -> NewEvent:
    return NewEvent(event, at, meta)


def plan_submitted(plan_id: str = "plan-1") -> NewEvent:
    return new(PlanSubmitted(plan_id=plan_id, summary="Arbetsplan 2014"))


def plan_approved(plan_id: str = "plan-1") -> NewEvent:
    return new(PlanApproved(plan_id=plan_id, meeting_on=date(2014, 3, 10)))


def awarded(amount: int = 1_134_896) -> NewEvent:
    return new(GrantAwarded(amount_sek=amount, decision_ref="SN 2014-02-04 §5",
                            decided_on=date(2014, 2, 4)))  # fmt: skip


def paid(amount: int = 500_000, ref: str = "U-1") -> NewEvent:
    return new(DisbursementMade(amount_sek=amount, purpose="grant", payment_reference=ref))

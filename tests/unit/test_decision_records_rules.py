"""Decisions as records, database-free (issue 21): each decision event's record, field by
field, and a project's records in the order they were recorded, awards read through the
allocation that made them."""

from __future__ import annotations

from datetime import date

from events import (
    AllocationDecided,
    AllocationLine,
    ApplicationSubmitted,
    GrantAwarded,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
)
from policies.decision_records import DecisionRecord, decision_records, record_of
from policies.state import fold_project, fold_round
from tests.unit.world import FARSTA, RID, ROUND, World, opened

ALLOCATION = AllocationDecided(
    decided_by="Socialnämnden",
    decided_on=date(2014, 2, 4),
    decision_ref="SN 2014-02-04 § 7",
    method="per-school-with-remainder",
    method_version=1,
    total_sek=1_000_000,
    lines=(
        AllocationLine(
            district="Farsta",
            schools=2,
            applied_sek=600_000,
            base_sek=600_000,
            share_sek=0,
            allocated_sek=600_000,
        ),
    ),
    unallocated_sek=400_000,
    diary_number="1.5.1-0000/2014",
    minutes_ref="Protokoll 2014-02-04, § 7",
)
#: An award of its own, recorded with its record, before the allocation.
OWN_AWARD = GrantAwarded(
    amount_sek=50_000,
    decision_ref="UN 2014-01-20",
    decided_on=date(2014, 1, 20),
    decided_by="Utbildningsnämnden",
    diary_number="UN 2014/12",
    minutes_ref="Protokoll 2014-01-20, § 3",
)
#: The allocation's award: no record of its own, read through the allocation.
ALLOCATED = GrantAwarded(
    amount_sek=600_000, decision_ref="SN 2014-02-04 § 7", decided_on=date(2014, 2, 4)
)
REJECTED = PlanRejected(
    plan_id="p1",
    meeting_on=date(2014, 1, 15),
    reason="Mål saknas",
    decided_by="Styrgruppen PPSS",
    diary_number="SG 1/2014",
    minutes_ref="Styrgruppens protokoll 1, § 2",
)
APPROVED = PlanApproved(plan_id="p2", meeting_on=date(2014, 3, 10), diary_number="SG 4/2014")


def test_each_decision_event_keeps_its_whole_record() -> None:
    assert record_of(ALLOCATION) == DecisionRecord(
        kind="allocation",
        decided_on=date(2014, 2, 4),
        body="Socialnämnden",
        diary_number="1.5.1-0000/2014",
        minutes_ref="Protokoll 2014-02-04, § 7",
        reference="SN 2014-02-04 § 7",
    )
    assert record_of(OWN_AWARD, ALLOCATION) == DecisionRecord(
        kind="award",
        decided_on=date(2014, 1, 20),
        body="Utbildningsnämnden",
        diary_number="UN 2014/12",
        minutes_ref="Protokoll 2014-01-20, § 3",
        reference="UN 2014-01-20",
        amount_sek=50_000,
    )
    assert record_of(REJECTED) == DecisionRecord(
        kind="plan_rejected",
        decided_on=date(2014, 1, 15),
        body="Styrgruppen PPSS",
        diary_number="SG 1/2014",
        minutes_ref="Styrgruppens protokoll 1, § 2",
        plan_id="p1",
    )
    assert record_of(APPROVED) == DecisionRecord(
        kind="plan_approved",
        decided_on=date(2014, 3, 10),
        body="styrgruppen",
        diary_number="SG 4/2014",
        minutes_ref=None,
        plan_id="p2",
    )
    assert record_of(PlanSubmitted(plan_id="p1", summary="Plan")) is None


def test_a_projects_records_come_in_the_order_recorded_awards_through_their_allocation() -> None:
    """A plan rejected before any award comes first; the allocation's award reads the
    allocation's body, diary number and minutes; each record has its event's position."""
    world = World()
    opened(world)
    world.given(ROUND, ALLOCATION, date(2014, 2, 4))
    world.given(
        FARSTA,
        ApplicationSubmitted(
            round_id=RID,
            project_id="farsta",
            district="Farsta",
            school_count=2,
            applied_sek=600_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
        ),
        date(2013, 5, 31),
    )
    world.given(FARSTA, PlanSubmitted(plan_id="p1", summary="Plan"), date(2014, 1, 2))
    rejected = world.given(FARSTA, REJECTED, date(2014, 1, 15))
    own = world.given(FARSTA, OWN_AWARD, date(2014, 1, 20))
    allocated = world.given(FARSTA, ALLOCATED, date(2014, 2, 4))
    world.given(FARSTA, PlanSubmitted(plan_id="p2", summary="Plan 2"), date(2014, 2, 20))
    approved = world.given(FARSTA, APPROVED, date(2014, 3, 10))
    project = fold_project(FARSTA, world.stream(FARSTA))
    rnd = fold_round(world.stream(ROUND))
    assert decision_records(project, rnd) == (
        DecisionRecord(
            kind="plan_rejected",
            decided_on=date(2014, 1, 15),
            body="Styrgruppen PPSS",
            diary_number="SG 1/2014",
            minutes_ref="Styrgruppens protokoll 1, § 2",
            plan_id="p1",
            position=rejected.position,
        ),
        DecisionRecord(
            kind="award",
            decided_on=date(2014, 1, 20),
            body="Utbildningsnämnden",
            diary_number="UN 2014/12",
            minutes_ref="Protokoll 2014-01-20, § 3",
            reference="UN 2014-01-20",
            amount_sek=50_000,
            position=own.position,
        ),
        DecisionRecord(
            kind="award",
            decided_on=date(2014, 2, 4),
            body="Socialnämnden",
            diary_number="1.5.1-0000/2014",
            minutes_ref="Protokoll 2014-02-04, § 7",
            reference="SN 2014-02-04 § 7",
            amount_sek=600_000,
            position=allocated.position,
        ),
        DecisionRecord(
            kind="plan_approved",
            decided_on=date(2014, 3, 10),
            body="styrgruppen",
            diary_number="SG 4/2014",
            minutes_ref=None,
            plan_id="p2",
            position=approved.position,
        ),
    )
    # Without the round, the allocation's award says it has no record of its own.
    without = decision_records(project, None)
    assert [(r.kind, r.body, r.diary_number) for r in without] == [
        ("plan_rejected", "Styrgruppen PPSS", "SG 1/2014"),
        ("award", "Utbildningsnämnden", "UN 2014/12"),
        ("award", None, None),
        ("plan_approved", "styrgruppen", "SG 4/2014"),
    ]

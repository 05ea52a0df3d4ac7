"""Demo data for the 2016 continuation round (seed 003): 13 000 000 kr for the same eight
districts and sixteen schools, a year of plans, payments, an autumn follow-up and accounts.
Schools are named by district and number, people by role at example.org: no real person."""

from __future__ import annotations

from datetime import date, datetime

from policies.allocation import DistrictRequest
from policies.commands import (
    Apply,
    DecidePlan,
    Disburse,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
    ScheduleSession,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
)
from policies.cont2016 import ANNUAL_BUDGET_SEK, allocate_2016
from policies.state import slug
from ppss_workflow.demo import COORDINATOR, DISTRICTS_2014, STEERING_GROUP, Story, district_actor

__all__ = ["ROUND_2016", "round_2016"]

ROUND_2016 = "ppss-2016"

#: The 2014 districts again, each asking 30 % more (the budget grew from 10 to 13 mnkr).
DISTRICTS_2016: tuple[tuple[str, int, int], ...] = tuple(
    (name, schools, applied * 13 // 10) for name, schools, applied in DISTRICTS_2014
)

#: Skärholmen has not sent its autumn follow-up; Farsta has not sent its year-end account.
_NO_FOLLOW_UP = "Skärholmen"
_NO_ACCOUNT = "Farsta"


def _application(name: str, schools: int, applied: int) -> dict[str, object]:
    key = slug(name)
    return {
        "district": name,
        "school_count": schools,
        "schools": tuple(f"Fokusskola {i} i {name}" for i in range(1, schools + 1)),
        "applied_sek": applied,
        "period_start": date(2016, 1, 1),
        "period_end": date(2016, 12, 31),
        "co_applicants": ("Utbildningsförvaltningen",),
        "contacts": (
            {"role": "project_lead", "email": f"projektledare@{key}.example.org"},
            {"role": "finance", "email": f"ekonomi@{key}.example.org"},
        ),
    }


def round_2016(story: Story) -> None:
    """The 2016 round from its opening (the committee's meeting of 17 Dec 2015) to the
    accounts in January 2017, each command on its own day."""
    c, rid = COORDINATOR, ROUND_2016
    story.on(max(story.day, date(2015, 12, 17))).do(
        c,
        OpenRound(
            round_id=rid,
            title="PPSS fortsättning 2016",
            budget_sek=ANNUAL_BUDGET_SEK,
            period_start=date(2016, 1, 1),
            period_end=date(2016, 12, 31),
            policy="ppss-2016",
            deadlines=(
                ("t2", date(2016, 10, 14), "Höstens uppföljning inför delrapporten i december"),
                (
                    "year_end_account",
                    date(2017, 1, 31),
                    "Redovisning och kostnadsbeskrivning för 2016",
                ),
            ),
        ),
    )
    story.on(date(2016, 1, 15))
    for name, schools, applied in DISTRICTS_2016:
        story.do(
            district_actor(name),
            Apply(round_id=rid, district=name, application=_application(name, schools, applied)),
        )
    story.on(date(2016, 2, 2)).do(
        c,
        RecordAllocation(
            round_id=rid,
            decided_on=date(2016, 2, 2),
            decision_ref="SN 2016-02-02",
            exclude=("Älvsjö",),
        ),
    )
    story.do(
        c,
        ScheduleSession(
            round_id=rid,
            session_id="natverk-2016-1",
            title="Nätverksträff: skolnärvaro 2016",
            starts_at=datetime.fromisoformat("2016-04-13T13:00+02:00"),
        ),
    )
    allocated = {
        a.name: a.allocated_sek
        for a in allocate_2016(
            [DistrictRequest(*d) for d in DISTRICTS_2016], exclude=["Älvsjö"]
        ).allocations
    }
    story.on(date(2016, 2, 20))
    for name, _, _ in DISTRICTS_2016:
        story.do(
            district_actor(name),
            SubmitPlan(
                round_id=rid,
                district=name,
                plan_id="plan-2016",
                summary="Arbetsplan 2016: det multikompetenta teamet fortsätter",
            ),
        )
    story.on(date(2016, 3, 8))
    for name, _, _ in DISTRICTS_2016:
        story.do(
            STEERING_GROUP,
            DecidePlan(
                round_id=rid,
                district=name,
                plan_id="plan-2016",
                approve=True,
                meeting_on=date(2016, 3, 8),
            ),
        )
    story.on(date(2016, 3, 15))
    for name, _, _ in DISTRICTS_2016:
        _pay(story, name, allocated[name] // 2, 1)
    story.on(date(2016, 4, 13))
    for name, _, _ in DISTRICTS_2016:
        story.do(
            c,
            RecordNetwork(
                round_id=rid,
                district=name,
                session_id="natverk-2016-1",
                outcome="attended",
                participants=2,
            ),
        )
    story.on(date(2016, 10, 10))
    for name, schools, _ in DISTRICTS_2016:
        if name == _NO_FOLLOW_UP:
            continue
        story.do(
            district_actor(name),
            SubmitFollowUp(
                round_id=rid,
                district=name,
                kind="t2",
                # Seed 003: "i genomsnitt ... 8 elever aktuella" per school.
                indicators={"target_group_size": 12 * schools, "pupils_reached": 8 * schools},
                period_start=date(2016, 1, 1),
                period_end=date(2016, 9, 30),
            ),
        )
    story.on(date(2016, 11, 15))
    for name, _, _ in DISTRICTS_2016:
        _pay(story, name, allocated[name] - allocated[name] // 2, 2)
    story.on(date(2017, 1, 27))
    for name, _, _ in DISTRICTS_2016:
        if name == _NO_ACCOUNT:
            continue
        story.do(
            district_actor(name),
            SubmitYearEndAccount(
                round_id=rid,
                district=name,
                spent_sek=allocated[name],
                cost_description="Personal i det multikompetenta teamet enligt plan",
            ),
        )


def _pay(story: Story, name: str, amount: int, instalment: int) -> None:
    story.do(
        COORDINATOR,
        Disburse(
            round_id=ROUND_2016,
            district=name,
            amount_sek=amount,
            payment_reference=f"UTB-2016-{slug(name)}-{instalment}",
        ),
    )

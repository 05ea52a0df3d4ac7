"""The money and lifecycle rules, one by one, at their edges: given events, when a command on
a day, then the events it records or the refusal it gives (message, rule, kind, state).
Database-free; written so that breaking any one of these rules turns a test red."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from events import (
    ApplicationSubmitted,
    ApplicationWithdrawn,
    DeadlineSet,
    DisbursementMade,
    EventAnnulled,
    FinancialReportSubmitted,
    FollowUpIndicators,
    FollowUpSubmitted,
    GrantAwarded,
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkExemptionGranted,
    NetworkMakeUpRecorded,
    NetworkSessionScheduled,
    PlanApproved,
    PlanRejected,
    PlanSubmitted,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    RoundClosed,
    RoundOpened,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from events.application import BudgetLine, Signature
from policies.base import (
    BLOCKED,
    Assessment,
    Condition,
    ConditionStatus,
    Payable,
    Policy,
    Repayment,
    fmt_sek,
    today_in_stockholm,
)
from policies.commands import (
    Apply,
    AwardGrant,
    Command,
    DecidePlan,
    DemandRepayment,
    Disburse,
    GrantSupervision,
    RecordNetwork,
    RequestSupervision,
    SettleRepayment,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
    Withdraw,
)
from policies.decisions import Decision, Refusal, decide
from policies.ledger import Ledger, LedgerBuilder, fold_ledger
from policies.reason import Named
from policies.registry import POLICIES
from policies.state import (
    STOCKHOLM,
    ProjectState,
    RoundState,
    end_of_day,
    fold_project,
    fold_round,
    slug,
)
from tests.unit.said import En, en
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    SKARPNACK,
    TODAY,
    World,
    annul_payment,
    awarded,
    plan_approved,
    refused,
)

R = Any
PILOT = POLICIES[("ppss-2014", 1)]
SST = POLICIES[("sst-2018", 1)]
NBSP = "\u00a0"


# -- given --------------------------------------------------------------------------------


def opened(
    world: World,
    *,
    budget: int = 1_000_000,
    pool: int = 200_000,
    cap: int | None = 25_000,
    policy: str = "ppss-2014",
    on: date = date(2013, 5, 2),
    period: tuple[date, date] = (date(2014, 1, 1), date(2014, 12, 31)),
    application_deadline: date | None = None,
) -> None:
    world.given(
        ROUND,
        RoundOpened(
            round_id=RID,
            title="Runda",
            budget_sek=budget,
            supervision_pool_sek=pool,
            supervision_cap_sek=cap,
            period_start=period[0],
            period_end=period[1],
            application_deadline=application_deadline,
            policy_name=policy,
            policy_version=1,
        ),
        on,
    )


def form(name: str = "Farsta", sek: int = 1_400_000, **more: Any) -> dict[str, Any]:
    return {
        "district": name,
        "school_count": 4,
        "applied_sek": sek,
        "period_start": date(2014, 1, 1),
        "period_end": date(2014, 12, 31),
        **more,
    }


def applied(world: World, name: str, sek: int) -> None:
    key = slug(name)
    event = ApplicationSubmitted(round_id=RID, project_id=key, **form(name, sek))
    world.given(f"project:{RID}:{key}", event, date(2013, 5, 31))


def paid(
    world: World,
    sek: int,
    ref: str = "U-1",
    on: date = date(2014, 3, 20),
    purpose: str = "grant",
    stream: str = FARSTA,
) -> R:
    event = DisbursementMade(amount_sek=sek, purpose=purpose, payment_reference=ref)  # type: ignore[arg-type]
    return world.given(stream, event, on)


def supervision(
    world: World, requested: int, granted: int = 0, paid_sek: int = 0, stream: str = FARSTA
) -> None:
    world.given(
        stream, SupervisionFundsRequested(amount_sek=requested, description="H"), date(2014, 4, 2)
    )
    if granted:
        world.given(
            stream,
            SupervisionFundsGranted(amount_sek=granted, decision_ref="FoU"),
            date(2014, 4, 3),
        )
    if paid_sek:
        paid(world, paid_sek, "F-1", date(2014, 4, 4), "supervision", stream)


def account(world: World, spent: int, outside: int = 0, supervision_spent: int | None = None) -> R:
    event = YearEndAccountSubmitted(
        spent_sek=spent,
        spent_outside_plan_sek=outside,
        cost_description="Enligt plan",
        supervision_spent_sek=supervision_spent,
    )
    return world.given(FARSTA, event, date(2015, 1, 20))


def demanded(world: World, sek: int, due: date = date(2015, 3, 31)) -> R:
    event = RepaymentDemanded(amount_sek=sek, reason="Oanvänt", due_on=due)
    return world.given(FARSTA, event, date(2015, 2, 1))


def session(world: World, sid: str = "n1", day: date = date(2014, 3, 12)) -> None:
    starts = datetime.combine(day, time(13), tzinfo=STOCKHOLM)
    event = NetworkSessionScheduled(session_id=sid, title="Nätverk", starts_at=starts)
    world.given(ROUND, event, date(2014, 2, 4))


@pytest.fixture
def world() -> World:
    """Round r (budget 1 000 000, pool 200 000, cap 25 000); Farsta applied for 1 400 000,
    Skarpnäck for 600 000."""
    w = World()
    opened(w)
    applied(w, "Farsta", 1_400_000)
    applied(w, "Skarpnäck", 600_000)
    return w


# -- when / then --------------------------------------------------------------------------


def says(refusal: Refusal) -> tuple[str, str, str, str]:
    """What a person reads (the reason, said in English), the rule, the kind and the state."""
    said = en(refusal.reason)
    return said, refusal.rule, refusal.kind, refusal.state


def recorded(world: World, command: Command, today: date = TODAY) -> list[Any]:
    """The events the command would record (both views allow it)."""
    decision = world.decide(command, today)
    return [e for _, events in decision.appends for e in events]


def decided_today(world: World, command: Command, today: date = TODAY) -> Decision:
    """Decided on today's whole history alone (without the as-of-its-own-date view)."""
    return decide(command, world.view(command, today, None))


def states(world: World, stream: str = FARSTA) -> tuple[RoundState, ProjectState]:
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    return rnd, fold_project(stream, world.stream(stream))


# -- Apply ----------------------------------------------------------------------------------


def test_an_application_is_from_the_district_that_applies(world: World) -> None:
    """The form's district must be the command's district."""
    cmd = Apply(round_id=RID, district="Enskede", application=form("Farsta"), on=date(2013, 6, 1))
    assert says(refused(world, cmd)) == (
        "the application is from Farsta, not Enskede",
        "one district per application",
        "invalid",
        "round open",
    )
    blank = cmd.model_copy(
        update={"application": {k: v for k, v in form().items() if k != "district"}}
    )
    assert en(refused(world, blank).reason) == ("the application is from None, not Enskede")


def test_a_district_name_must_make_a_project_key(world: World) -> None:
    """A name with no letters or digits names no project."""
    cmd = Apply(round_id=RID, district="!?", application=form("!?"), on=date(2013, 6, 1))
    assert says(refused(world, cmd)) == (
        "!? is not a district name",
        "district names",
        "invalid",
        "round open",
    )


def test_a_new_application_is_recorded_on_its_district_project(world: World) -> None:
    """The round and the project key come from the command, whatever the form says."""
    cmd = Apply(
        round_id=RID,
        district="Enskede-Årsta",
        application=form("Enskede-Årsta", 500_000, round_id="x", project_id="y"),
        on=date(2013, 6, 1),
    )
    decision = world.decide(cmd, TODAY)
    ((stream, (event,)),) = decision.appends
    assert stream == f"project:{RID}:enskede-arsta"
    assert isinstance(event, ApplicationSubmitted)
    assert (event.round_id, event.project_id, event.district, event.applied_sek) == (
        RID,
        "enskede-arsta",
        "Enskede-Årsta",
        500_000,
    )


def test_one_district_per_project_and_one_standing_application(world: World) -> None:
    """A look-alike name is refused; a second application only after a withdrawal."""
    lookalike = Apply(
        round_id=RID, district="Fårsta", application=form("Fårsta"), on=date(2013, 6, 1)
    )
    assert says(refused(world, lookalike)) == (
        "Fårsta would share a project with Farsta; use the district's name as on record",
        "one project per district",
        "invalid",
        "application submitted, plan none, awarded 0 kr, paid 0 kr",
    )
    again = Apply(round_id=RID, district="Farsta", application=form(), on=date(2013, 6, 1))
    assert says(refused(world, again)) == (
        "Farsta has already applied in r",
        "application lifecycle",
        "invalid",
        "application submitted",
    )
    world.given(FARSTA, ApplicationWithdrawn(reason="Inte i år"), date(2013, 7, 1))
    anew = again.model_copy(update={"on": date(2013, 8, 1)})
    assert [type(e) for e in recorded(world, anew)] == [ApplicationSubmitted]


def test_applications_are_taken_from_a_year_before_the_period_to_its_end() -> None:
    """366 days before the period starts (2012-12-31) up to its last day, not outside."""
    world = World()
    opened(world, on=date(2012, 6, 1))
    first = Apply(round_id=RID, district="Farsta", application=form(), on=date(2012, 12, 31))
    assert recorded(world, first, date(2015, 1, 5))
    early = first.model_copy(update={"on": date(2012, 12, 30)})
    assert says(refused(world, early, date(2015, 1, 5))) == (
        "2012-12-30 is outside round r (2012-12-31 to 2014-12-31); check the date",
        "dates within the round",
        "invalid",
        "round open",
    )
    last = first.model_copy(update={"on": date(2014, 12, 31)})
    assert recorded(world, last, date(2015, 1, 5))
    late = first.model_copy(update={"on": date(2015, 1, 1)})
    assert refused(world, late, date(2015, 1, 5)).rule == "dates within the round"


def test_an_application_outside_the_rounds_period_is_refused(world: World) -> None:
    """Its period starts and ends within the round's (both ends may touch)."""
    cmd = Apply(
        round_id=RID,
        district="Enskede",
        application=form("Enskede", period_start=date(2013, 12, 31)),
        on=date(2013, 6, 1),
    )
    assert says(refused(world, cmd)) == (
        "the application from Enskede is refused: the period 2013-12-31–2014-12-31 is outside the "
        "round's 2014-01-01–2014-12-31",
        "ppss-2014 application rules",
        "condition",
        "round open",
    )
    late_end = cmd.model_copy(update={"application": form("Enskede", period_end=date(2015, 1, 1))})
    assert refused(world, late_end).rule == "ppss-2014 application rules"
    inside = cmd.model_copy(
        update={
            "application": form(
                "Enskede", period_start=date(2014, 1, 1), period_end=date(2014, 12, 31)
            )
        }
    )
    assert recorded(world, inside)


def signed_2018(name: str, on: date) -> dict[str, Any]:
    roles = ("administration_director", "finance_director", "head_of_department")
    return form(
        name,
        100_000,
        period_start=date(2018, 8, 1),
        period_end=date(2019, 6, 30),
        budget_lines=(BudgetLine(label="Lön", amount_sek=100_000),),
        signatures=tuple(Signature(role=r, signed_on=on) for r in roles),
    )


def test_a_2018_application_is_judged_on_the_day_it_was_submitted() -> None:
    """Submitted on time and recorded later: accepted; recorded undated after the deadline:
    refused, dated the day it is recorded."""
    world = World()
    opened(
        world,
        policy="sst-2018",
        on=date(2018, 1, 10),
        period=(date(2018, 8, 1), date(2019, 6, 30)),
        application_deadline=date(2018, 3, 1),
    )
    on_time = Apply(
        round_id=RID,
        district="Farsta",
        application=signed_2018("Farsta", date(2018, 2, 15)),
        on=date(2018, 2, 20),
    )
    assert [type(e) for e in recorded(world, on_time, date(2018, 5, 1))] == [ApplicationSubmitted]
    unsigned = on_time.model_copy(
        update={"application": {**on_time.application, "signatures": ()}, "on": None}
    )
    assert en(refused(world, unsigned, date(2018, 3, 2)).reason) == (
        "the application from Farsta is refused: submitted on 2018-03-02, after the application "
        "deadline 2018-03-01; not signed by the administration director (förvaltningschef), "
        "the finance director (ekonomichef) and the head of department (avdelningschef)"
    )
    undated = on_time.model_copy(update={"on": None})
    assert says(refused(world, undated, date(2018, 3, 2))) == (
        "the application from Farsta is refused: submitted on 2018-03-02, after the application "
        "deadline 2018-03-01",
        "sst-2018 application rules",
        "condition",
        "round open",
    )


# -- Withdraw -------------------------------------------------------------------------------


def test_a_withdrawal_records_its_reason_once(world: World) -> None:
    """The reason is on record; a withdrawn application is not withdrawn again."""
    cmd = Withdraw(round_id=RID, district="Farsta", reason="Inte i år", on=date(2014, 2, 1))
    assert recorded(world, cmd) == [ApplicationWithdrawn(reason="Inte i år")]
    world.run(cmd, TODAY)
    assert refused(world, cmd.model_copy(update={"on": TODAY})).rule == "application lifecycle"


# -- AwardGrant -----------------------------------------------------------------------------


def award(district: str, amount: int, ref: str = "SN 2") -> AwardGrant:
    return AwardGrant(
        round_id=RID,
        district=district,
        amount_sek=amount,
        decision_ref=ref,
        decided_on=date(2014, 2, 5),
    )


def test_an_award_is_more_than_nothing(world: World) -> None:
    """0 kr is refused; 1 kr is an award, recorded with its decision."""
    assert says(refused(world, award("Farsta", 0))) == (
        "an award is more than 0 kr",
        "awards are positive",
        "invalid",
        "application submitted, plan none, awarded 0 kr, paid 0 kr",
    )
    assert recorded(world, award("Farsta", 1)) == [
        GrantAwarded(amount_sek=1, decision_ref="SN 2", decided_on=date(2014, 2, 5))
    ]


def test_awards_to_a_district_add_up_to_at_most_what_it_applied_for(world: World) -> None:
    """Skarpnäck applied for 600 000 and has 200 000: 400 000 more, not 400 001."""
    awarded(world, SKARPNACK, 200_000)
    assert recorded(world, award("Skarpnäck", 400_000))
    assert says(refused(world, award("Skarpnäck", 400_001))) == (
        f"awarding 400{NBSP}001 kr would give Skarpnäck 600{NBSP}001 kr, more than the "
        f"600{NBSP}000 kr it applied for",
        "award within applied",
        "condition",
        f"awarded 200{NBSP}000 kr",
    )


def test_awards_in_a_round_add_up_to_at_most_its_budget(world: World) -> None:
    """600 000 to Farsta: 400 000 more in the round, not 400 001."""
    awarded(world, FARSTA, 600_000)
    assert recorded(world, award("Skarpnäck", 400_000))
    assert says(refused(world, award("Skarpnäck", 400_001))) == (
        f"awarding 400{NBSP}001 kr would take the round's awards to 1{NBSP}000{NBSP}001 kr, "
        f"over its budget of 1{NBSP}000{NBSP}000 kr",
        "total awarded within the budget",
        "condition",
        f"round awarded 600{NBSP}000 kr",
    )


# -- SubmitPlan / DecidePlan ----------------------------------------------------------------


def submit(plan_id: str = "p") -> SubmitPlan:
    return SubmitPlan(round_id=RID, district="Farsta", plan_id=plan_id, summary="Plan")


def decision(plan_id: str = "p", approve: bool = True, **more: Any) -> DecidePlan:
    return DecidePlan(
        round_id=RID,
        district="Farsta",
        plan_id=plan_id,
        approve=approve,
        meeting_on=more.pop("meeting_on", date(2014, 3, 10)),
        **more,
    )


def test_a_plan_is_submitted_once_and_again_only_after_a_rejection(world: World) -> None:
    """Submitted or approved: use a new id; rejected: it may come back."""
    assert recorded(world, submit()) == [PlanSubmitted(plan_id="p", summary="Plan")]
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    assert says(refused(world, submit())) == (
        "plan p is already submitted; use a new plan id",
        "plan lifecycle",
        "invalid",
        "plan submitted",
    )
    world.given(
        FARSTA,
        PlanRejected(plan_id="p", meeting_on=date(2014, 3, 1), reason="Nej"),
        date(2014, 3, 1),
    )
    assert recorded(world, submit()) == [PlanSubmitted(plan_id="p", summary="Plan")]
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 3, 2))
    world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)), date(2014, 3, 10))
    assert says(refused(world, submit())) == (
        "plan p is already approved; use a new plan id",
        "plan lifecycle",
        "invalid",
        "plan approved",
    )


def test_only_a_submitted_plan_is_decided(world: World) -> None:
    """An unknown plan names the plans there are; a decided plan is not decided again."""
    assert says(refused(world, decision("q"))) == (
        "Farsta has not submitted plan q (submitted: ); a plan must be submitted "
        "before it is decided",
        "plan lifecycle",
        "condition",
        "no such plan",
    )
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    world.given(FARSTA, PlanSubmitted(plan_id="p2", summary="Plan"), date(2014, 2, 21))
    assert en(refused(world, decision("q")).reason) == (
        "Farsta has not submitted plan q (submitted: p and p2); a plan must be submitted before "
        "it is decided"
    )
    world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)), date(2014, 3, 10))
    assert says(refused(world, decision("p", meeting_on=date(2014, 4, 1)))) == (
        "plan p is already approved",
        "plan lifecycle",
        "invalid",
        "plan approved",
    )


def test_a_plan_decision_is_dated_on_or_after_its_submission(world: World) -> None:
    """Submitted on 20 February: decided on the 20th, not the 19th."""
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    assert says(refused(world, decision(meeting_on=date(2014, 2, 19)))) == (
        "the meeting on 2014-02-19 is before plan p was submitted on 2014-02-20",
        "decision not before submission",
        "condition",
        "plan submitted",
    )
    assert recorded(world, decision(meeting_on=date(2014, 2, 20))) == [
        PlanApproved(plan_id="p", meeting_on=date(2014, 2, 20))
    ]


def test_a_rejection_says_why(world: World) -> None:
    """Without a reason refused; with one, recorded with it."""
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    assert says(refused(world, decision(approve=False))) == (
        "a rejection needs a reason, so the district knows what to fix",
        "rejections give a reason",
        "invalid",
        "application submitted, plan submitted, awarded 0 kr, paid 0 kr",
    )
    assert recorded(world, decision(approve=False, reason="Mål saknas")) == [
        PlanRejected(plan_id="p", meeting_on=date(2014, 3, 10), reason="Mål saknas")
    ]


# -- RecordNetwork --------------------------------------------------------------------------


def network(outcome: str, sid: str = "n1", **more: Any) -> RecordNetwork:
    return RecordNetwork(round_id=RID, district="Farsta", session_id=sid, outcome=outcome, **more)  # type: ignore[arg-type]


def test_network_records_name_a_session_on_the_calendar(world: World) -> None:
    """An unknown session is not found, and the answer lists the sessions there are."""
    assert says(refused(world, network("attended", "nx"))) == (
        "no network session nx in r (has: )",
        "sessions on the round's calendar",
        "not_found",
        "application submitted, plan none, awarded 0 kr, paid 0 kr",
    )
    session(world, "n1")
    session(world, "n2", date(2014, 4, 9))
    assert en(refused(world, network("attended", "nx")).reason) == (
        "no network session nx in r (has: n1 and n2)"
    )


def test_attendance_and_absence_are_recorded_from_the_sessions_day(world: World) -> None:
    """Not before the session; on its day with the participants, or as an absence."""
    session(world)
    early = network("attended", on=date(2014, 3, 11))
    assert says(refused(world, early)) == (
        "session n1 is held on 2014-03-12; record it then",
        "attendance after the session",
        "invalid",
        "application submitted, plan none, awarded 0 kr, paid 0 kr",
    )
    with pytest.raises(Refusal) as caught:
        decided_today(world, early)
    assert en(caught.value.reason) == "session n1 is held on 2014-03-12; record it then"
    assert recorded(world, network("attended", participants=3)) == [
        NetworkAttendanceRecorded(session_id="n1", participants=3)
    ]
    assert recorded(world, network("attended", on=date(2014, 3, 12))) == [
        NetworkAttendanceRecorded(session_id="n1", participants=1)
    ]
    assert recorded(world, network("absent", excused=True, note="Sjuk")) == [
        NetworkAbsenceRecorded(session_id="n1", excused=True, reason="Sjuk")
    ]


def test_a_make_up_or_exemption_answers_an_absence_and_says_how(world: World) -> None:
    """No absence: refused; no note: refused; else the make-up or exemption with its note."""
    session(world)
    assert says(refused(world, network("make-up", note="Extra"))) == (
        "Farsta has no absence on record for n1; a make-up answers an absence",
        "network lifecycle",
        "condition",
        "session none",
    )
    world.given(FARSTA, NetworkAbsenceRecorded(session_id="n1"), date(2014, 3, 12))
    assert says(refused(world, network("exemption"))) == (
        "an exemption needs a note saying how or why",
        "make-ups and exemptions say why",
        "invalid",
        "application submitted, plan none, awarded 0 kr, paid 0 kr",
    )
    assert recorded(world, network("make-up", note="Extra möte")) == [
        NetworkMakeUpRecorded(session_id="n1", how="Extra möte")
    ]
    assert recorded(world, network("exemption", note="Beviljat")) == [
        NetworkExemptionGranted(session_id="n1", reason="Beviljat")
    ]
    world.given(FARSTA, NetworkMakeUpRecorded(session_id="n1", how="Extra"), date(2014, 3, 20))
    assert refused(world, network("exemption", note="x")).state == "session remedied"


# -- RequestSupervision / GrantSupervision -------------------------------------------------------


def request(amount: int) -> RequestSupervision:
    return RequestSupervision(
        round_id=RID, district="Farsta", amount_sek=amount, description="Handledning"
    )


def grant(amount: int) -> GrantSupervision:
    return GrantSupervision(round_id=RID, district="Farsta", amount_sek=amount, decision_ref="FoU")


def test_no_supervision_money_is_requested_in_a_round_without_a_pool() -> None:
    """Pool 0: refused; pool 1: 1 kr may be requested."""
    world = World()
    opened(world, pool=0, cap=0)
    applied(world, "Farsta", 1_400_000)
    assert says(refused(world, request(1))) == (
        "round r has no supervision money",
        "supervision pool",
        "condition",
        "application submitted, plan none, awarded 0 kr, paid 0 kr",
    )
    small = World()
    opened(small, pool=1, cap=1)
    applied(small, "Farsta", 1_400_000)
    assert recorded(small, request(1)) == [
        SupervisionFundsRequested(amount_sek=1, description="Handledning")
    ]


def test_supervision_requests_add_up_to_at_most_the_cap(world: World) -> None:
    """10 000 requested: 15 000 more up to the 25 000 cap, not 15 001."""
    supervision(world, 10_000)
    assert recorded(world, request(15_000))
    assert says(refused(world, request(15_001))) == (
        f"Farsta may have at most 25{NBSP}000 kr of supervision money; 10{NBSP}000 kr is "
        "already requested",
        "supervision cap per project",
        "condition",
        f"requested 10{NBSP}000 kr",
    )


def test_supervision_is_granted_only_on_a_request(world: World) -> None:
    """No request: refused, saying why."""
    assert says(refused(world, grant(1))) == (
        "Farsta has not requested supervision money; it is granted only on a request that "
        "describes the joint supervision",
        "supervision on request",
        "condition",
        "no request",
    )


def test_supervision_grants_add_up_to_at_most_what_was_requested(world: World) -> None:
    """Requested 20 000, granted 15 000: 5 000 more, not 5 001."""
    supervision(world, 20_000, 15_000)
    assert recorded(world, grant(5_000)) == [
        SupervisionFundsGranted(amount_sek=5_000, decision_ref="FoU")
    ]
    assert says(refused(world, grant(5_001))) == (
        f"more than the 20{NBSP}000 kr requested",
        "supervision within request",
        "condition",
        f"granted 15{NBSP}000 kr",
    )


def test_supervision_grants_add_up_to_at_most_the_cap(world: World) -> None:
    """Requested 30 000 (before the cap), granted 10 000: 15 000 more, not 15 001."""
    supervision(world, 30_000, 10_000)
    assert recorded(world, grant(15_000))
    assert says(refused(world, grant(15_001))) == (
        f"Farsta may be granted at most 25{NBSP}000 kr of supervision money",
        "supervision cap per project",
        "condition",
        f"granted 10{NBSP}000 kr",
    )


def test_supervision_grants_in_a_round_add_up_to_at_most_its_pool() -> None:
    """Pool 30 000, 10 000 to Skarpnäck: 20 000 to Farsta, not 20 001."""
    world = World()
    opened(world, pool=30_000, cap=25_000)
    applied(world, "Farsta", 1_400_000)
    applied(world, "Skarpnäck", 600_000)
    supervision(world, 25_000)
    supervision(world, 10_000, 10_000, stream=SKARPNACK)
    assert recorded(world, grant(20_000))
    assert says(refused(world, grant(20_001))) == (
        f"the supervision pool of 30{NBSP}000 kr has 20{NBSP}000 kr left",
        "supervision pool",
        "condition",
        f"pool granted 10{NBSP}000 kr",
    )


# -- Disburse -------------------------------------------------------------------------------


def pay(
    amount: int, ref: str = "U-2", purpose: str = "grant", district: str = "Farsta"
) -> Disburse:
    return Disburse(
        round_id=RID,
        district=district,
        amount_sek=amount,
        payment_reference=ref,
        purpose=purpose,  # type: ignore[arg-type]
    )


def test_a_payment_reference_is_used_once_in_the_round(world: World) -> None:
    """The same payment again is already on record; the reference for anything else is
    refused, whichever payment of the round used it."""
    awarded(world, FARSTA, 600_000)
    awarded(world, SKARPNACK, 400_000)
    plan_approved(world)
    plan_approved(world, SKARPNACK)
    paid(world, 50_000, "U-0")
    first = paid(world, 100_000, "U-1")
    paid(world, 70_000, "U-9", stream=SKARPNACK)
    again = world.decide(pay(100_000, "U-1"), TODAY)
    assert again == Decision(
        already=En(f"payment U-1 of 100{NBSP}000 kr to Farsta is already recorded")
    )
    used = (
        f"payment reference U-1 is already used for 100{NBSP}000 kr (grant) to Farsta; a "
        "reference is used once in a round",
        "payment reference unique in the round",
        "invalid",
        f"reference at position {first.position}",
    )
    assert says(refused(world, pay(99_999, "U-1"))) == used
    assert says(refused(world, pay(100_000, "U-1", district="Skarpnäck"))) == used
    supervision(world, 25_000, 25_000)
    assert says(refused(world, pay(100_000, "U-1", "supervision"))) == used
    assert recorded(world, pay(1, "U-3")) == [
        DisbursementMade(amount_sek=1, purpose="grant", payment_reference="U-3")
    ]


def test_a_payment_is_at_most_what_may_be_paid_for_its_purpose(world: World) -> None:
    """Awarded 600 000, paid 500 000: 100 000 more, not 100 001; supervision apart."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, 500_000)
    assert recorded(world, pay(100_000))
    assert says(refused(world, pay(100_001))) == (
        f"cannot pay 100{NBSP}001 kr (grant) to Farsta: 100{NBSP}000 kr may be paid now "
        f"(award 600{NBSP}000 kr less paid 500{NBSP}000 kr)",
        "payable grant",
        "condition",
        f"payable 100{NBSP}000 kr",
    )
    supervision(world, 25_000, 20_000)
    assert recorded(world, pay(20_000, purpose="supervision")) == [
        DisbursementMade(amount_sek=20_000, purpose="supervision", payment_reference="U-2")
    ]
    assert refused(world, pay(20_001, purpose="supervision")).rule == "payable supervision"


def test_a_payment_is_judged_on_the_conditions_at_the_end_of_its_day(world: World) -> None:
    """The year-end account is due on 15 December: paid that day, not the day after."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    world.given(
        ROUND,
        DeadlineSet(code="year_end_account", due_on=TODAY, reason="Bokslut"),
        date(2014, 2, 1),
    )
    assert recorded(world, pay(1))
    no = refused(world, pay(1), date(2014, 12, 16))
    assert no.reason is not None
    assert no.reason["why"] == BLOCKED(conditions=(Named("condition", "year_end_account"),))


# -- SubmitFollowUp / SubmitFinancialReport / SubmitYearEndAccount -------------------------------


def test_a_follow_up_covers_the_rounds_period_unless_it_says_otherwise(world: World) -> None:
    """Kind, indicators and self-financing plan as given; the period defaults to the round's."""
    cmd = SubmitFollowUp(
        round_id=RID,
        district="Farsta",
        kind="annual",
        indicators={"target_group_size": 40, "pupils_reached": 30},
        self_financing_plan="Egen budget",
    )
    indicators = FollowUpIndicators(target_group_size=40, pupils_reached=30)
    assert recorded(world, cmd) == [
        FollowUpSubmitted(
            kind="annual",
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            indicators=indicators,
            self_financing_plan="Egen budget",
        )
    ]
    own = cmd.model_copy(
        update={"kind": "annual", "period_start": date(2014, 3, 1), "period_end": date(2014, 6, 30)}
    )
    assert recorded(world, own) == [
        FollowUpSubmitted(
            kind="annual",
            period_start=date(2014, 3, 1),
            period_end=date(2014, 6, 30),
            indicators=indicators,
            self_financing_plan="Egen budget",
        )
    ]


def test_a_follow_up_with_inconsistent_indicators_is_refused(world: World) -> None:
    """More drop-outs than pupils reached is not a follow-up."""
    cmd = SubmitFollowUp(
        round_id=RID,
        district="Farsta",
        kind="t2",
        indicators={"target_group_size": 40, "pupils_reached": 3, "unplanned_dropouts": 4},
    )
    no = refused(world, cmd)
    assert (no.rule, no.kind) == ("well-formed input", "invalid")
    assert en(no.reason) == (
        "the input is not well-formed: -: Value error, unplanned_dropouts exceeds pupils_reached"
    )


def test_a_financial_report_records_what_it_says(world: World) -> None:
    """Kind, spent and forecast as given."""
    paid(world, 500_000)
    cmd = SubmitFinancialReport(
        round_id=RID, district="Farsta", kind="final", spent_sek=500_000, forecast_sek=600_000
    )
    assert recorded(world, cmd) == [
        FinancialReportSubmitted(kind="final", spent_sek=500_000, forecast_sek=600_000)
    ]


def test_a_final_report_above_what_was_paid_plus_own_contribution_needs_an_explanation() -> None:
    """Issue 21, 2018: 100 000 own contribution and 400 000 paid; 500 000 spent is taken,
    500 001 refused naming the figures, taken with an explanation (kept); a T2 report is a
    forecast of the year and is not held to it."""
    world = World()
    opened(world, policy="sst-2018")
    lines = (
        BudgetLine(label="Egen insats", amount_sek=100_000, own_contribution=True),
        BudgetLine(label="Personal", amount_sek=1_500_000),
    )
    event = ApplicationSubmitted(
        round_id=RID, project_id="farsta", **form("Farsta", 1_400_000, budget_lines=lines)
    )
    world.given(FARSTA, event, date(2013, 5, 31))
    paid(world, 400_000)

    def final(spent: int, why: str | None = None) -> SubmitFinancialReport:
        return SubmitFinancialReport(
            round_id=RID,
            district="Farsta",
            kind="final",
            spent_sek=spent,
            forecast_sek=spent,
            overspend_explanation=why,
        )

    assert recorded(world, final(500_000))
    assert says(refused(world, final(500_001)))[:2] == (
        f"the account says 500{NBSP}001 kr was spent, more than the 400{NBSP}000 kr paid "
        f"plus 100{NBSP}000 kr own contribution: correct the figure or explain why",
        "accounts within what was paid",
    )
    [taken] = recorded(world, final(900_000, "Extra personal under hösten"))
    assert taken.overspend_explanation == "Extra personal under hösten"
    t2 = final(900_000).model_copy(update={"kind": "t2"})
    assert recorded(world, t2)


def year_end(spent: int = 600_000, supervision_spent: int | None = None) -> SubmitYearEndAccount:
    return SubmitYearEndAccount(
        round_id=RID,
        district="Farsta",
        spent_sek=spent,
        spent_outside_plan_sek=1_000,
        cost_description="Enligt plan",
        supervision_spent_sek=supervision_spent,
        on=date(2015, 1, 20),
    )


def test_a_year_end_account_without_supervision_money_need_not_state_it(world: World) -> None:
    """None paid: unstated or 0 is fine, 1 kr spent is refused."""
    day = date(2015, 1, 20)
    paid(world, 600_000)
    assert recorded(world, year_end(), day) == [
        YearEndAccountSubmitted(
            spent_sek=600_000, spent_outside_plan_sek=1_000, cost_description="Enligt plan"
        )
    ]
    assert recorded(world, year_end(supervision_spent=0), day)
    assert says(refused(world, year_end(supervision_spent=1), day)) == (
        "supervision spent 1 kr is more than the 0 kr paid; account the rest under the grant",
        "supervision accounted apart",
        "invalid",
        f"application submitted, plan none, awarded 0 kr, paid 600{NBSP}000 kr",
    )


def test_a_year_end_account_states_the_supervision_money_used(world: World) -> None:
    """25 000 paid: unstated is refused, 25 000 used is fine, 25 001 is refused."""
    day = date(2015, 1, 20)
    paid(world, 600_000)
    supervision(world, 25_000, 25_000, 25_000)
    assert says(refused(world, year_end(), day)) == (
        f"Farsta was paid 25{NBSP}000 kr of supervision money: the account must say how much "
        "of it was used",
        "supervision accounted apart",
        "invalid",
        f"application submitted, plan none, awarded 0 kr, paid 625{NBSP}000 kr",
    )
    assert recorded(world, year_end(supervision_spent=25_000), day) == [
        YearEndAccountSubmitted(
            spent_sek=600_000,
            spent_outside_plan_sek=1_000,
            cost_description="Enligt plan",
            supervision_spent_sek=25_000,
        )
    ]
    assert refused(world, year_end(supervision_spent=25_001), day).rule == (
        "supervision accounted apart"
    )


def test_a_year_end_account_spends_outside_the_plan_at_most_what_it_spends(world: World) -> None:
    """1 000 outside the plan of 999 spent is refused as ill-formed."""
    no = refused(world, year_end(spent=999), date(2015, 1, 20))
    assert (no.rule, no.kind) == ("well-formed input", "invalid")
    assert en(no.reason) == (
        "the input is not well-formed: -: Value error, spent_outside_plan_sek exceeds spent_sek"
    )


def test_a_year_end_account_above_what_was_paid_needs_an_explanation(world: World) -> None:
    """Issue 21: 400 000 paid, 25 000 supervision paid and used; 600 000 spent of the grant
    is refused naming both figures (and nothing recorded); with an explanation it is taken
    and kept; 400 000 is taken without one; an annulled payment does not count as paid."""
    day = date(2015, 1, 20)
    payment = paid(world, 400_000)
    supervision(world, 25_000, 25_000, 25_000)
    over = year_end(supervision_spent=25_000)
    assert says(refused(world, over, day))[:3] == (
        f"the account says 625{NBSP}000 kr was spent, more than the 425{NBSP}000 kr paid "
        "plus 0 kr own contribution: correct the figure or explain why",
        "accounts within what was paid",
        "invalid",
    )
    explained = over.model_copy(update={"overspend_explanation": "Hyra i förskott"})
    [event] = recorded(world, explained, day)
    assert event.overspend_explanation == "Hyra i förskott"
    assert recorded(world, year_end(spent=400_000, supervision_spent=25_000), day)
    annul_payment(world, payment)
    assert refused(world, year_end(spent=1_000, supervision_spent=25_000), day).rule == (
        "accounts within what was paid"
    )


# -- DemandRepayment / SettleRepayment ----------------------------------------------------


def demand(
    amount: int, due: date = date(2015, 3, 31), on: date | None = date(2015, 2, 1)
) -> DemandRepayment:
    return DemandRepayment(
        round_id=RID, district="Farsta", amount_sek=amount, reason="Oanvänt", due_on=due, on=on
    )


def settle(amount: int, waive: bool = False, reason: str | None = None) -> SettleRepayment:
    return SettleRepayment(
        round_id=RID,
        district="Farsta",
        amount_sek=amount,
        waive=waive,
        reference="I-1",
        reason=reason,
        on=date(2015, 3, 1),
    )


@pytest.fixture
def owing(world: World) -> World:
    """Farsta: awarded and paid 600 000, accounted 550 000 used: 50 000 owed back."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, 600_000)
    account(world, 550_000)
    return world


def test_what_is_demanded_back_is_at_most_what_is_owed_and_not_yet_demanded(owing: World) -> None:
    """50 000 owed, 20 000 demanded: 30 000 more, not 30 001."""
    day = date(2015, 2, 10)
    demanded(owing, 20_000)
    assert recorded(owing, demand(30_000), day) == [
        RepaymentDemanded(amount_sek=30_000, reason="Oanvänt", due_on=date(2015, 3, 31))
    ]
    no = refused(owing, demand(30_001), day)
    assert says(no) == (
        f"cannot demand 30{NBSP}001 kr back from Farsta: 30{NBSP}000 kr is owed and not yet "
        f"demanded (paid 600{NBSP}000 kr, used according to plan 550{NBSP}000 kr (spent "
        f"550{NBSP}000 kr, of which 0 kr outside the plan): 50{NBSP}000 kr to pay back; "
        f"demanded 20{NBSP}000 kr, received or waived 0 kr)",
        "demand within owed",
        "condition",
        f"owed 50{NBSP}000 kr",
    )


def test_a_repayment_is_due_on_or_after_the_day_it_is_demanded(owing: World) -> None:
    """Demanded on 1 February: due that day or later, not the day before; undated, today."""
    day = date(2015, 2, 10)
    assert recorded(owing, demand(1, due=date(2015, 2, 1)), day)
    assert recorded(owing, demand(1, due=date(2015, 2, 5)), day)
    assert says(refused(owing, demand(1, due=date(2015, 1, 31)), day)) == (
        "the due date 2015-01-31 is before the demand",
        "due after demand",
        "invalid",
        f"application submitted, plan approved, awarded 600{NBSP}000 kr, paid 600{NBSP}000 kr",
    )
    assert recorded(owing, demand(1, due=day, on=None), day)
    assert refused(owing, demand(1, due=date(2015, 2, 9), on=None), day).rule == (
        "due after demand"
    )


def test_settling_is_at_most_what_is_demanded_and_not_yet_settled(owing: World) -> None:
    """20 000 demanded, 5 000 received: 15 000 more, not 15 001."""
    demanded(owing, 20_000)
    owing.given(
        FARSTA, RepaymentReceived(amount_sek=5_000, payment_reference="I-0"), date(2015, 2, 20)
    )
    day = date(2015, 3, 1)
    assert recorded(owing, settle(15_000), day) == [
        RepaymentReceived(amount_sek=15_000, payment_reference="I-1")
    ]
    assert says(refused(owing, settle(15_001), day)) == (
        f"15{NBSP}001 kr is more than the 15{NBSP}000 kr demanded from Farsta and not yet settled",
        "settle within demanded",
        "condition",
        f"outstanding 15{NBSP}000 kr",
    )


def test_a_waiver_gives_its_reason(owing: World) -> None:
    """A waiver without a reason is refused; with one it is recorded as a waiver."""
    demanded(owing, 20_000)
    day = date(2015, 3, 1)
    assert says(refused(owing, settle(1_000, waive=True), day)) == (
        "a waiver needs a reason",
        "waivers give a reason",
        "invalid",
        f"application submitted, plan approved, awarded 600{NBSP}000 kr, paid 600{NBSP}000 kr",
    )
    assert recorded(owing, settle(1_000, waive=True, reason="Ringa belopp"), day) == [
        RepaymentWaived(amount_sek=1_000, reason="Ringa belopp", decision_ref="I-1")
    ]


# -- the ledger -----------------------------------------------------------------------------


def test_the_ledger_adds_up_money_by_kind_and_purpose(world: World) -> None:
    """Awards, grants, payments per purpose, demands, receipts, waivers; every event counted."""
    awarded(world, FARSTA, 600_000)
    awarded(world, FARSTA, 100_000, "SN 2")
    supervision(world, 25_000, 20_000, 15_000)
    paid(world, 400_000, "U-1")
    paid(world, 50_000, "U-2")
    world.given(FARSTA, RepaymentDemanded(amount_sek=9_000, reason="x", due_on=TODAY), TODAY)
    world.given(FARSTA, RepaymentReceived(amount_sek=2_000, payment_reference="I"), TODAY)
    world.given(FARSTA, RepaymentWaived(amount_sek=3_000, reason="r", decision_ref="D"), TODAY)
    ledger = fold_ledger(world.stream(FARSTA))
    assert ledger == Ledger(
        awarded_sek=700_000,
        disbursed_grant_sek=450_000,
        supervision_granted_sek=20_000,
        disbursed_supervision_sek=15_000,
        repayment_demanded_sek=9_000,
        repayment_received_sek=2_000,
        repayment_waived_sek=3_000,
        events=11,
    )
    assert (ledger.disbursed_sek, ledger.repayment_outstanding_sek) == (465_000, 4_000)
    assert Ledger(repayment_demanded_sek=1, repayment_received_sek=2).repayment_outstanding_sek == 0


def test_an_annulment_takes_its_money_out_of_the_ledger(world: World) -> None:
    """The annulled payment drops out; an annulment of a non-money event changes no money."""
    first = paid(world, 400_000, "U-1")
    paid(world, 50_000, "U-2")
    application = world.stream(FARSTA)[0]
    world.given(FARSTA, EventAnnulled(annulled_event_id=first.event_id, reason="Fel"), TODAY)
    world.given(FARSTA, EventAnnulled(annulled_event_id=application.event_id, reason="x"), TODAY)
    builder = LedgerBuilder()
    for r in world.stream(FARSTA):
        builder.apply(r)
    assert builder.result() == Ledger(disbursed_grant_sek=50_000, events=5)
    assert builder.entries == {world.stream(FARSTA)[2].event_key: ("disbursed_grant_sek", 50_000)}


# -- small values the board shows -----------------------------------------------------------


def test_amounts_and_days_are_shown_the_swedish_way() -> None:
    """Groups of three split by a no-break space; the day is Stockholm's."""
    assert fmt_sek(1_134_896) == f"1{NBSP}134{NBSP}896 kr"
    assert fmt_sek(0) == "0 kr"
    assert today_in_stockholm(datetime(2014, 12, 31, 23, 30, tzinfo=UTC)) == date(2015, 1, 1)


def test_what_may_be_paid_and_what_is_owed_back_add_up() -> None:
    """Per purpose; still due is the larger of owed and demanded less what is settled."""
    payable = Payable(100, 7, En("r"))
    assert (payable.total_sek, payable.for_purpose("supervision")) == (107, 7)
    assert payable.for_purpose("grant") == 100
    owed = Repayment(50, 20, 30, En("r"), supervision_owed_sek=5)
    assert (owed.grant_owed_sek, owed.due_sek, owed.undemanded_sek) == (45, 20, 30)
    over_demanded = Repayment(10, 30, 0, En("r"))
    assert (over_demanded.due_sek, over_demanded.undemanded_sek) == (30, 0)
    assert Repayment(10, 10, 11, En("r")).due_sek == 0
    unmet = Condition("x", ConditionStatus.unmet, En("r"), blocks="supervision")
    assert unmet.blocking
    assert not Condition("x", ConditionStatus.unmet, En("r"), blocks="").blocking
    assert not Condition("x", ConditionStatus.met, En("r")).blocking
    grant = Condition("g", ConditionStatus.unmet, En("r"))
    assessment = Assessment((unmet, grant), Payable(0, 1, En("r")), owed, "s", None)
    assert (assessment.blocking, assessment.may_be_paid) == (("g",), True)
    assert not Assessment((), Payable(0, 0, En("r")), owed, "s", None).may_be_paid


# -- dated obligations ------------------------------------------------------------------------


def test_a_dated_obligation_is_met_not_due_or_missing() -> None:
    """Met once done (late says by how much); unmet only after its day; not due before."""
    world = World()
    done = world.given(
        FARSTA, FinancialReportSubmitted(kind="t2", spent_sek=1, forecast_sek=1), date(2015, 1, 20)
    )
    due = date(2015, 1, 15)
    dated = Policy.dated
    assert dated("c", "The report", due, done, date(2015, 2, 1), blocks="") == Condition(
        "c",
        ConditionStatus.met,
        En("The report submitted on 2015-01-20, 5 days after the 2015-01-15 deadline"),
        (done,),
        blocks="",
        due_on=due,
    )
    assert dated("c", "The report", date(2015, 1, 20), done, date(2015, 2, 1)) == Condition(
        "c",
        ConditionStatus.met,
        En("The report submitted on 2015-01-20"),
        (done,),
        due_on=date(2015, 1, 20),
    )
    assert dated("c", "The report", None, done, date(2015, 2, 1)) == Condition(
        "c", ConditionStatus.met, En("The report submitted on 2015-01-20"), (done,)
    )
    assert dated(
        "c", "The report", None, None, date(2015, 2, 1), blocks="supervision"
    ) == Condition(
        "c",
        ConditionStatus.not_yet_due,
        En("The report: the date is not yet set by the city"),
        blocks="supervision",
    )
    unset = Named("report", "year_end_account")
    assert en(dated("c", "The report", None, None, due, unset=unset).reason) == (
        "the year-end account: the date is not yet set by the city"
    )
    assert dated("c", "The report", due, None, due, blocks="") == Condition(
        "c",
        ConditionStatus.not_yet_due,
        En("The report is due on 2015-01-15"),
        blocks="",
        due_on=due,
    )
    assert dated("c", "The report", due, None, date(2015, 1, 16), blocks="") == Condition(
        "c",
        ConditionStatus.unmet,
        En("The report was due on 2015-01-15 and is missing"),
        blocks="",
        due_on=due,
        since=due,
    )


def test_the_next_deadline_is_the_earliest_one_not_met() -> None:
    """Met and undated obligations do not count; on the same day, by code."""
    d1, d2 = date(2015, 1, 1), date(2015, 2, 1)
    conditions = (
        Condition("a", ConditionStatus.met, En("r"), due_on=date(2014, 1, 1)),
        Condition("z", ConditionStatus.unmet, En("r"), due_on=d2),
        Condition("y", ConditionStatus.not_yet_due, En("r"), due_on=d2),
        Condition("n", ConditionStatus.unmet, En("r")),
    )
    assert Policy._next_deadline(conditions) == ("y", d2)
    assert Policy._next_deadline(
        (*conditions, Condition("x", ConditionStatus.unmet, En("r"), due_on=d1))
    ) == ("x", d1)
    assert Policy._next_deadline(conditions[:1]) is None


# -- the shared conditions ----------------------------------------------------------------


def shared(world: World, today: date = TODAY, stream: str = FARSTA) -> list[Condition]:
    rnd, project = states(world, stream)
    return Policy()._shared_conditions(rnd, project, today)


def test_the_application_and_award_conditions(world: World) -> None:
    """Application submitted or withdrawn or missing; the awards with their decisions."""
    application = world.stream(FARSTA)[0]
    first = awarded(world, FARSTA, 600_000)
    second = awarded(world, FARSTA, 100_000, "SN 2")
    assert shared(world) == [
        Condition(
            "application",
            ConditionStatus.met,
            En("application submitted on 2013-05-31"),
            (application,),
        ),
        Condition(
            "awarded",
            ConditionStatus.met,
            En(f"awarded 700{NBSP}000 kr (SN 1 and SN 2)"),
            (first, second),
        ),
    ]
    late = datetime(2014, 6, 1, 22, 30, tzinfo=UTC)  # 2 June in Stockholm
    withdrawn = world.given(SKARPNACK, ApplicationWithdrawn(reason="Nej"), late)
    assert shared(world, stream=SKARPNACK) == [
        Condition(
            "application",
            ConditionStatus.unmet,
            En("the application was withdrawn"),
            (withdrawn,),
            since=date(2014, 6, 2),
        ),
        Condition("awarded", ConditionStatus.unmet, En("no award decision on record")),
    ]
    assert shared(world, stream=f"project:{RID}:enskede")[0] == Condition(
        "application", ConditionStatus.unmet, En("no application on record")
    )


def test_money_demanded_back_blocks_once_it_is_overdue(owing: World) -> None:
    """Due on 31 March: not blocking that day, blocking from 1 April until settled."""
    demand_ = demanded(owing, 20_000)
    assert [c.code for c in shared(owing, date(2015, 3, 31))] == ["application", "awarded"]
    repayment = Condition(
        "repayment_settled",
        ConditionStatus.unmet,
        En(f"20{NBSP}000 kr demanded back, due 2015-03-31, is not paid"),
        (demand_,),
        due_on=date(2015, 3, 31),
        since=date(2015, 3, 31),
    )
    assert shared(owing, date(2015, 4, 1))[2] == repayment
    owing.given(
        FARSTA, RepaymentReceived(amount_sek=15_000, payment_reference="I"), date(2015, 4, 2)
    )
    assert en(shared(owing, date(2015, 4, 3))[2].reason) == (
        f"5{NBSP}000 kr demanded back, due 2015-03-31, is not paid"
    )
    owing.given(
        FARSTA, RepaymentWaived(amount_sek=4_999, reason="r", decision_ref="D"), date(2015, 4, 3)
    )
    assert shared(owing, date(2015, 4, 4))[2].reason == (
        En("1 kr demanded back, due 2015-03-31, is not paid")
    )
    owing.given(
        FARSTA, RepaymentWaived(amount_sek=1, reason="r", decision_ref="D"), date(2015, 4, 3)
    )
    assert [c.code for c in shared(owing, date(2015, 4, 4))] == ["application", "awarded"]


def test_the_first_overdue_demand_dates_the_repayment_condition(owing: World) -> None:
    """Two overdue demands: both are evidence; the first one's due date is shown."""
    one = demanded(owing, 10_000, date(2015, 3, 1))
    two = demanded(owing, 5_000, date(2015, 3, 15))
    condition = shared(owing, date(2015, 4, 1))[2]
    assert (en(condition.reason), condition.evidence, condition.due_on) == (
        f"15{NBSP}000 kr demanded back, due 2015-03-01, is not paid",
        (one, two),
        date(2015, 3, 1),
    )


def test_a_closed_round_blocks_grant_payments(world: World) -> None:
    """The round_open condition says when it closed."""
    closed = world.given(ROUND, RoundClosed(reason="Klar"), date(2015, 6, 1))
    assert shared(world, date(2015, 6, 2))[-1] == Condition(
        "round_open",
        ConditionStatus.unmet,
        En("the round was closed on 2015-06-01"),
        (closed,),
        since=date(2015, 6, 1),
    )


# -- what may be paid -------------------------------------------------------------------------


def test_what_may_be_paid_is_the_award_less_what_was_paid(world: World) -> None:
    """Awarded 600 000, paid 450 000: 150 000; supervision granted less paid, apart."""
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, 450_000)
    rnd, project = states(world)
    assert PILOT.payable(rnd, project, end_of_day(TODAY)) == Payable(
        150_000, 0, En(f"award 600{NBSP}000 kr less paid 450{NBSP}000 kr")
    )
    supervision(world, 25_000, 20_000, 15_000)
    rnd, project = states(world)
    assert PILOT.payable(rnd, project, end_of_day(TODAY)) == Payable(
        150_000,
        5_000,
        En(f"award 600{NBSP}000 kr less paid 450{NBSP}000 kr; supervision 5{NBSP}000 kr"),
    )


def test_an_award_paid_in_full_or_over_leaves_nothing_to_pay(world: World) -> None:
    """Paid 600 000 of 600 000, or of 500 000: 0 kr, the award is paid in full."""
    award_ = awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, 600_000)
    rnd, project = states(world)
    full = Payable(0, 0, En(f"the award of 600{NBSP}000 kr is paid in full"))
    assert PILOT.payable(rnd, project, end_of_day(TODAY)) == full
    world.given(FARSTA, EventAnnulled(annulled_event_id=award_.event_id, reason="x"), TODAY)
    awarded(world, FARSTA, 500_000, "SN 2")
    rnd, project = states(world)
    assert PILOT.payable(rnd, project, end_of_day(TODAY)).grant_sek == 0


def test_nothing_awarded_nothing_payable(world: World) -> None:
    """No award: blocked by it; with no blocking condition, 0 less 0."""
    rnd, project = states(world)
    assert PILOT.payable(rnd, project, end_of_day(TODAY)) == Payable(
        0, 0, En("blocked by grant awarded and work plan approved by the steering group")
    )
    assert Policy()._payable(rnd, project, ()) == Payable(0, 0, En("award 0 kr less paid 0 kr"))


def test_a_condition_blocks_only_what_it_says(world: World) -> None:
    """Unmet and blocking supervision: the grant is still payable, supervision money is not;
    unmet and blocking the grant: nothing is payable."""
    awarded(world, FARSTA, 600_000)
    supervision(world, 25_000, 20_000)
    rnd, project = states(world)
    stops_supervision = Condition("s", ConditionStatus.unmet, En("r"), blocks="supervision")
    stops_nothing = Condition("n", ConditionStatus.unmet, En("r"), blocks="")
    policy = Policy()
    assert policy._payable(rnd, project, (stops_nothing,)) == Payable(
        600_000, 20_000, En(f"award 600{NBSP}000 kr less paid 0 kr; supervision 20{NBSP}000 kr")
    )
    assert policy._payable(rnd, project, (stops_supervision,)) == Payable(
        600_000, 0, En(f"award 600{NBSP}000 kr less paid 0 kr")
    )
    stops_grant = Condition("g", ConditionStatus.unmet, En("r"))
    assert policy._payable(rnd, project, (stops_supervision, stops_grant)) == Payable(
        0, 0, En("blocked by g")
    )
    paid(world, 25_000, "F-1", purpose="supervision")
    rnd, project = states(world)
    assert policy._supervision_payable(project, ()) == 0


# -- what is owed back ------------------------------------------------------------------------


def owed(world: World, policy: Policy = PILOT) -> Repayment:
    _, project = states(world)
    return policy.repayment(project)


def test_money_not_used_according_to_plan_is_owed_back(owing: World) -> None:
    """Paid 600 000, used 550 000: 50 000, with the account and the payments as evidence;
    then what is demanded, received and waived."""
    project = states(owing)[1]
    assert project.year_end_account is not None
    evidence = (project.year_end_account, *project.disbursements)
    why = (
        f"paid 600{NBSP}000 kr, used according to plan 550{NBSP}000 kr (spent 550{NBSP}000 kr, "
        f"of which 0 kr outside the plan): 50{NBSP}000 kr to pay back"
    )
    assert owed(owing) == Repayment(50_000, 0, 0, En(why), evidence)
    demand_ = demanded(owing, 30_000)
    assert owed(owing) == Repayment(
        50_000,
        30_000,
        0,
        En(f"{why}; demanded 30{NBSP}000 kr, received or waived 0 kr"),
        (*evidence, demand_),
    )
    got = owing.given(FARSTA, RepaymentReceived(amount_sek=10_000, payment_reference="I"), TODAY)
    off = owing.given(
        FARSTA, RepaymentWaived(amount_sek=5_000, reason="r", decision_ref="D"), TODAY
    )
    assert owed(owing) == Repayment(
        50_000,
        30_000,
        15_000,
        En(f"{why}; demanded 30{NBSP}000 kr, received or waived 15{NBSP}000 kr"),
        (*evidence, demand_, got, off),
    )


def test_money_paid_beyond_the_award_is_owed_back_whatever_the_accounts_say(world: World) -> None:
    """Award cut to 500 000 after 600 000 was paid: 100 000 owed back before any account;
    an account that shows the same 100 000 unused keeps its own reason."""
    award_ = awarded(world, FARSTA, 600_000)
    plan_approved(world)
    paid(world, 600_000)
    world.given(FARSTA, EventAnnulled(annulled_event_id=award_.event_id, reason="x"), TODAY)
    awarded(world, FARSTA, 500_000, "SN 2")
    project = states(world)[1]
    assert owed(world) == Repayment(
        100_000,
        0,
        0,
        En(
            f"paid 600{NBSP}000 kr against an award of 500{NBSP}000 kr: 100{NBSP}000 kr to pay back"
        ),
        (*project.awards, *project.disbursements),
    )
    account(world, 500_000)
    assert en(owed(world).reason).startswith(f"paid 600{NBSP}000 kr, used according to plan")
    assert owed(world).owed_sek == 100_000


def test_unused_supervision_money_is_owed_back_apart(world: World) -> None:
    """Paid 25 000, 20 000 used by the account: 5 000 owed back, added to the grant's."""
    supervision(world, 25_000, 25_000, 25_000)
    assert owed(world) == Repayment(0, 0, 0, En("no year-end account yet"), ())
    acct = account(world, 0, supervision_spent=20_000)
    project = states(world)[1]
    assert owed(world) == Repayment(
        5_000,
        0,
        0,
        En(
            "paid 0 kr, used according to plan 0 kr (spent 0 kr, of which 0 kr outside the plan): "
            f"0 kr to pay back; supervision paid 25{NBSP}000 kr, used 20{NBSP}000 kr: "
            f"5{NBSP}000 kr to pay back"
        ),
        (acct, *project.disbursements, acct, *project.supervision_grants),
        supervision_owed_sek=5_000,
    )


def unused_supervision(world: World, policy: Policy = PILOT) -> tuple[int, str, tuple[Any, ...]]:
    return policy.unused_supervision(states(world)[1])


def test_supervision_money_paid_beyond_its_grant_is_owed_back_at_once(world: World) -> None:
    """Granted 25 000, paid 30 000, no account yet: 5 000; paid within the grant: nothing."""
    assert unused_supervision(world) == (0, None, ())
    supervision(world, 25_000, 25_000, 25_000)
    assert unused_supervision(world) == (0, None, ())
    paid(world, 5_000, "F-2", date(2014, 5, 1), "supervision")
    project = states(world)[1]
    assert unused_supervision(world) == (
        5_000,
        En(
            f"supervision paid 30{NBSP}000 kr against a grant of 25{NBSP}000 kr: 5{NBSP}000 kr to "
            "pay back"
        ),
        (*project.supervision_grants, *project.disbursements),
    )
    acct = account(world, 0, supervision_spent=30_000)
    assert unused_supervision(world) == (
        5_000,
        En(f"supervision paid 30{NBSP}000 kr, used 30{NBSP}000 kr: 5{NBSP}000 kr to pay back"),
        (acct, *project.supervision_grants),
    )


def test_supervision_money_the_account_does_not_mention_is_owed_back(world: World) -> None:
    """An account that does not state supervision spending: all 25 000; all used: nothing."""
    supervision(world, 25_000, 25_000, 25_000)
    acct = account(world, 0)
    project = states(world)[1]
    assert unused_supervision(world) == (
        25_000,
        En(
            f"supervision paid 25{NBSP}000 kr, not stated in the account: "
            f"25{NBSP}000 kr to pay back"
        ),
        (acct, *project.supervision_grants),
    )
    account(world, 0, supervision_spent=25_000)
    assert unused_supervision(world) == (0, None, ())


def test_supervision_is_accounted_when_the_policy_says_the_year_is_accounted() -> None:
    """2018: the final financial report accounts for the year, not a year-end account."""
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta", 1_400_000)
    supervision(world, 25_000, 25_000, 25_000)
    account(world, 0, supervision_spent=0)
    assert unused_supervision(world, SST) == (0, None, ())
    world.given(FARSTA, FinancialReportSubmitted(kind="final", spent_sek=0, forecast_sek=0), TODAY)
    assert unused_supervision(world, SST)[0] == 25_000


def test_a_policy_that_names_no_account_owes_nothing_back(world: World) -> None:
    """The shared defaults: no round conditions, nothing unused, never accounted."""
    awarded(world, FARSTA, 600_000)
    paid(world, 600_000)
    rnd, project = states(world)
    policy = Policy()
    assert policy.unused_money(project) == (0, En("no final account yet"), ())
    assert not policy.accounted(project)
    assert policy.round_conditions(rnd, project, TODAY) == ()
    assert policy.status(project, policy.repayment(project)) == "paid"


# -- status -----------------------------------------------------------------------------------


def status(world: World, policy: Policy = PILOT, stream: str = FARSTA) -> str:
    _, project = states(world, stream)
    return policy.status(project, policy.repayment(project))


def test_the_status_of_a_project_through_its_life(world: World) -> None:
    """applied, awarded, plan, partly paid, paid, accounted, repayment due; withdrawn."""
    assert status(world, stream=f"project:{RID}:enskede") == "no application"
    assert status(world) == "applied"
    awarded(world, FARSTA, 600_000)
    assert status(world) == "awarded"
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), date(2014, 2, 20))
    assert status(world) == "plan submitted"
    world.given(FARSTA, PlanApproved(plan_id="p", meeting_on=date(2014, 3, 10)), date(2014, 3, 10))
    assert status(world) == "plan approved"
    paid(world, 1)
    assert status(world) == "partly paid"
    paid(world, 599_999, "U-2")
    assert status(world) == "paid"
    account(world, 600_000)
    assert status(world) == "accounted"
    world.given(FARSTA, ApplicationWithdrawn(reason="Nej"), TODAY)
    assert status(world) == "withdrawn"
    account(world, 599_999)
    assert status(world) == "repayment due"
    world.given(SKARPNACK, ApplicationWithdrawn(reason="Nej"), TODAY)
    assert status(world, stream=SKARPNACK) == "withdrawn"


def test_the_assessment_puts_the_answers_together(owing: World) -> None:
    """Conditions, payable, repayment, status and the next deadline, as asked one by one."""
    owing.given(
        ROUND,
        DeadlineSet(code="year_end_account", due_on=date(2015, 1, 31), reason="Bokslut"),
        date(2014, 2, 1),
    )
    rnd, project = states(owing)
    now = end_of_day(TODAY)
    a = PILOT.assess(rnd, project, now)
    assert a == Assessment(
        PILOT.conditions(rnd, project, now),
        PILOT.payable(rnd, project, now),
        PILOT.repayment(project),
        "repayment due",
        None,
    )
    assert [c.code for c in a.conditions] == [
        "application",
        "awarded",
        "plan_approved",
        "network_participation",
        "supervision_requested",
        "year_end_account",
    ]
    demanded(owing, 1_000, date(2015, 3, 1))
    rnd, project = states(owing)
    later = PILOT.assess(rnd, project, datetime(2015, 3, 1, 23, 30, tzinfo=UTC))
    assert later.next_deadline == ("repayment_settled", date(2015, 3, 1))

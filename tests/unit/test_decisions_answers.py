"""Answers of :mod:`policies.decisions` pinned without a database: the refusal of a role, of a
plan's step taken twice, of a lifecycle step the table does not have, and the answer to a
repayment demanded again. Each answer is pinned by its reason (code and parameters), its rule
and its kind, since that is what the machinery says to people."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from events import (
    DisbursementMade,
    Instalment,
    NetworkSessionScheduled,
    PaymentPlanSet,
    PlanRejected,
    PlanSubmitted,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    ReportAccepted,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
    YearEndAccountSubmitted,
)
from policies.commands import (
    Annul,
    AttachDocument,
    AwardGrant,
    DecidePlan,
    DemandRepayment,
    RecordNetwork,
    SubmitPlan,
)
from policies.corrections import ANNUL_MONEY_LEFT, ANNUL_PAYMENT_FOUR_EYES
from policies.decisions import (
    ALREADY_DEMANDED,
    DOCUMENT_NOT_STORED,
    ILLEGAL_STEP,
    MAY_NOT_COMMAND,
    NO_DISTRICT,
    NOT_ON_RECORD,
    PAYMENT_WOULD_EXCEED,
    PLAN_DECIDED,
    PLAN_ID_USED,
    Decision,
    Refusal,
    View,
    _step,
    authorise,
    judge_on,
)
from policies.lifecycle import Machine
from policies.reason import Kronor, Named
from policies.state import STOCKHOLM
from policies.totals import RoundTotals
from tests.unit.world import (
    FARSTA,
    RID,
    ROUND,
    TODAY,
    World,
    applied,
    awarded,
    opened,
    plan_approved,
    refused,
)


def pinned(refusal: Refusal) -> tuple[Any, ...]:
    """What a refusal decides: its reason, rule and kind."""
    return refusal.reason, refusal.rule, refusal.kind


def test_a_role_refused_names_the_role_the_command_and_the_roles_that_may() -> None:
    """A district may not decide on plans: only the steering group may (seed: the steering
    group approves the plans)."""
    decide = DecidePlan(round_id=RID, district="Farsta", plan_id="p", approve=True,
                        meeting_on=date(2014, 3, 10))  # fmt: skip
    with pytest.raises(Refusal) as caught:
        authorise(decide, "district", "farsta")
    assert pinned(caught.value) == (
        MAY_NOT_COMMAND(
            role=Named("role", "district"),
            command=Named("verb", "decide on plans"),
            roles=(Named("role", "steering_group"),),
        ),
        "roles",
        "not_authorised",
    )


def test_a_refusal_without_a_message_says_its_reason() -> None:
    reason = PLAN_ID_USED(plan="p", status=Named("plan_status", "approved"))
    refusal = Refusal(command="submit", project="r:farsta", state="plan approved",
                      rule="plan lifecycle", reason=reason)  # fmt: skip
    assert refusal.message == str(reason)
    assert str(refusal) == f"{reason} [submit; r:farsta; plan approved; rule: plan lifecycle]"


def _planned() -> World:
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    plan_approved(world)
    return world


def test_a_plan_id_in_use_is_not_submitted_again() -> None:
    world = _planned()
    again = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="Ny plan")
    no = refused(world, again)
    assert pinned(no) == (
        PLAN_ID_USED(plan="p", status=Named("plan_status", "approved")),
        "plan lifecycle",
        "invalid",
    )
    assert no.state == "plan approved"


def test_a_plan_decided_is_not_decided_again_and_a_rejection_records_its_decision() -> None:
    world = _planned()
    again = DecidePlan(round_id=RID, district="Farsta", plan_id="p", approve=False,
                       meeting_on=date(2014, 4, 1), reason="Oklar")  # fmt: skip
    no = refused(world, again)
    assert pinned(no) == (
        PLAN_DECIDED(plan="p", status=Named("plan_status", "approved")),
        "plan lifecycle",
        "invalid",
    )
    world.given(FARSTA, PlanSubmitted(plan_id="q", summary="Plan 2"), date(2014, 3, 20))
    reject = again.model_copy(
        update={"plan_id": "q", "diary_number": "UTB 2014/7", "minutes_ref": "P 4 §2"}
    )
    assert world.decide(reject, TODAY).appends == (
        (FARSTA, (PlanRejected(plan_id="q", meeting_on=date(2014, 4, 1), reason="Oklar",
                               diary_number="UTB 2014/7", minutes_ref="P 4 §2"),)),
    )  # fmt: skip


def test_a_repayment_demanded_again_is_already_on_record_naming_amount_district_and_day() -> None:
    world = _planned()
    due = date(2015, 3, 31)
    world.given(FARSTA, RepaymentDemanded(amount_sek=300, reason="Ej använt", due_on=due),
                date(2015, 2, 1))  # fmt: skip
    again = DemandRepayment(round_id=RID, district="Farsta", amount_sek=300,
                            reason="Ej använt", due_on=due)  # fmt: skip
    assert world.decide(again, date(2015, 2, 10)) == Decision(
        already=ALREADY_DEMANDED(amount=Kronor(300), district="Farsta", due_on=due)
    )


def test_a_lifecycle_step_the_table_lacks_is_refused_naming_machine_state_and_event() -> None:
    """The last guard of every lifecycle step: an approved plan is not submitted anew."""
    world = _planned()
    cmd = SubmitPlan(round_id=RID, district="Farsta", plan_id="p", summary="Ny plan")
    view: View = world.view(cmd, TODAY, None)
    with pytest.raises(Refusal) as caught:
        _step(cmd, view, Machine.plan, "approved", PlanSubmitted(plan_id="p", summary="Ny"))
    no = caught.value
    assert pinned(no) == (
        ILLEGAL_STEP(
            machine=Named("machine", "plan"),
            state=Named("state", "approved"),
            event=Named("event", "PlanSubmitted"),
        ),
        "plan lifecycle",
        "invalid",
    )
    assert (no.state, no.day) == ("plan approved", TODAY)


def test_a_district_is_known_by_its_own_name_and_unknown_ones_are_answered_with_a_dozen() -> None:
    """ "Fårsta" finds Farsta's project by its slug but never acts on it; a district the round
    does not have is answered with the first twelve it has."""
    world = World()
    opened(world, budget=100_000_000)
    names = ["Farsta"] + [f"Distrikt {chr(ord('A') + i)}" for i in range(12)]
    for name in names:
        applied(world, name)
    plan = SubmitPlan(round_id=RID, district="Fårsta", plan_id="p", summary="Plan")
    assert pinned(refused(world, plan)) == (
        NOT_ON_RECORD(district="Fårsta", recorded="Farsta"),
        "one project per district",
        "not_found",
    )
    no = refused(world, plan.model_copy(update={"district": "Nacka"}))
    assert pinned(no) == (
        NO_DISTRICT(district="Nacka", round=RID, known=tuple(sorted(names)[:12])),
        "known districts",
        "not_found",
    )


def test_a_payment_is_annulled_only_if_its_money_never_left_and_by_a_second_person() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    pay = world.given(FARSTA, DisbursementMade(amount_sek=5_000, purpose="supervision",
                                               payment_reference="U-1"),
                      date(2014, 4, 1), actor="kassa")  # fmt: skip
    left = Annul(round_id=RID, position=pay.position, reason="Fel", money_never_left=False)
    assert pinned(refused(world, left)) == (
        ANNUL_MONEY_LEFT(reference="U-1", amount=Kronor(5_000)),
        "money that left is repaid, not annulled",
        "invalid",
    )
    never_left = left.model_copy(update={"money_never_left": True})
    world.run(never_left, TODAY, actor="anna")
    with pytest.raises(Refusal) as caught:
        world.decide(never_left, TODAY, actor="kassa")
    assert pinned(caught.value) == (
        ANNUL_PAYMENT_FOUR_EYES(reference="U-1", requested_by="anna"),
        "four eyes on a payment's annulment",
        "not_authorised",
    )


def test_an_attendance_recorded_later_is_dated_on_its_sessions_day() -> None:
    """An undated attendance happened at its meeting: the command judged carries that day as
    its ``on``; one dated by hand keeps its own day."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    starts = datetime.combine(date(2014, 3, 5), time(13), STOCKHOLM)
    world.given(ROUND, NetworkSessionScheduled(session_id="n1", title="Nätverk",
                                               starts_at=starts), date(2014, 2, 1))  # fmt: skip
    attended = RecordNetwork(round_id=RID, district="Farsta", session_id="n1", outcome="attended")
    assert world.judged(attended, TODAY)[0].on == date(2014, 3, 5)
    dated = attended.model_copy(update={"on": date(2014, 3, 6)})
    assert world.judged(dated, TODAY)[0].on == date(2014, 3, 6)


def test_judging_sees_the_districts_and_the_stored_document_the_caller_read() -> None:
    """The handlers read the round's district names and what the content store holds, and
    the judgement answers with them (not with what the streams given happen to show)."""
    world = World()
    opened(world)
    plan = SubmitPlan(round_id=RID, district="Nacka", plan_id="p", summary="Plan")
    with pytest.raises(Refusal) as caught:
        judge_on(plan, world.stream(ROUND), {}, TODAY, districts=("Farsta", "Vällingby"))
    assert caught.value.reason == NO_DISTRICT(
        district="Nacka", round=RID, known=("Farsta", "Vällingby")
    )
    applied(world, "Farsta")
    attach = AttachDocument(round_id=RID, district="Farsta", attached_to="plan",
                            file_name="x.pdf", media_type="application/pdf", size_bytes=10,
                            sha256="cd" * 32)  # fmt: skip
    with pytest.raises(Refusal) as caught:
        judge_on(attach, world.stream(ROUND), {FARSTA: world.stream(FARSTA)}, TODAY,
                 held_document=None)  # fmt: skip
    assert caught.value.reason == DOCUMENT_NOT_STORED(sha256="cd" * 32)


def test_a_waiver_a_later_repayment_relied_on_is_not_annulled() -> None:
    """Money received after a waiver was counted against what the waiver left: the waiver
    stands while the repayment does."""
    world = _planned()
    due = date(2015, 3, 31)
    world.given(FARSTA, RepaymentDemanded(amount_sek=300, reason="Ej använt", due_on=due),
                date(2015, 2, 1))  # fmt: skip
    waiver = world.given(FARSTA, RepaymentWaived(amount_sek=100, reason="Skäl",
                                                 decision_ref="B-1"), date(2015, 2, 5))  # fmt: skip
    paid = world.given(FARSTA, RepaymentReceived(amount_sek=100, payment_reference="I-1"),
                       date(2015, 2, 9))  # fmt: skip
    annul = Annul(round_id=RID, position=waiver.position, reason="Fel")
    no = refused(world, annul, date(2015, 2, 10))
    assert no.reason is not None
    assert (no.reason.code, no.reason["position"], no.rule, no.command, no.state) == (
        "annul.relied_on",
        paid.position,
        "no annulment of what money relied on",
        annul.name,
        f"relied on by position {paid.position}",
    )
    # The handlers read the round's totals instead of every project: the annulment still
    # sees the whole stream of the waiver's project.
    with pytest.raises(Refusal) as caught:
        judge_on(annul, world.stream(ROUND), {FARSTA: world.stream(FARSTA)}, date(2015, 2, 10),
                 target=waiver, totals=RoundTotals())  # fmt: skip
    assert caught.value.rule == "no annulment of what money relied on"


def test_the_acceptance_that_released_money_paid_stays_while_the_payment_does() -> None:
    """The second half of the grant is released by the accepted year-end account: the
    acceptance is not annulled under 600 000 kr paid, since only 300 000 kr would be payable
    without it; under 300 000 kr paid the payment still relied on it."""
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    halves = (Instalment(percent=50, releases_on=("awarded",)),
              Instalment(percent=50, releases_on=("year_end_account_accepted",)))  # fmt: skip
    world.given(ROUND, PaymentPlanSet(instalments=halves, reason="Två"), date(2014, 1, 10))
    awarded(world, FARSTA, 600_000)
    plan_approved(world)
    account = world.given(FARSTA, YearEndAccountSubmitted(spent_sek=500_000,
                                                          cost_description="Lön"),
                          date(2014, 3, 12))  # fmt: skip
    accepted = world.given(FARSTA, ReportAccepted(report="year_end_account",
                                                  submission_id=account.event_id),
                           date(2014, 3, 14))  # fmt: skip
    annul = Annul(round_id=RID, position=accepted.position, reason="Fel")
    base = len(world.events)
    pay = world.given(FARSTA, DisbursementMade(amount_sek=600_000, purpose="grant",
                                               payment_reference="U-1"),
                      date(2014, 3, 20))  # fmt: skip
    no = refused(world, annul)
    assert pinned(no) == (
        PAYMENT_WOULD_EXCEED(ref="U-1", amount=Kronor(600_000), on=date(2014, 3, 20),
                             event=Named("event", "ReportAccepted"), may=Kronor(300_000)),
        "payments stay allowed after an annulment",
        "condition",
    )  # fmt: skip
    assert no.state == f"payment at position {pay.position}"
    del world.events[base:]
    world.given(FARSTA, DisbursementMade(amount_sek=300_000, purpose="grant",
                                         payment_reference="U-1"), date(2014, 3, 20))  # fmt: skip
    # Supervision money is paid from its own pool, not as the grant's instalments.
    world.given(FARSTA, SupervisionFundsRequested(amount_sek=5_000, description="Handledning"),
                date(2014, 3, 21))  # fmt: skip
    world.given(FARSTA, SupervisionFundsGranted(amount_sek=5_000, decision_ref="H-1"),
                date(2014, 3, 22))  # fmt: skip
    world.given(FARSTA, DisbursementMade(amount_sek=5_000, purpose="supervision",
                                         payment_reference="U-2"), date(2014, 3, 23))  # fmt: skip
    assert refused(world, annul).rule == "no annulment of what money relied on"


def test_an_award_is_judged_on_the_round_totals_the_caller_read() -> None:
    """The handlers read the round's awarded total from the read model instead of folding
    every project: the budget rule counts what they read."""
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    award = AwardGrant(round_id=RID, district="Farsta", amount_sek=300_000, decision_ref="SN 1",
                       decided_on=date(2014, 2, 1))  # fmt: skip
    histories = (world.stream(ROUND), {FARSTA: world.stream(FARSTA)})
    with pytest.raises(Refusal) as caught:
        judge_on(award, *histories, TODAY, totals=RoundTotals(awarded_sek=800_000))
    assert (caught.value.rule, caught.value.state) == (
        "total awarded within the budget",
        "round awarded 800\u00a0000 kr",
    )
    assert judge_on(award, *histories, TODAY, totals=RoundTotals(awarded_sek=700_000))[1].appends


def test_an_event_on_the_rounds_stream_is_annulled_once() -> None:
    """The round's payment plan, annulled, is not annulled again: the annulment reads the
    round's own stream."""
    world = World()
    opened(world)
    halves = (Instalment(percent=50), Instalment(percent=50))
    plan = world.given(ROUND, PaymentPlanSet(instalments=halves, reason="Två"), date(2014, 1, 10))
    annul = Annul(round_id=RID, position=plan.position, reason="Fel")
    (annulled,) = world.run(annul, TODAY)
    assert annulled.stream_id == ROUND
    no = refused(world, annul)
    assert (no.rule, no.kind, no.state) == ("annul once", "invalid", "annulled")

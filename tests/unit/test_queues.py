"""What waits for whom (policies.queues): reviews, returned reports with their reason, plans
for the steering group, supervision money asked for and not granted, overdue obligations."""

from __future__ import annotations

from datetime import date

from events import (
    FinancialReportSubmitted,
    FollowUpSubmitted,
    PlanSubmitted,
    ReportAccepted,
    ReportReturned,
    SupervisionFundsGranted,
    SupervisionFundsRequested,
)
from policies.queues import Waiting, overdue, waiting
from policies.state import fold_project
from tests.unit.world import FARSTA, World, applied, awarded, opened

REVIEWED = ("t2_follow_up", "t2_financial_report")


def test_a_project_with_nothing_handed_in_waits_for_nothing() -> None:
    w = World()
    opened(w)
    applied(w, "Farsta")
    awarded(w, FARSTA, 500_000)
    found = waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED)
    assert (found.to_review, found.returned, found.plans, found.supervision_sek) == (
        (),
        (),
        (),
        0,
    )
    assert not found.anything


def test_reports_wait_for_review_until_accepted_and_a_return_carries_its_reason() -> None:
    w = World()
    opened(w)
    applied(w, "Farsta")
    awarded(w, FARSTA, 500_000)
    w.given(
        FARSTA,
        FollowUpSubmitted(
            kind="t2",
            indicators={"target_group_size": 12, "pupils_reached": 9},
            period_start=date(2014, 1, 1),
            period_end=date(2014, 8, 31),
        ),
        date(2014, 9, 1),
    )
    report = w.given(
        FARSTA, FinancialReportSubmitted(kind="t2", spent_sek=1, forecast_sek=2), date(2014, 9, 1)
    )
    found = waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED)
    assert found.to_review == REVIEWED
    w.given(
        FARSTA,
        ReportReturned(
            report="t2_financial_report", submission_id=report.event_id, reason="Prognos saknas"
        ),
        date(2014, 9, 5),
    )
    found = waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED)
    assert found.to_review == ("t2_follow_up",)
    assert found.returned == (("t2_financial_report", "Prognos saknas"),)
    corrected = w.given(
        FARSTA, FinancialReportSubmitted(kind="t2", spent_sek=3, forecast_sek=4), date(2014, 9, 8)
    )
    found = waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED)
    assert (found.to_review, found.returned) == (REVIEWED, ())
    w.given(
        FARSTA,
        ReportAccepted(report="t2_financial_report", submission_id=corrected.event_id),
        date(2014, 9, 9),
    )
    assert waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED).to_review == ("t2_follow_up",)
    # A report the round does not review never waits for a review.
    assert waiting(fold_project(FARSTA, w.stream(FARSTA)), ()).to_review == ()


def test_plans_wait_for_the_steering_group_and_supervision_until_granted() -> None:
    w = World()
    opened(w)
    applied(w, "Farsta")
    awarded(w, FARSTA, 500_000)
    w.given(FARSTA, PlanSubmitted(plan_id="plan-1", summary="Plan"), date(2014, 2, 20))
    w.given(
        FARSTA,
        SupervisionFundsRequested(amount_sek=25_000, description="Handledning"),
        date(2014, 3, 1),
    )
    found = waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED)
    assert (found.plans, found.supervision_sek) == (("plan-1",), 25_000)
    w.given(
        FARSTA, SupervisionFundsGranted(amount_sek=10_000, decision_ref="SN 2"), date(2014, 3, 5)
    )
    assert waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED).supervision_sek == 15_000
    w.given(
        FARSTA, SupervisionFundsGranted(amount_sek=15_000, decision_ref="SN 3"), date(2014, 3, 9)
    )
    assert waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED).supervision_sek == 0


def test_overdue_is_unmet_after_its_day() -> None:
    day = date(2014, 9, 14)
    assert overdue(day, met=False, today=date(2014, 9, 15))
    assert not overdue(day, met=False, today=day)
    assert not overdue(day, met=True, today=date(2014, 9, 15))
    assert not overdue(None, met=False, today=date(2014, 9, 15))


def test_a_project_waits_if_any_one_queue_holds_something() -> None:
    """One report to review, one returned, one plan or supervision money alone is something to
    do; a grant above what was asked for leaves nothing waiting (never a negative sum)."""
    one_each = [
        Waiting(("t2_follow_up",), (), (), 0),
        Waiting((), (("t2_follow_up", "Saknas"),), (), 0),
        Waiting((), (), ("plan-1",), 0),
        Waiting((), (), (), 1),
    ]
    assert [w.anything for w in one_each] == [True, True, True, True]
    w = World()
    opened(w)
    applied(w, "Farsta")
    w.given(FARSTA, SupervisionFundsRequested(amount_sek=10_000, description="Handledning"),
            date(2014, 3, 1))  # fmt: skip
    w.given(FARSTA, SupervisionFundsGranted(amount_sek=25_000, decision_ref="SN 2"),
            date(2014, 3, 5))  # fmt: skip
    assert waiting(fold_project(FARSTA, w.stream(FARSTA)), REVIEWED).supervision_sek == 0

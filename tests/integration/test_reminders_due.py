"""Scenarios: which reminders are due when, on the demo round and around Swedish holidays."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from events import LadderStep
from policies.commands import (
    Annul,
    Apply,
    CloseRound,
    LadderRung,
    SetDeadline,
    SetLadder,
    SubmitFinancialReport,
    Withdraw,
)
from policies.reminders import step_moment
from policies.state import STOCKHOLM, end_of_day
from policies.workdays import add_working_days, non_working_reason
from ppss_workflow.demo import (
    COORDINATOR,
    SKARHOLMEN_2018,
    Story,
    district_actor,
    open_round_2018,
)
from ppss_workflow.readmodels import Reads
from ppss_workflow.reminders import list_due
from ppss_workflow.store import EventStore

DISTRICTS = [
    "alvsjo", "enskede-arsta-vantor", "farsta", "hasselby-vallingby", "rinkeby-kista",
    "skarholmen", "skarpnack", "spanga-tensta",
]  # fmt: skip


ROUND_2018 = "sst-2018"
DISTRICT = district_actor("Skärholmen")


def due(
    store: EventStore, on: date | datetime, round_id: str | None = "ppss-2014"
) -> list[tuple[str, str, str, str]]:
    now = end_of_day(on) if isinstance(on, date) and not isinstance(on, datetime) else on
    return [(d.project, d.obligation, d.step, d.recipient_role)
            for d in list_due(store, now, round_id)]  # fmt: skip


def test_fourteen_working_days_before_the_year_end_account(demo_reads: Reads) -> None:
    """Given the 31 Jan 2015 deadline, when 13 Jan, then every district gets its first reminder."""
    assert due(demo_reads.store, date(2015, 1, 12)) == []
    assert due(demo_reads.store, date(2015, 1, 13)) == [
        (f"ppss-2014:{d}", "year_end_account", "before-14", "district") for d in DISTRICTS
    ]


def test_three_days_before_only_those_who_have_not_sent_it(demo_reads: Reads) -> None:
    """Given seven accounts sent on 28 Jan, when 29 Jan, then only Skärholmen is reminded."""
    assert due(demo_reads.store, date(2015, 1, 29)) == [
        ("ppss-2014:skarholmen", "year_end_account", "before-3", "district")
    ]


def test_overdue_steps_escalate_to_the_coordinator(demo_reads: Reads) -> None:
    """Given Skärholmen's account still missing, the steps go late-5 to the district, then
    late-15 and late-30 to the coordinator (the last one final)."""
    assert due(demo_reads.store, date(2015, 2, 10)) == [
        ("ppss-2014:skarholmen", "year_end_account", "late-5", "district")
    ]
    late_15 = due(demo_reads.store, date(2015, 2, 23))
    assert ("ppss-2014:skarholmen", "year_end_account", "late-15", "coordinator") in late_15
    (final,) = [d for d in list_due(demo_reads.store, end_of_day(date(2015, 3, 16)), "ppss-2014")
                if d.obligation == "year_end_account"]  # fmt: skip
    assert (final.step, final.recipient_role, final.final) == ("late-30", "coordinator", True)


def test_a_deadline_on_a_saturday_is_announced_on_the_friday(demo_reads: Reads) -> None:
    """31 Jan 2015 is a Saturday: the "due" reminder goes out at 08:00 on Friday 30 Jan."""
    assert non_working_reason(date(2015, 1, 31)) == "Saturday"
    step = LadderStep(step="due", offset_working_days=0, recipient_role="district")
    assert step_moment(date(2015, 1, 31), step) == datetime(2015, 1, 30, 8, tzinfo=STOCKHOLM)
    assert due(demo_reads.store, datetime(2015, 1, 30, 7, 59, tzinfo=STOCKHOLM))[0][2] == "before-3"
    assert due(demo_reads.store, datetime(2015, 1, 30, 8, 0, tzinfo=STOCKHOLM)) == [
        ("ppss-2014:skarholmen", "year_end_account", "due", "district")
    ]


def test_repayment_reminders_follow_the_demand(demo_reads: Reads) -> None:
    """Farsta's repayment, due 31 Mar 2015, is reminded like any obligation."""
    found = {(p, o, s) for p, o, s, _ in due(demo_reads.store, date(2015, 3, 31))}
    assert ("ppss-2014:farsta", "repayment", "due") in found


@pytest.fixture
def t2_on_midsummer_eve(story: Story) -> Story:
    """Given the 2018 round with T2 set on Midsummer Eve (22 June 2018), a de facto holiday."""
    open_round_2018(story)
    story.on(date(2017, 12, 29)).do(
        DISTRICT, Apply(round_id=ROUND_2018, district="Skärholmen", application=SKARHOLMEN_2018)
    )
    story.on(date(2018, 3, 1)).do(
        COORDINATOR,
        SetDeadline(round_id=ROUND_2018, code="t2", due_on=date(2018, 6, 22), reason="T2"),
    )
    return story


def test_a_deadline_on_midsummer_eve(t2_on_midsummer_eve: Story) -> None:
    """Midsummer Eve is no working day: "due" goes out on Thursday 21 June, "before-3" on
    Tuesday 19 June, and late-5 counts working days from the 22nd (Midsummer Day skipped)."""
    store = t2_on_midsummer_eve.reads.store
    assert non_working_reason(date(2018, 6, 22)) == "Midsummer Eve"
    t2 = {"t2_follow_up", "t2_financial_report", "t2_self_financing"}
    at = lambda d: {(o, s) for _, o, s, _ in due(store, d, ROUND_2018) if o in t2}  # noqa: E731
    assert at(date(2018, 6, 18)) == {(o, "before-14") for o in t2}
    assert at(date(2018, 6, 19)) == {(o, "before-3") for o in t2}
    assert at(date(2018, 6, 21)) == {(o, "due") for o in t2}
    assert add_working_days(date(2018, 6, 22), 5) == date(2018, 6, 29)
    assert at(date(2018, 6, 28)) == {(o, "due") for o in t2}
    assert at(date(2018, 6, 29)) == {(o, "late-5") for o in t2}


def test_nothing_for_met_or_withdrawn(t2_on_midsummer_eve: Story) -> None:
    """A met obligation or a withdrawn application gets no reminders."""
    story = t2_on_midsummer_eve
    store = story.reads.store
    story.on(date(2018, 6, 1)).do(
        DISTRICT,
        SubmitFinancialReport(
            round_id=ROUND_2018, district="Skärholmen", kind="t2", spent_sek=1, forecast_sek=1
        ),
    )
    assert "t2_financial_report" not in {o for _, o, _, _ in due(store, date(2018, 6, 21),
                                                                 ROUND_2018)}  # fmt: skip
    story.on(date(2018, 6, 5)).do(
        DISTRICT, Withdraw(round_id=ROUND_2018, district="Skärholmen", reason="Projektet avslutas")
    )
    assert due(store, date(2018, 6, 21), ROUND_2018) == []


def test_an_annulled_report_never_counted(t2_on_midsummer_eve: Story) -> None:
    """A report annulled later never met its obligation: a back-filling run as of a day
    before the annulment reminds of it (annulments apply whatever their date, as on the
    board)."""
    story = t2_on_midsummer_eve
    store = story.reads.store
    outcome = story.on(date(2018, 6, 1)).do(
        DISTRICT,
        SubmitFinancialReport(
            round_id=ROUND_2018, district="Skärholmen", kind="t2", spent_sek=1, forecast_sek=1
        ),
    )
    on_19 = lambda: {o for _, o, _, _ in due(store, date(2018, 6, 19), ROUND_2018)}  # noqa: E731
    assert "t2_financial_report" not in on_19()
    story.on(date(2018, 6, 20)).do(
        COORDINATOR,
        Annul(
            round_id=ROUND_2018,
            district="Skärholmen",
            position=outcome.first.last_position,
            reason="Rapporten gällde ett annat projekt",
        ),
    )
    assert "t2_financial_report" in on_19()


def test_nothing_once_the_round_is_closed(t2_on_midsummer_eve: Story) -> None:
    """A closed round gets no reminders, from the day it closed (not before)."""
    story = t2_on_midsummer_eve
    store = story.reads.store
    assert due(store, date(2018, 6, 21), ROUND_2018) != []
    story.on(date(2018, 6, 5)).do(
        COORDINATOR, CloseRound(round_id=ROUND_2018, reason="Satsningen avbryts")
    )
    assert due(store, date(2018, 6, 21), ROUND_2018) == []
    assert due(store, date(2018, 6, 4), ROUND_2018) != []


def test_a_ladder_set_on_record_replaces_the_default(t2_on_midsummer_eve: Story) -> None:
    """A coordinator sets a two-step ladder for T2 follow-ups: only its steps are used."""
    story = t2_on_midsummer_eve
    store = story.reads.store
    ladder = (
        LadderRung(step="before-5", offset_working_days=-5, recipient_role="district"),
        LadderRung(step="late-2", offset_working_days=2, recipient_role="coordinator"),
    )
    story.on(date(2018, 6, 1)).do(
        COORDINATOR,
        SetLadder(
            round_id=ROUND_2018, steps=ladder, reason="Kortare stege", obligation="t2_follow_up"
        ),
    )
    steps = lambda d: {(o, s, r) for _, o, s, r in due(store, d, ROUND_2018)  # noqa: E731
                       if o == "t2_follow_up"}  # fmt: skip
    assert steps(date(2018, 6, 14)) == set()
    assert steps(date(2018, 6, 15)) == {("t2_follow_up", "before-5", "district")}
    assert steps(date(2018, 6, 21)) == {("t2_follow_up", "before-5", "district")}
    assert steps(date(2018, 6, 26)) == {("t2_follow_up", "late-2", "coordinator")}
    others = {o for _, o, s, _ in due(store, date(2018, 6, 21), ROUND_2018) if s == "due"}
    assert others == {"t2_financial_report", "t2_self_financing"}  # still the default

"""Loose ends of issue 24, without a database: a withdrawn project's repayment demand is
still reminded (and nothing else of it is); a deadline already past needs its day;
attendance happens at the meeting's own time."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from events import ApplicationWithdrawn, RepaymentDemanded
from policies.commands import RecordNetwork
from policies.deadlines import past_deadline
from policies.decisions import Refusal, command_moment
from policies.registry import policy_for
from policies.reminders import due_reminders, reminded_obligations
from policies.state import STOCKHOLM
from ppss_workflow.words import say
from tests.unit.said import one_line
from tests.unit.test_reminder_consequences import DUE, a_project, a_round

LATER = datetime(2018, 10, 1, 12, tzinfo=STOCKHOLM)


def test_a_withdrawn_projects_repayment_demand_is_reminded_and_nothing_else() -> None:
    """Withdrawn after money was demanded back: the repayment's reminder goes out when it is
    overdue; the T2 reports, no longer due from a withdrawn project, are not reminded."""
    sst = a_round("sst-2018")
    demanded = (RepaymentDemanded(amount_sek=10_000, reason="Oanvänt", due_on=DUE),
                date(2018, 8, 1))  # fmt: skip
    withdrawn = (ApplicationWithdrawn(reason="Projektet avbryts"), date(2018, 8, 2))
    project = a_project(demanded, withdrawn)
    duties = reminded_obligations(policy_for(sst), sst, project, LATER)
    assert [o.code for o in duties] == ["repayment"]
    due = due_reminders(policy_for(sst), sst, project, LATER)
    assert {d.obligation for d in due} == {"repayment"}
    assert due[0].step.startswith("late-")


def test_a_withdrawn_project_without_a_demand_is_not_reminded() -> None:
    """Withdrawn with nothing owed back: no reminder at all."""
    sst = a_round("sst-2018")
    project = a_project((ApplicationWithdrawn(reason="Projektet avbryts"), date(2018, 8, 2)))
    assert due_reminders(policy_for(sst), sst, project, LATER) == []


def test_a_deadline_already_past_needs_the_day_it_was_decided() -> None:
    """A deadline on a day already past is refused as an input mistake unless the command
    says the day it was decided; a coming day, or today, needs nothing."""
    today = date(2014, 12, 15)
    with pytest.raises(Refusal) as no:
        past_deadline("t2", date(2014, 9, 1), today, None)
    assert (no.value.kind, no.value.reason and no.value.reason.code) == (
        "invalid",
        "deadline.already_past",
    )
    assert say(no.value.reason, "sv") == (
        "fristen uppföljning och ekonomi vid T2 den 2014-09-01 har redan passerat "
        "(2014-12-15): ange dagen då den beslutades (--on), eller ett senare datum"
    )
    assert one_line(no.value) == (
        "the deadline t2 follow-up and financial report on 2014-09-01 has already passed "
        "(2014-12-15): give the day it was decided (--on), or a later date [round deadline; "
        "-; - as of 2014-12-15; rule: a deadline is set before it passes, or dated with the "
        "day it was decided]"
    )
    past_deadline("t2", date(2014, 9, 1), today, date(2014, 6, 2))
    past_deadline("t2", today, today, None)
    past_deadline("t2", date(2015, 1, 15), today, None)


def test_network_attendance_happens_at_the_sessions_own_time() -> None:
    """Attendance at a 13:00 meeting is recorded as having happened at 13:00 (not at the
    day's midnight), so a view at 08:00 that day does not count the meeting as held."""
    pilot = a_round("ppss-2014", session=True)  # natverk-1 on 5 Sep 2018 at 13:00
    attended = RecordNetwork(round_id="r", district="Farsta", session_id="natverk-1",
                             outcome="attended")  # fmt: skip
    meeting = datetime(2018, 9, 5, 13, tzinfo=STOCKHOLM)
    assert command_moment(attended, pilot, datetime(2018, 9, 5, 15, tzinfo=STOCKHOLM)) == meeting
    assert command_moment(attended, pilot, datetime(2018, 9, 7, 9, tzinfo=STOCKHOLM)) == meeting
    dated = attended.model_copy(update={"on": date(2018, 9, 5)})
    assert command_moment(dated, pilot, datetime(2018, 9, 10, 9, tzinfo=STOCKHOLM)) == meeting
    assert command_moment(attended, pilot, meeting) > datetime(2018, 9, 5, 8, tzinfo=STOCKHOLM)

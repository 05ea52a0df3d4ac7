"""Submissions: a form's own id is recorded once; a round without T2 takes no T2 report."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from events import FinancialReportSubmitted, Recorded
from policies.commands import SubmitFinancialReport, SubmitFollowUp
from policies.decisions import NO_T2
from policies.reason import Named
from policies.registry import POLICIES
from policies.submissions import (
    ALREADY_SUBMITTED,
    NO_T2_RULE,
    already_submitted,
    already_submitted_reason,
    takes_report,
)
from tests.unit.said import en
from tests.unit.world import RID, World, applied, opened, refused, types_of_decision

R = Recorded[Any]


def recorded(position: int, metadata: str) -> R:
    key = str(uuid4())
    return Recorded(
        position,
        "project:r:farsta",
        position,
        FinancialReportSubmitted(kind="t2", spent_sek=1, forecast_sek=2),
        datetime(2018, 9, 1, tzinfo=UTC),
        datetime(2018, 9, 1, tzinfo=UTC),
        key,
        metadata,
        hashlib.sha256(key.encode()).hexdigest(),
    )


def test_a_submission_is_found_by_its_own_id_only() -> None:
    """The same form again finds its event; another form, or none, finds nothing."""
    form, other = uuid4(), uuid4()
    history = [
        recorded(1, '{"actor":"a","role":"district"}'),
        recorded(2, f'{{"actor":"a","role":"district","command_id":"{form}"}}'),
    ]
    found = already_submitted([[], history], form)
    assert found is not None
    assert found.position == 2
    assert already_submitted([history], other) is None
    assert already_submitted([], form) is None


T2_FOLLOW_UP = SubmitFollowUp(
    round_id=RID,
    district="Farsta",
    kind="t2",
    indicators={"target_group_size": 40, "pupils_reached": 20},
)
T2_REPORT = SubmitFinancialReport(
    round_id=RID, district="Farsta", kind="t2", spent_sek=500_000, forecast_sek=1_000_000
)


@pytest.mark.parametrize("command", [T2_FOLLOW_UP, T2_REPORT])
def test_a_round_without_t2_refuses_t2_reports(command: Any) -> None:
    """The 2014 pilot has no T2: its T2 follow-up or financial report is refused, plainly."""
    world = World()
    opened(world, policy="ppss-2014")
    applied(world, "Farsta")
    refusal = refused(world, command, date(2014, 10, 1))
    assert (refusal.reason, refusal.rule, refusal.kind) == (NO_T2(round=RID), NO_T2_RULE, "invalid")
    assert "has no T2" in en(refusal.reason)


@pytest.mark.parametrize("command", [T2_FOLLOW_UP, T2_REPORT])
def test_a_round_with_t2_takes_t2_reports(command: Any) -> None:
    """The 2018 rules have a T2: the same report is recorded."""
    world = World()
    opened(world, policy="sst-2018")
    applied(world, "Farsta")
    decision = world.decide(command, date(2014, 10, 1))
    assert types_of_decision(decision) in (["FollowUpSubmitted"], ["FinancialReportSubmitted"])


def test_which_rounds_have_t2() -> None:
    """Only a policy with a T2 deadline takes T2 reports; other kinds are not judged here."""
    for (name, _), policy in POLICIES.items():
        takes_t2 = takes_report(policy.deadlines, "t2")
        assert takes_t2 == (name in ("sst-2018", "ppss-2016")), name  # 2016: autumn
        assert takes_report(policy.deadlines, "final")


def test_a_form_sent_again_is_answered_with_what_its_first_sending_recorded_and_when() -> None:
    """The day is the event's own (its date as recorded), the event named by its type."""
    first = recorded(7, '{"actor":"a","role":"district"}')
    assert already_submitted_reason(first) == ALREADY_SUBMITTED(
        event=Named("event", "FinancialReportSubmitted"), on=date(2018, 9, 1)
    )


def test_a_t2_report_is_taken_where_a_deadline_is_a_t2_one() -> None:
    assert not takes_report({"year_end_account": "ya"}, "t2")
    assert takes_report({"t2_follow_up": "t2"}, "t2")
    assert takes_report({}, "final")
    assert takes_report({}, "annual")

"""What a reminder says follows from what its condition blocks (no database).

What a condition blocks is stated once, on the policy's condition; the obligation and the
reminder carry it, and the message takes its consequence from there.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar
from uuid import uuid4

import pytest

from events import (
    ApplicationSubmitted,
    Event,
    NetworkSessionScheduled,
    Recorded,
    RepaymentDemanded,
    RoundDeadline,
    RoundOpened,
)
from policies.base import Condition, Policy
from policies.registry import policy_for
from policies.reminders import DueReminder, due_reminders, obligations
from policies.state import STOCKHOLM, ProjectState, RoundState, fold_project, fold_round
from ppss_workflow.notify import Language, consequence, render

R = Recorded[Any]
DUE = date(2018, 9, 14)
LATE = datetime(2018, 9, 25, 12, tzinfo=STOCKHOLM)  # late-5 after DUE
LANGUAGES: tuple[Language, ...] = ("sv", "en")

#: What each value of ``blocks`` makes the message say (and only that value).
SAYS: dict[str, dict[Language, str]] = {
    "grant": {"sv": "betalas inget mer av bidraget ut",
              "en": "no further payment of the grant is made"},
    "supervision": {"sv": "betalas inga handledningsmedel ut",
                    "en": "no supervision money is paid"},
    "": {"sv": "Den stoppar inga utbetalningar, men behövs för uppföljningen.",
         "en": "It stops no payment, but it is needed for the follow-up."},
}  # fmt: skip

#: Words that say a payment stops, in either language.
STOPS = ("payments stop", "betalas inget", "betalas inga", "stoppas", "hindrar",
         "no further payment", "no supervision money", "until")  # fmt: skip


def recorded(stream: str, version: int, event: Event, on: date) -> R:
    key = str(uuid4())
    return Recorded(
        version,
        stream,
        version,
        event,
        datetime.combine(on, time(0), STOCKHOLM).astimezone(UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        key,
        '{"actor":"test","role":"coordinator"}',
        hashlib.sha256(key.encode()).hexdigest(),
    )


def a_round(policy: str, *, session: bool = False) -> RoundState:
    """A round of ``policy`` for 2018, a T2 deadline on DUE, and maybe a mandatory session."""
    events: list[Event] = [
        RoundOpened(
            round_id="r",
            title="Test",
            budget_sek=1_000_000,
            supervision_pool_sek=25_000 if policy == "ppss-2014" else 0,
            period_start=date(2018, 1, 1),
            period_end=date(2018, 12, 31),
            policy_name=policy,
            policy_version=1,
            deadlines=(
                RoundDeadline(code="t2", due_on=DUE),
                RoundDeadline(code="year_end_account", due_on=DUE),
            ),
        )
    ]
    if session:
        starts = datetime(2018, 9, 5, 13, tzinfo=STOCKHOLM)
        events.append(
            NetworkSessionScheduled(session_id="natverk-1", title="Nät", starts_at=starts)
        )
    rnd = fold_round([recorded("round:r", i, e, date(2018, 1, 1)) for i, e in enumerate(events, 1)])
    assert rnd is not None
    return rnd


def a_project(*later: tuple[Event, date]) -> ProjectState:
    applied = ApplicationSubmitted(
        round_id="r",
        project_id="farsta",
        district="Farsta",
        school_count=1,
        applied_sek=100_000,
        period_start=date(2018, 1, 1),
        period_end=date(2018, 12, 31),
    )
    events = [(applied, date(2018, 1, 2)), *later]
    stream = "project:r:farsta"
    return fold_project(stream, [recorded(stream, i, e, d) for i, (e, d) in enumerate(events, 1)])


class OneCondition(Policy):
    """A policy with one dated condition that blocks whatever the test says."""

    name = "one-condition"
    version = 1
    title = "One condition"
    deadlines: ClassVar[dict[str, str]] = {"t2_follow_up": "t2"}

    def __init__(self, blocks: str) -> None:
        self.blocks = blocks

    def round_conditions(
        self, rnd: RoundState, project: ProjectState, today: date
    ) -> tuple[Condition, ...]:
        t2 = rnd.deadlines["t2"].due_on
        return (
            self.dated("t2_follow_up", "the T2 follow-up", t2, None, today, blocks=self.blocks),
        )


def body(reminder: DueReminder, language: Language) -> str:
    message = render(reminder, to="a@example.org", sender="b@example.org",
                     contact="c@example.org", language=language)  # fmt: skip
    text = message.get_content()
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("blocks", ["grant", "supervision", ""])
def test_the_consequence_follows_what_the_condition_blocks(blocks: str, language: Language) -> None:
    """Given a condition that blocks ``blocks``, its reminder carries that and says so (and
    says nothing that another value would say)."""
    policy = OneCondition(blocks)
    (reminder,) = due_reminders(policy, a_round("sst-2018"), a_project(), LATE)
    assert (reminder.obligation, reminder.step) == ("t2_follow_up", "late-5")
    assert reminder.blocks == blocks
    text = body(reminder, language)
    assert SAYS[blocks][language] in text
    for other, says in SAYS.items():
        if other != blocks:
            assert says[language] not in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "obligation",
    ["t2_follow_up", "year_end_account", "final_financial_report", "annual_follow_up",
     "repayment", "network-natverk-1", "something-new"],
)  # fmt: skip
def test_a_condition_that_blocks_nothing_never_says_payments_stop(
    obligation: str, language: Language
) -> None:
    """Whatever the obligation, blocks="" gives no text that says a payment stops."""
    text = consequence(obligation, "", language)
    assert SAYS[""][language] in text
    assert not [word for word in STOPS if word in text.lower()], text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reminder_for_a_condition_that_blocks_nothing_never_says_payments_stop(
    language: Language,
) -> None:
    """The whole message, overdue and final, for a condition with blocks="": no "stop"."""
    policy = OneCondition("")
    late_30 = datetime(2018, 10, 29, 12, tzinfo=STOCKHOLM)
    (reminder,) = due_reminders(policy, a_round("sst-2018"), a_project(), late_30)
    assert (reminder.step, reminder.final, reminder.blocks) == ("late-30", True, "")
    text = body(reminder, language)
    assert not [word for word in STOPS if word in text.lower()], text


def test_obligations_take_blocks_from_the_policys_conditions() -> None:
    """2014: the year-end account and the network sessions block the grant (the session via
    ``network_participation``); 2018, which has no network condition: a session blocks
    nothing; a repayment blocks the grant, before and after it is overdue."""
    at = datetime(2018, 10, 1, 12, tzinfo=STOCKHOLM)
    pilot = a_round("ppss-2014", session=True)
    found = {o.code: o.blocks for o in obligations(policy_for(pilot), pilot, a_project(), at)}
    assert found == {"year_end_account": "grant", "network-natverk-1": "grant"}
    conditions = {c.code: c.blocks for c in policy_for(pilot).conditions(pilot, a_project(), at)}
    assert found["network-natverk-1"] == conditions["network_participation"]

    sst = a_round("sst-2018", session=True)
    found = {o.code: o.blocks for o in obligations(policy_for(sst), sst, a_project(), at)}
    assert found["network-natverk-1"] == ""
    assert found["t2_follow_up"] == "grant"

    demanded = (RepaymentDemanded(amount_sek=1, reason="Oanvänt", due_on=DUE), date(2018, 9, 1))
    for moment in (datetime(2018, 9, 2, tzinfo=STOCKHOLM), at):  # before and after due
        found = {o.code: o.blocks for o in obligations(policy_for(sst), sst, a_project(demanded),
                                                       moment)}  # fmt: skip
        assert found["repayment"] == "grant"


def test_an_unknown_block_is_an_error_not_a_guess() -> None:
    """A condition that blocks something the messages have no words for is not sent with
    a made-up consequence."""
    with pytest.raises(ValueError, match="blocks 'travel'"):
        consequence("t2_follow_up", "travel", "sv")

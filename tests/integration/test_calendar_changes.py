"""The deadline calendar as calendar programs follow it, read back with vobject (a second
parser besides icalendar, which writes it): a moved deadline changes DTSTAMP and
LAST-MODIFIED to the move and raises SEQUENCE; a withdrawn project's deadlines turn
``STATUS:CANCELLED`` (raising SEQUENCE again) and leave the feed after ``CANCELLED_KEPT``;
the feed is named in Swedish for its district and round."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import vobject

from policies.commands import SetDeadline, Withdraw
from policies.state import end_of_day
from ppss_workflow.calendar_feed import CANCELLED_KEPT, deadline_calendar
from ppss_workflow.demo import COORDINATOR, Story, district_actor
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import StepClock
from tests.integration.test_reminder_dispatch import ROUND, record_round

T2 = "den ekonomiska återrapporteringen vid T2"


@pytest.fixture
def given() -> Iterator[tuple[EventStore, Story, StepClock]]:
    """The 2018 round (T2 on 14 Sep) recorded in 2017; the store's clock set by hand."""
    clock = StepClock(datetime(2017, 12, 1, 9, 0, tzinfo=UTC))
    with scratch_store(clock=clock) as store:
        yield store, record_round(store), clock


def feed(store: EventStore, at: datetime, **scope: Any) -> Any:
    text = deadline_calendar(Reads(store, lambda: at), district="Skärholmen", **scope).to_ical()
    cal = vobject.readOne(text.decode("utf-8"), validate=True)
    assert cal.validate()
    return cal


def entry(cal: Any, summary_part: str) -> Any:
    (found,) = [e for e in cal.vevent_list if summary_part in e.summary.value]
    return found


def instant(value: Any) -> datetime:
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def test_a_move_and_a_withdrawal_as_a_calendar_sees_them(
    given: tuple[EventStore, Story, StepClock],
) -> None:
    store, story, clock = given
    before = entry(feed(store, end_of_day(date(2018, 4, 1))), T2)
    assert before.status.value == "CONFIRMED"
    assert int(before.sequence.value) == 0
    first_stamp = instant(before.dtstamp.value)
    assert instant(before.last_modified.value) == first_stamp

    moved_at = clock.advance(days=150)
    story.on(date(2018, 5, 2)).do(
        COORDINATOR,
        SetDeadline(round_id=ROUND, code="t2", due_on=date(2018, 9, 28), reason="Ny T2"),
    )
    moved = entry(feed(store, end_of_day(date(2018, 5, 3))), T2)
    assert moved.dtstart.value == date(2018, 9, 28)
    assert moved.uid.value == before.uid.value
    assert int(moved.sequence.value) == 1
    moved_stamp = instant(moved.dtstamp.value)
    assert moved_stamp == moved_at > first_stamp
    assert instant(moved.last_modified.value) == moved_stamp

    withdrawn = clock.advance(days=40)
    story.on(date(2018, 6, 11)).do(
        district_actor("Skärholmen"),
        Withdraw(round_id=ROUND, district="Skärholmen", reason="Projektet avbryts"),
    )
    withdrawn_at = end_of_day(date(2018, 6, 12))
    cancelled = entry(feed(store, withdrawn_at), T2)
    assert cancelled.status.value == "CANCELLED"
    assert int(cancelled.sequence.value) == 2
    assert instant(cancelled.dtstamp.value) == withdrawn
    assert "dragits tillbaka" in cancelled.description.value
    cal = feed(store, withdrawn_at)
    assert all(e.status.value == "CANCELLED" for e in cal.vevent_list)

    still = feed(store, withdrawn + CANCELLED_KEPT - timedelta(days=1))
    assert entry(still, T2).status.value == "CANCELLED"
    later = feed(store, withdrawn + CANCELLED_KEPT + timedelta(days=1))
    assert not getattr(later, "vevent_list", [])


def test_the_feed_is_named_in_swedish_for_its_district_and_round(
    given: tuple[EventStore, Story, StepClock],
) -> None:
    store, _, _ = given
    at = end_of_day(date(2018, 4, 1))
    whole = feed(store, at)
    assert whole.contents["x-wr-calname"][0].value == "PPSS-frister – Skärholmen"
    in_round = feed(store, at, round_id=ROUND)
    name = in_round.contents["x-wr-calname"][0].value
    assert name == "PPSS-frister – Skärholmen – Skolsociala team 2018"
    assert "deadlines" not in name

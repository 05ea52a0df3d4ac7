"""Deadlines as an iCalendar feed: one all-day VEVENT per obligation, stable UIDs, an alarm."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from events import DeadlineChanged
from policies.reminders import obligations
from policies.state import slug
from ppss_workflow.notify import obligation_title
from ppss_workflow.readmodels import Reads

__all__ = ["deadline_calendar"]


def deadline_calendar(wf: Reads, *, round_id: str | None = None,
                      district: str | None = None) -> Calendar:  # fmt: skip
    """The obligations of every project (in a round, or for a district) as a calendar.

    A UID names project and obligation, not the date, so a moved deadline updates the event
    in calendar clients (its SEQUENCE counts the moves) instead of adding a second one.
    DTSTAMP is the newest recorded_at of what it is built from: the same store gives the same
    bytes, run after run.
    """
    cal = Calendar()
    cal.add("prodid", "-//ppss-workflow//deadlines//SV")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "ppss-workflow: deadlines")
    now = wf.now()
    for rid in [round_id] if round_id else wf.round_ids():
        views = wf.projects(rid)
        for view in views:
            if district and slug(district) != view.project_id.split(":", 1)[1]:
                continue
            stamp = max(
                (r.recorded_at for r in (*view.state.history, view.round.opened)),
                default=datetime(1970, 1, 1, tzinfo=UTC),
            )
            for ob in obligations(view.policy, view.round, view.state, now):
                event = Event()
                uid = hashlib.sha256(f"{view.state.stream_id}/{ob.code}".encode()).hexdigest()
                event.add("uid", f"{uid[:32]}@ppss-workflow")
                what = obligation_title(ob.code, "sv")
                event.add("summary", f"{view.state.district}: {what}")
                event.add("dtstart", ob.due_on)
                event.add("dtend", ob.due_on + timedelta(days=1))
                event.add("dtstamp", stamp)
                deadline = view.round.deadlines.get(view.policy.deadlines.get(ob.code, ob.code))
                trail = deadline.evidence if deadline else ()
                moves = sum(1 for r in trail if isinstance(r.event, DeadlineChanged))
                event.add("sequence", moves)
                event.add("status", "CONFIRMED")
                event.add(
                    "description",
                    f"Projekt {view.project_id}, {view.round.title}. "
                    + ("Klart." if ob.met else f"Sista dag {ob.due_on.isoformat()}."),
                )
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", f"Påminnelse: {what}")
                alarm.add("trigger", timedelta(days=-3))
                event.add_component(alarm)
                cal.add_component(event)
    return cal

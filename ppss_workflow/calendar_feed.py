"""Deadlines as an iCalendar feed: one all-day VEVENT per obligation, stable UIDs, an alarm."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event

from events import DeadlineChanged
from events.envelope import Recorded
from policies.reminders import Obligation, obligations
from policies.state import slug
from ppss_workflow.i18n import N_, translator
from ppss_workflow.notify import obligation_title
from ppss_workflow.readmodels import ProjectView, Reads

__all__ = [
    "CANCELLED_KEPT",
    "EventChange",
    "calendar_name",
    "deadline_calendar",
    "event_change",
    "last_modified",
]

#: How long a cancelled deadline stays in the feed (as ``STATUS:CANCELLED``) after the change
#: that cancelled it, so every subscribed client has fetched it and struck it out; then it
#: is left out. A choice (not in the documents): calendar programs poll a feed every few
#: hours to once a week, and 90 days is far beyond that yet keeps a year's feed short.
CANCELLED_KEPT = timedelta(days=90)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAME = N_("PPSS deadlines")
_DONE = N_("Handed in.")
_LAST_DAY = N_("Last day %(day)s.")
_CANCELLED_WITHDRAWN = N_("Cancelled: the application was withdrawn.")
_CANCELLED_CLOSED = N_("Cancelled: the round is closed.")
_REMINDER = N_("Reminder: %(what)s")
_PROJECT = N_("Project %(project)s, %(round)s.")


@dataclass(frozen=True, slots=True)
class EventChange:
    """What one calendar entry is at ``changed``: its status, how often it changed (its
    SEQUENCE), and why it is cancelled (None: it is not)."""

    changed: datetime
    sequence: int
    cancelled_by: str | None

    @property
    def status(self) -> str:
        return "CANCELLED" if self.cancelled_by else "CONFIRMED"


def event_change(
    view: ProjectView, ob: Obligation, trail: tuple[Recorded[Any], ...] = ()
) -> EventChange:
    """When the entry for ``ob`` last changed and how many times it did.

    Each change raises SEQUENCE by one: a move of its date (a ``DeadlineChanged`` in
    ``trail``), its being handed in, and its cancellation (the project's application
    withdrawn, or the round closed while it was still open). The change's recorded time is
    DTSTAMP and LAST-MODIFIED, so a client sees an update exactly when something happened.
    """
    made = [view.round.opened, *trail]
    if view.state.application is not None:
        made.append(view.state.application)
    sequence = sum(1 for r in trail if isinstance(r.event, DeadlineChanged))
    cancelled_by: str | None = None
    if ob.met:
        sequence += 1
    if view.state.withdrawn is not None:
        made.append(view.state.withdrawn)
        cancelled_by, sequence = "withdrawn", sequence + 1
    elif view.round.closed is not None and not ob.met:
        made.append(view.round.closed)
        cancelled_by, sequence = "closed", sequence + 1
    changed = max((r.recorded_at for r in made), default=_EPOCH)
    return EventChange(changed, sequence, cancelled_by)


def calendar_name(wf: Reads, *, round_id: str | None, district: str | None,
                  language: str = "sv") -> str:  # fmt: skip
    """The feed's name in the reader's words: which deadlines, for which district and round
    (``PPSS-frister – Farsta – <round title>``)."""
    t = translator("en" if language == "en" else "sv").gettext
    parts = [t(_NAME)]
    if district:
        parts.append(district.strip())
    if round_id:
        parts.append(wf.round(round_id).title)
    return " – ".join(parts)


def deadline_calendar(wf: Reads, *, round_id: str | None = None,
                      district: str | None = None) -> Calendar:  # fmt: skip
    """The obligations of every project (in a round, or for a district) as a calendar.

    A UID names project and obligation, not the date, so a moved deadline updates the event
    in calendar clients instead of adding a second one; see :func:`event_change` for its
    DTSTAMP, LAST-MODIFIED, SEQUENCE and STATUS. A cancelled deadline stays in the feed for
    :data:`CANCELLED_KEPT`, then is left out. The same store gives the same bytes, run after
    run (nothing in it is the time of the request).
    """
    t = translator("sv").gettext
    cal = Calendar()
    cal.add("prodid", "-//ppss-workflow//deadlines//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = calendar_name(wf, round_id=round_id, district=district)
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-timezone", "Europe/Stockholm")
    now = wf.now()
    for rid in [round_id] if round_id else wf.round_ids():
        for view in wf.projects(rid):
            if district and slug(district) != view.project_id.split(":", 1)[1]:
                continue
            for ob in obligations(view.policy, view.round, view.state, now):
                event = _event(view, ob, now, t)
                if event is not None:
                    cal.add_component(event)
    return cal


def last_modified(cal: Calendar) -> datetime:
    """The newest LAST-MODIFIED in ``cal`` (the epoch for an empty one)."""
    stamps = [c.decoded("last-modified") for c in cal.walk("VEVENT")]
    return max(stamps, default=_EPOCH)


def _event(
    view: ProjectView, ob: Obligation, now: datetime, gettext: Callable[[str], str]
) -> Event | None:
    deadline = view.round.deadlines.get(view.policy.deadlines.get(ob.code, ob.code))
    change = event_change(view, ob, deadline.evidence if deadline else ())
    if change.cancelled_by and now - change.changed > CANCELLED_KEPT:
        return None
    event = Event()
    uid = hashlib.sha256(f"{view.state.stream_id}/{ob.code}".encode()).hexdigest()
    event.add("uid", f"{uid[:32]}@ppss-workflow")
    what = obligation_title(ob.code, "sv")
    event.add("summary", f"{view.state.district}: {what}")
    event.add("dtstart", ob.due_on)
    event.add("dtend", ob.due_on + timedelta(days=1))
    event.add("dtstamp", change.changed)
    event.add("last-modified", change.changed)
    event.add("sequence", change.sequence)
    event.add("status", change.status)
    event.add("transp", "TRANSPARENT")
    if change.cancelled_by == "withdrawn":
        state = gettext(_CANCELLED_WITHDRAWN)
    elif change.cancelled_by == "closed":
        state = gettext(_CANCELLED_CLOSED)
    elif ob.met:
        state = gettext(_DONE)
    else:
        state = gettext(_LAST_DAY) % {"day": _day(ob.due_on)}
    project = gettext(_PROJECT) % {"project": view.project_id, "round": view.round.title}
    event.add("description", f"{project} {state}")
    if not change.cancelled_by and not ob.met:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", gettext(_REMINDER) % {"what": what})
        alarm.add("trigger", timedelta(days=-3))
        event.add_component(alarm)
    return event


def _day(day: date) -> str:
    return day.isoformat()

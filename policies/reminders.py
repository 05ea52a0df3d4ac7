"""Which reminders are due at ``now``: obligations, the reminder ladder, Swedish working days."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from events import LadderStep, Recorded, RepaymentDemanded
from policies.base import Condition, ConditionStatus, Policy
from policies.state import STOCKHOLM, ProjectState, RoundState, remembered, stockholm_day
from policies.workdays import add_working_days, working_day_on_or_before

__all__ = [
    "DEFAULT_LADDER",
    "SEND_AT",
    "DueReminder",
    "Obligation",
    "due_for",
    "due_reminders",
    "first_moment",
    "handled_keys",
    "ladder_for",
    "obligations",
    "reminded",
    "reminded_obligations",
    "reminder_key",
    "step_moment",
]

R = Recorded[Any]

#: Reminders go out at eight in the morning, Stockholm time, on working days.
SEND_AT = time(8, 0)

#: Before the due date (14 and 3 working days), on it, then overdue steps that escalate from
#: the district's contact to the coordinator; the last one says what follows.
DEFAULT_LADDER: tuple[LadderStep, ...] = (
    LadderStep(step="before-14", offset_working_days=-14, recipient_role="district"),
    LadderStep(step="before-3", offset_working_days=-3, recipient_role="district"),
    LadderStep(step="due", offset_working_days=0, recipient_role="district"),
    LadderStep(step="late-5", offset_working_days=5, recipient_role="district"),
    LadderStep(step="late-15", offset_working_days=15, recipient_role="coordinator"),
    LadderStep(step="late-30", offset_working_days=30, recipient_role="coordinator"),
)


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something a project must do by a date. ``blocks``: what missing it stops, as the
    policy's condition states it ("grant", "supervision", or "": no payment).
    ``before_only``: no overdue steps (a meeting)."""

    code: str
    due_on: date
    met: bool
    blocks: str
    before_only: bool = False

    @property
    def ladder_code(self) -> str:
        """Network sessions share one ladder: ``network-natverk-2`` uses ``network``'s."""
        return "network" if self.code.startswith("network-") else self.code


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder to send: which obligation, which step, to whom, and its stable key."""

    key: str
    project: str
    stream_id: str
    district: str
    obligation: str
    due_on: date
    step: str
    recipient_role: str
    moment: datetime
    final: bool
    #: What missing the obligation stops (see :class:`Obligation`): the message says so.
    blocks: str


def obligations(
    policy: Policy,
    rnd: RoundState,
    project: ProjectState,
    now: datetime,
    conditions: tuple[Condition, ...] | None = None,
) -> list[Obligation]:
    """The project's dated obligations: the policy's dated conditions, repayments, sessions.

    What each one blocks comes from the policy's condition for it: a session from
    ``network_participation`` (a policy without one: nothing), a repayment from
    ``repayment_settled`` (stated only once it is overdue; until then, the grant).
    """
    if conditions is None:
        conditions = policy.conditions(rnd, project, now)
    by_code = {c.code: c for c in conditions}
    found = [
        Obligation(c.code, c.due_on, c.status is ConditionStatus.met, c.blocks)
        for c in conditions
        if c.due_on is not None and c.code != "repayment_settled"
    ]
    demanded = sum(r.event.amount_sek for r in project.repayment_demands)
    settled = sum(r.event.amount_sek for r in project.repayment_settlements)
    if project.repayment_demands:
        latest: RepaymentDemanded = project.repayment_demands[-1].event
        repayment = by_code.get("repayment_settled")
        blocks = repayment.blocks if repayment is not None else "grant"
        found.append(Obligation("repayment", latest.due_on, settled >= demanded, blocks))
    network = by_code.get("network_participation")
    blocks = network.blocks if network is not None else ""
    sessions = remembered(
        rnd.memo,
        "reminders.sessions",  # pragma: no mutate - a cache key
        (),  # pragma: no mutate - a cache key
        _sessions_of(rnd),
    )
    # Kept on the project's state for the sessions and what missing one stops: a round event
    # that moves a deadline leaves them as they were.
    found.extend(
        remembered(
            project.memo,
            "reminders.session_obligations",  # pragma: no mutate - a cache key
            (sessions, blocks),
            lambda: _session_obligations(project, sessions, blocks),
        )
    )
    return found


def _session_obligations(
    project: ProjectState, sessions: tuple[tuple[str, str, date], ...], blocks: str
) -> tuple[Obligation, ...]:
    """The project's obligations to attend the round's mandatory ``sessions``."""
    return tuple(
        Obligation(code, held_on, session_id in project.network, blocks, before_only=True)
        for session_id, code, held_on in sessions
    )


def _sessions_of(rnd: RoundState) -> Callable[[], tuple[tuple[str, str, date], ...]]:
    """The round's mandatory sessions as obligations date them: (id, code, day held)."""

    def work() -> tuple[tuple[str, str, date], ...]:
        return tuple(
            (s.event.session_id, f"network-{s.event.session_id}", stockholm_day(s.event.starts_at))
            for s in rnd.sessions.values()
            if s.event.mandatory
        )

    return work


def ladder_for(rnd: RoundState, obligation: Obligation) -> tuple[LadderStep, ...]:
    """The ladder on record for this obligation, else the round's, else the default."""
    steps = rnd.ladders.get(obligation.ladder_code) or rnd.ladders.get("*") or DEFAULT_LADDER
    if obligation.before_only:
        steps = tuple(s for s in steps if s.offset_working_days <= 0)
    return steps


@lru_cache(maxsize=4096)
# Choice: reminders go out at 08:00 on a Swedish working day; a due date on a day off is
# reminded the working day before (people reminded work office hours).
def step_moment(due_on: date, step: LadderStep) -> datetime:
    """When a step goes out: 08:00 on a working day; "on the due date" moves to the working
    day before a due date that falls on a weekend or holiday."""
    if step.offset_working_days == 0:
        day = working_day_on_or_before(due_on)
    else:
        day = add_working_days(due_on, step.offset_working_days)
    return datetime.combine(day, SEND_AT, tzinfo=STOCKHOLM)


def reminder_key(project: str, obligation: str, due_on: date, step: str) -> str:
    """Same obligation, date and step: same key. A moved deadline starts a new ladder."""
    return f"{project}/{obligation}/{due_on.isoformat()}/{step}"


def due_reminders(
    policy: Policy, rnd: RoundState, project: ProjectState, now: datetime
) -> list[DueReminder]:
    """Every reminder due at ``now`` and not yet sent: per unmet obligation, the latest step
    whose moment has passed (a later step supersedes earlier ones missed while down)."""
    duties = reminded_obligations(policy, rnd, project, now)
    if not duties:
        return []
    district = project.district
    assert district is not None  # an application is on record
    return due_for(rnd, project.stream_id, district, duties, handled_keys(project), now)


def handled_keys(project: ProjectState) -> set[str]:
    """Reminder keys never to send again: sent, or abandoned after permanent refusals."""
    return {r.event.key for r in (*project.reminders, *project.reminder_abandonments)}


def reminded(rnd: RoundState, project: ProjectState) -> bool:
    """Reminders go to a project with an application that stands, in an open round."""
    return project.application is not None and project.withdrawn is None and rnd.closed is None


def reminded_obligations(
    policy: Policy,
    rnd: RoundState,
    project: ProjectState,
    now: datetime,
    conditions: tuple[Condition, ...] | None = None,
) -> list[Obligation]:
    """The obligations reminders go out for: all of a project that stands in an open round;
    of a withdrawn project, only a demanded repayment.

    A choice (the documents do not say): a district that withdraws hands in nothing more,
    but money demanded back is still owed, so its repayment is reminded like any other.
    """
    if project.application is None or rnd.closed is not None:
        return []
    found = obligations(policy, rnd, project, now, conditions)
    if project.withdrawn is not None:
        return [o for o in found if o.code == "repayment"]
    return found


def first_moment(rnd: RoundState, obligation: Obligation) -> datetime:
    """When the first step of the obligation's ladder goes out: nothing is due before it."""
    return min(step_moment(obligation.due_on, s) for s in ladder_for(rnd, obligation))


def due_for(
    rnd: RoundState,
    stream_id: str,
    district: str,
    found: Iterable[Obligation],
    sent: Container[str],
    now: datetime,
    memo: dict[tuple[str, bool, date], tuple[tuple[LadderStep, ...], tuple[datetime, ...], int]]
    | None = None,
) -> list[DueReminder]:
    """The reminders due at ``now`` for one project's obligations, given the keys sent.

    ``memo`` (one per round and ``now``) keeps each ladder's moments for a due date, and
    how many of them have passed, across projects.
    """
    project_id = stream_id.split(":", 1)[1]
    due: list[DueReminder] = []
    today = stockholm_day(now)
    memo = {} if memo is None else memo
    for obligation in found:
        if obligation.met or (obligation.before_only and today > obligation.due_on):
            continue  # done, or a meeting that is over: no use reminding of it now
        key = (obligation.ladder_code, obligation.before_only, obligation.due_on)
        if key not in memo:
            ladder = ladder_for(rnd, obligation)
            moments = tuple(step_moment(obligation.due_on, s) for s in ladder)
            memo[key] = ladder, moments, sum(1 for m in moments if m <= now)
        ladder, moments, passed = memo[key]
        if not passed:
            continue
        step = ladder[passed - 1]
        reminder = reminder_key(project_id, obligation.code, obligation.due_on, step.step)
        if reminder in sent:
            continue
        due.append(
            DueReminder(
                key=reminder,
                project=project_id,
                stream_id=stream_id,
                district=district,
                obligation=obligation.code,
                due_on=obligation.due_on,
                step=step.step,
                recipient_role=step.recipient_role,
                moment=moments[passed - 1],
                final=passed == len(ladder) and step.offset_working_days > 0,
                blocks=obligation.blocks,
            )
        )
    return sorted(due, key=lambda d: (d.moment, d.project, d.obligation))

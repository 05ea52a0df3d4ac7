"""Audit: walk the hash chain, replay a moment on both timelines, explain decisions, histories."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from events import EventAnnulled, Recorded
from policies.base import fmt_sek
from policies.plausibility import OVERSPEND_EXPLAINED
from policies.reason import Kronor, Reason
from policies.state import STOCKHOLM, end_of_day, stockholm_day
from ppss_workflow.codec import GENESIS_HASH, chain_hash_text
from ppss_workflow.db import iso_utc
from ppss_workflow.errors import (
    AUDIT_ANCHOR_HERE,
    AUDIT_ANCHOR_REWRITTEN,
    AUDIT_BAD_CHECKPOINT,
    AUDIT_BROKEN_AT,
    AUDIT_BROKEN_AT_IN,
    AUDIT_CHANGED,
    AUDIT_GROWN,
    AUDIT_HEAD_CUT,
    AUDIT_MISSING,
    AUDIT_NO_ANCHOR,
    AUDIT_NOT_APPLIED,
    AUDIT_NOT_APPLIED_KNOWN,
    AUDIT_ORDER,
    AUDIT_PHANTOM,
    AUDIT_START_NEGATIVE,
    NOT_YET_OPEN,
    NOT_YET_RECORDED,
    InvalidCommand,
    NotFound,
    Told,
)
from ppss_workflow.logs import get_logger
from ppss_workflow.readmodels import BoardRow, ProjectView, Reads
from ppss_workflow.store import EventStore

__all__ = [
    "COLUMNS",
    "LATE_AFTER_DAYS",
    "Anchor",
    "ExplainLine",
    "Explanation",
    "HistoryEntry",
    "Replay",
    "VerifyReport",
    "days_late",
    "explain",
    "explain_project",
    "history",
    "late_recorded",
    "replay",
    "stored_rows",
    "stored_text",
    "summary",
    "verify_chain",
]

R = Recorded[Any]
_log = get_logger(__name__)

#: The stored columns, in the order they are hashed, exported and imported.
COLUMNS = (
    "position",
    "stream_id",
    "version",
    "event_id",
    "event_type",
    "schema_version",
    "data",
    "metadata",
    "occurred_at",
    "recorded_at",
    "hash",
)
#: A record whose Stockholm date is more than this many days after the event's is "late".
LATE_AFTER_DAYS = 1
#: Below any position a store writes: a row smuggled in at position 0 or less is still read.
_BEFORE_ALL = -(2**62)
_HEX64 = re.compile(r"[0-9a-f]{64}")
Progress = Callable[[int], None]


def stored_text(value: Any) -> Any:
    """An instant as its canonical stored text, whichever backend returned it.

    PostgreSQL hands back ``datetime`` objects (in the session's time zone), SQLite the text
    the store wrote; the hash covers that text, so both are brought to it.
    """
    return iso_utc(value) if isinstance(value, datetime) else value


# -- verify -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    """A position and its hash, recorded outside the store (``POSITION:HASH``)."""

    position: int
    hash: str

    @classmethod
    def parse(cls, text: str, option: str = "--expect-head") -> Anchor:
        position, sep, digest = text.strip().partition(":")
        digest = digest.lower()
        if not sep or not position.isdigit() or int(position) < 1 or not _HEX64.fullmatch(digest):
            raise InvalidCommand(
                f"{option} {text!r}: use POSITION:HASH as `ppss audit verify` prints it, "
                "e.g. 123:dfe4ab0d… (64 hex digits)",
                reason=AUDIT_BAD_CHECKPOINT(option=option, typed=text),
            )
        return cls(int(position), digest)

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of walking the chain: intact up to a head, or the first bad position.

    ``kind`` of a failure: ``missing`` (a position absent: deleted or moved away),
    ``changed`` (hash does not match content and predecessor: edited, inserted or moved in),
    ``phantom`` (a row below position 1), ``order`` (recorded_at goes back in time),
    ``anchor`` (a hash differs from an anchor recorded outside, or the anchor is absent),
    ``head`` (the store ends before an anchor recorded outside: its end was cut off),
    ``grown`` (events follow the anchor, which was given as the head, without
    ``allow_growth``). ``after_expected``: how many events follow the anchor.
    """

    ok: bool
    checked: int
    first_position: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    bad_stream: str | None = None
    kind: str | None = None
    problem: str | None = None
    after_expected: int = 0

    def describe(self) -> str:
        """One line for a person (in English; a broken chain's line is :class:`Told`: its
        ``reason`` says it in the reader's language)."""
        if self.ok:
            return (
                f"chain verified: {self.checked} events from position {self.first_position}; "
                f"head {self.head_position}:{self.head_hash}"
            )
        why = self.problem
        said = why.reason if isinstance(why, Told) else why or ""
        where = f"position {self.bad_position}"
        if self.bad_stream and self.kind != "missing":
            where += f" (stream {self.bad_stream})"
            reason = AUDIT_BROKEN_AT_IN(position=self.bad_position or 0, stream=self.bad_stream,
                                        why=said)  # fmt: skip
        else:
            reason = AUDIT_BROKEN_AT(position=self.bad_position or 0, why=said)
        return Told(f"chain broken at {where}: {why}", reason)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_position": self.first_position,
            "head_position": self.head_position,
            "head_hash": self.head_hash,
            "bad_position": self.bad_position,
            "bad_stream": self.bad_stream,
            "kind": self.kind,
            "problem": self.problem,
            "after_expected_head": self.after_expected,
        }


def verify_chain(
    store: EventStore,
    *,
    start_after: int = 0,
    expect: Anchor | None = None,
    batch_size: int = 10_000,
    progress: Progress | None = None,
    allow_growth: bool = False,
) -> VerifyReport:
    """Recompute every hash from the stored columns and the previous hash, in position order.

    Streams the store a batch at a time, so memory does not grow with it. Any row changed,
    deleted, inserted or moved behind the store's back breaks the chain at that position.
    Starting after position P trusts the stored hash of P as the anchor. ``expect`` is a
    position and hash recorded outside the store earlier: the row there must still carry
    that hash (a re-hashed history fails), and the store must reach it (a cut end fails).
    ``expect`` is the head: events after it fail (kind ``grown``) unless ``allow_growth``,
    which counts them instead (a store still in use grows; a copy kept for audit must not).
    """
    if start_after < 0:
        raise InvalidCommand(
            f"cannot start verifying after position {start_after}: use 0 or more",
            reason=AUDIT_START_NEGATIVE(position=start_after),
        )
    first = start_after + 1

    def broken(
        checked: int,
        head: int,
        prev: str,
        position: int,
        stream: str | None,
        kind: str,
        why: Told,
    ) -> VerifyReport:
        _log.warning("audit_tamper_found", position=position, stream=stream, kind=kind)
        return VerifyReport(False, checked, first, head, prev, position, stream, kind, why)

    lowest = _row_from(store, _BEFORE_ALL)
    if lowest is not None and lowest[0] < 1:
        return broken(0, start_after, "", lowest[0], lowest[1], "phantom",
                      Told(f"a row at position {lowest[0]} (positions start at 1) was put "
                           "there behind the store's back: its stream shows it, the chain "
                           "does not", AUDIT_PHANTOM(position=lowest[0])))  # fmt: skip
    prev, prev_recorded = GENESIS_HASH, ""
    if start_after:
        row = _row_at(store, start_after)
        if row is None:
            return broken(0, start_after, "", start_after, None, "anchor",
                          Told(f"position {start_after}, the anchor for verifying from "
                               f"{first}, is not in the store",
                               AUDIT_NO_ANCHOR(position=start_after, first=first)))  # fmt: skip
        prev, prev_recorded = row[10], stored_text(row[9])
    if expect is not None and expect.position <= start_after:
        row = _row_at(store, expect.position)
        if row is None or row[10] != expect.hash:
            stream = row[1] if row is not None else None
            return broken(0, start_after, prev, expect.position, stream, "anchor",
                          Told(f"the stored hash at {expect.position} is not the recorded "
                               f"{expect.hash[:16]}…: history up to there was rewritten",
                               AUDIT_ANCHOR_REWRITTEN(position=expect.position,
                                                      hash=expect.hash[:16])))  # fmt: skip
    expected, checked = first, 0
    for rows in stored_rows(store, start_after, batch_size):
        for row in rows:
            (position, stream_id, version, event_id, event_type, schema_version, data, meta,
             occurred, recorded, stored) = row  # fmt: skip
            if position != expected:
                return broken(checked, expected - 1, prev, expected, stream_id, "missing",
                              Told(f"position {expected} is missing (deleted or moved away): "
                                   f"the next stored row is {position}, stream {stream_id}",
                                   AUDIT_MISSING(position=expected, next=position,
                                                 stream=stream_id)))  # fmt: skip
            recorded = stored_text(recorded)
            digest = chain_hash_text(prev, position, stream_id, version, event_id, event_type,
                                     schema_version, data, meta, stored_text(occurred),
                                     recorded)  # fmt: skip
            if digest != stored:
                return broken(checked, expected - 1, prev, position, stream_id, "changed",
                              Told("the stored hash does not match the row's content and the "
                                   "hash before it: the row was changed, moved or inserted",
                                   AUDIT_CHANGED()))  # fmt: skip
            if recorded < prev_recorded:  # canonical UTC text sorts as time does
                return broken(checked, expected - 1, prev, position, stream_id, "order",
                              Told(f"recorded_at {recorded} is before the previous row's "
                                   f"{prev_recorded}: the store never writes that",
                                   AUDIT_ORDER(recorded=recorded,
                                               previous=prev_recorded)))  # fmt: skip
            if expect is not None and position == expect.position and stored != expect.hash:
                return broken(checked, expected - 1, prev, position, stream_id, "anchor",
                              Told(f"the hash here is not the recorded {expect.hash[:16]}…: "
                                   "history up to here was rewritten and hashed again",
                                   AUDIT_ANCHOR_HERE(hash=expect.hash[:16])))  # fmt: skip
            prev, prev_recorded = stored, recorded
            expected += 1
            checked += 1
        if progress is not None:
            progress(checked)
    head = expected - 1
    if expect is not None and expect.position > head:
        return broken(checked, head, prev, expect.position, None, "head",
                      Told(f"the store ends at position {head}, before the recorded head "
                           f"{expect.position}: events were removed from its end",
                           AUDIT_HEAD_CUT(head=head, expected=expect.position)))  # fmt: skip
    after = head - expect.position if expect is not None else 0
    if after and not allow_growth:
        assert expect is not None
        return broken(checked, head, prev, expect.position + 1, None, "grown",
                      Told(f"{after} events after the expected head {expect.position}: they "
                           "were added after it was recorded; add --allow-growth if the store "
                           "may have grown since",
                           AUDIT_GROWN(count=after, expected=expect.position)))  # fmt: skip
    _log.info("audit_verified", events=checked, first_position=first, head_position=head,
              head_hash=prev, anchor=str(expect) if expect else None)  # fmt: skip
    return VerifyReport(True, checked, first, head, prev, after_expected=after)


def _row_from(store: EventStore, after: int) -> Any:
    """The first stored row after position ``after``, or None."""
    for rows in stored_rows(store, after, 1, limit=1):
        return rows[0]
    return None


def _row_at(store: EventStore, position: int) -> Any:
    """The stored row at ``position``, or None."""
    row = _row_from(store, position - 1)
    return row if row is not None and row[0] == position else None


def stored_rows(
    store: EventStore, after: int = 0, batch_size: int = 10_000, *, limit: int | None = None
) -> Iterator[Sequence[Any]]:
    """Raw rows a batch at a time, each a tuple in the order of :data:`COLUMNS`."""
    return store.read_rows(after, batch_size=batch_size, limit=limit)


# -- two timelines ------------------------------------------------------------------------


def days_late(r: R) -> int:
    """Days between the event's and its record's Stockholm dates, if above the limit; else 0."""
    days = (stockholm_day(r.recorded_at) - stockholm_day(r.occurred_at)).days
    return days if days > LATE_AFTER_DAYS else 0


def late_recorded(records: Iterable[R]) -> list[R]:
    """Events recorded more than ``LATE_AFTER_DAYS`` after they happened (Stockholm dates)."""
    return [r for r in records if days_late(r)]


def _when(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class Replay:
    """A round's board at the end of a day, as the world was or as the store knew it then.

    Every listed event can be checked against :meth:`annulled_by`: an annulment on record
    at ``known_at`` takes the event off the board (world time keeps no annulled event).
    """

    round_id: str
    as_of: datetime
    known_at: datetime | None
    board: list[BoardRow]
    #: Events that had happened by ``as_of`` and were known, recorded late (each counts on
    #: this board unless :meth:`annulled_by` names its annulment).
    recorded_late: list[R]
    #: Events that had happened by ``as_of`` but were recorded after ``known_at``: left out.
    not_yet_known: list[R]
    #: Events that had happened by ``as_of`` and were known, but annulled as of ``known_at``
    #: (whatever the annulment's own date): left out of the board.
    annulled: list[R] = field(default_factory=list)
    #: The annulments on record at ``known_at`` (all of them without it), by annulled event id.
    annulments: dict[str, R] = field(default_factory=dict)

    def annulled_by(self, r: R) -> R | None:
        """The annulment of ``r`` on record at ``known_at``, if any."""
        return self.annulments.get(r.event_key)


def replay(wf: Reads, round_id: str, day: date, known_at: datetime | None = None) -> Replay:
    """The board at the end of ``day``; with ``known_at``, only what was recorded by then."""
    as_of = end_of_day(day)
    _round_visible(wf, round_id, as_of, known_at)
    board = wf.board(round_id, as_of=as_of, known_at=known_at)
    records = [
        *wf.store.read_stream(f"round:{round_id}"),
        *wf.store.read_streams(f"project:{round_id}:"),
    ]
    known = [r for r in records if known_at is None or r.recorded_at <= known_at]
    # As the board does: an annulment known by then counts whatever its own date.
    annulments = {str(r.event.annulled_event_id): r for r in known
                  if isinstance(r.event, EventAnnulled)}  # fmt: skip
    happened = sorted((r for r in records if r.occurred_at <= as_of), key=lambda r: r.position)
    unknown = [r for r in happened if known_at is not None and r.recorded_at > known_at]
    left_out = {r.position for r in unknown}
    late = [r for r in happened if r.position not in left_out and days_late(r)]
    annulled = [r for r in happened if r.position not in left_out and r.event_key in annulments]
    _log.info("audit_replayed", round=round_id, as_of=as_of.isoformat(),
              known_at=known_at.isoformat() if known_at else None, rows=len(board),
              recorded_late=len(late), not_yet_known=len(unknown),
              annulled=len(annulled))  # fmt: skip
    return Replay(round_id, as_of, known_at, board, late, unknown, annulled, annulments)


def _round_visible(wf: Reads, round_id: str, as_of: datetime, known_at: datetime | None) -> None:
    """Refuse, naming the dates, a moment before the round opened or before it was recorded."""
    wf.round(round_id)  # an unknown round: NotFound, listing how to find the rounds
    opened = wf.store.read_stream(f"round:{round_id}", to_version=1)[0]
    if opened.occurred_at > as_of:
        raise NotFound(
            f"round {round_id} had not opened by {stockholm_day(as_of)}: it opened on "
            f"{stockholm_day(opened.occurred_at)}",
            reason=NOT_YET_OPEN(
                round=round_id,
                day=stockholm_day(as_of),
                opened=stockholm_day(opened.occurred_at),
            ),
        )
    if known_at is not None and opened.recorded_at > known_at:
        raise NotFound(
            f"at {_when(known_at)} the store had no record of round {round_id}: it was first "
            f"recorded at {_when(opened.recorded_at)} (Stockholm time)",
            reason=NOT_YET_RECORDED(
                round=round_id, known_at=_when(known_at), recorded=_when(opened.recorded_at)
            ),
        )


# -- explain ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExplainLine:
    """One rule's verdict for a project and the events that decided it."""

    subject: str
    status: str
    reason: Reason
    evidence: tuple[R, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every verdict on one project at one moment, under the round's pinned policy."""

    view: ProjectView
    now: datetime
    known_at: datetime | None
    lines: list[ExplainLine]

    @property
    def rule(self) -> str:
        return f"{self.view.policy.name} v{self.view.policy.version}"


def explain(view: ProjectView, now: datetime) -> list[ExplainLine]:
    """Conditions, payable and repayment: verdict, reason and deciding events."""
    a = view.assess(now)
    lines = [ExplainLine(c.code, str(c.status), c.reason, c.evidence) for c in a.conditions]
    blocking = tuple(r for c in a.conditions if c.blocking for r in c.evidence)
    # Nothing blocks: the amount follows from what was granted and what was paid already.
    money = (*view.state.awards, *view.state.supervision_grants, *view.state.disbursements)
    lines.append(
        ExplainLine("payable", fmt_sek(a.payable.total_sek), a.payable.reason, blocking or money)
    )
    for inst in a.payable.instalments:
        lines.append(
            ExplainLine(
                f"instalment {inst.number} ({inst.share}, {fmt_sek(inst.amount_sek)})",
                "released" if inst.released else "held",
                inst.reason,
                inst.evidence,
            )
        )
    lines.append(
        ExplainLine(
            "repayment", fmt_sek(a.repayment.due_sek), a.repayment.reason, a.repayment.evidence
        )
    )
    for account in (view.state.year_end_account, view.state.submission("final_financial_report")):
        if account is None or not account.event.overspend_explanation:
            continue
        e = account.event
        spent = e.spent_sek + (getattr(e, "supervision_spent_sek", None) or 0)
        why = OVERSPEND_EXPLAINED(spent=Kronor(spent), explanation=e.overspend_explanation)
        lines.append(ExplainLine("overspend", fmt_sek(spent), why, (account,)))
    return lines


def explain_project(
    wf: Reads,
    round_id: str,
    district: str,
    *,
    day: date | None = None,
    known_at: datetime | None = None,
) -> Explanation:
    """Explain one district's project at the end of ``day`` (default: now), optionally as
    the store knew it at ``known_at``."""
    current = wf.project(round_id, district)  # unknown round or district: NotFound
    now = end_of_day(day) if day else wf.now()
    _round_visible(wf, round_id, now, known_at)
    views = [
        v
        for v in wf.projects(round_id, as_of=now, known_at=known_at)
        if v.project_id == current.project_id
    ]
    if not views:
        known = f" as known at {_when(known_at)}" if known_at else ""
        raise NotFound(
            f"{district} had not applied in {round_id} by {stockholm_day(now)}{known}",
            reason=(
                AUDIT_NOT_APPLIED_KNOWN(
                    district=district,
                    round=round_id,
                    day=stockholm_day(now),
                    known_at=_when(known_at),
                )
                if known_at
                else AUDIT_NOT_APPLIED(district=district, round=round_id, day=stockholm_day(now))
            ),
        )
    lines = explain(views[0], now)
    _log.info("audit_explained", project=current.project_id, as_of=now.isoformat(),
              known_at=known_at.isoformat() if known_at else None)  # fmt: skip
    return Explanation(views[0], now, known_at, lines)


# -- history ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event of a project's timeline, with what annuls it or what it annuls."""

    record: R
    annulled_by: R | None
    annuls: R | None
    days_late: int

    @property
    def note(self) -> str:
        notes = []
        if self.annulled_by is not None:
            a = self.annulled_by
            notes.append(f"ANNULLED by #{a.position}: {a.event.reason}")
        if isinstance(self.record.event, EventAnnulled):
            notes.append(f"annuls #{self.annuls.position if self.annuls else '?'}")
        if self.days_late:
            notes.append(f"recorded {self.days_late} days late")
        return "; ".join(notes)


def history(view: ProjectView) -> list[HistoryEntry]:
    """The project's whole stream, annulled events included and marked, in version order."""
    records = view.state.history
    annulled_by = {str(r.event.annulled_event_id): r for r in records
                   if isinstance(r.event, EventAnnulled)}  # fmt: skip
    by_id = {r.event_key: r for r in records}
    return [
        HistoryEntry(
            r,
            annulled_by.get(r.event_key),
            by_id.get(str(r.event.annulled_event_id))
            if isinstance(r.event, EventAnnulled)
            else None,
            days_late(r),
        )
        for r in records
    ]


def summary(r: R) -> str:
    """The event's data in one short line."""
    data = r.event.model_dump(mode="json")
    text = ", ".join(f"{k}={v}" for k, v in data.items() if not isinstance(v, list | dict))
    return text if len(text) <= 90 else text[:87] + "..."

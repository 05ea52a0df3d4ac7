"""Audit: verify the hash chain, explain decisions, show histories, export and import."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from events import EventAnnulled, Recorded
from policies.state import STOCKHOLM
from ppss_workflow.codec import GENESIS_HASH, chain_hash_text
from ppss_workflow.db import iso_utc
from ppss_workflow.errors import ConfigurationError, InvalidEventError
from ppss_workflow.logs import get_logger
from ppss_workflow.store import EventStore
from ppss_workflow.workflow import ProjectView, Workflow, end_of_day

__all__ = [
    "COLUMNS",
    "ExplainLine",
    "VerifyReport",
    "explain",
    "export_csv",
    "export_jsonl",
    "export_xlsx",
    "history",
    "import_jsonl",
    "late_recorded",
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
EXPORT_FORMAT = 1
Progress = Callable[[int], None]


def _text(value: Any) -> Any:
    """Instants as their canonical stored text, whichever backend returned them."""
    return iso_utc(value) if isinstance(value, datetime) else value


# -- verify -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of walking the chain: ok, or the first bad position and what is wrong."""

    ok: bool
    checked: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    bad_stream: str | None = None
    problem: str | None = None


def verify_chain(
    store: EventStore,
    *,
    start_after: int = 0,
    batch_size: int = 10_000,
    progress: Progress | None = None,
) -> VerifyReport:
    """Recompute every hash from the stored columns and the previous hash, in position order.

    Streams the store a batch at a time, so memory does not grow with it. Any row changed,
    deleted, inserted or moved behind the store's back breaks the chain at that position.
    Starting after position P trusts the stored hash of P as the anchor.
    """
    prev = GENESIS_HASH
    if start_after > 0:
        anchor = next(iter(store.read_rows(start_after - 1, batch_size=1, limit=1)), [])
        if not anchor or anchor[0].position != start_after:
            return VerifyReport(
                False,
                0,
                start_after,
                "",
                start_after,
                None,
                f"position {start_after} (the anchor) is not in the store",
            )
        prev = anchor[0].hash
    expected = start_after + 1
    checked = 0
    last_stream = None
    for rows in store.read_rows(start_after, batch_size=batch_size):
        for row in rows:
            if row.position != expected:
                return _bad(
                    checked,
                    expected - 1,
                    prev,
                    expected,
                    last_stream,
                    f"position {expected} is missing (the next stored is {row.position})",
                )
            values = [_text(getattr(row, c)) for c in COLUMNS[:-1]]
            digest = chain_hash_text(prev, *values)
            if digest != row.hash:
                return _bad(
                    checked,
                    expected - 1,
                    prev,
                    row.position,
                    row.stream_id,
                    "the stored hash does not match the row's content and the hash "
                    "before it: the row was changed, moved or inserted",
                )
            prev = row.hash
            last_stream = row.stream_id
            expected += 1
            checked += 1
        if progress:
            progress(checked)
    _log.info("audit_verified", events=checked, head_position=expected - 1, head_hash=prev)
    return VerifyReport(True, checked, expected - 1, prev)


def _bad(
    checked: int, head: int, prev: str, position: int, stream: str | None, problem: str
) -> VerifyReport:
    _log.warning("audit_tamper_found", position=position, stream=stream, problem=problem)
    return VerifyReport(False, checked, head, prev, position, stream, problem)


# -- export and import --------------------------------------------------------------------


def _rows(store: EventStore, round_id: str | None) -> Iterator[dict[str, Any]]:
    for rows in store.read_rows(batch_size=10_000):
        for row in rows:
            if round_id and not _in_round(row.stream_id, round_id):
                continue
            yield {c: _text(getattr(row, c)) for c in COLUMNS}


def _in_round(stream_id: str, round_id: str) -> bool:
    return stream_id == f"round:{round_id}" or stream_id.startswith(f"project:{round_id}:")


def export_jsonl(store: EventStore, out: IO[bytes], *, round_id: str | None = None) -> int:
    """A header line, then one canonical JSON object per stored row, exactly as stored.

    The header holds nothing that changes between runs (no export time), so exporting the
    same store twice, or an imported copy of it, gives the same bytes.
    """
    head = store.head()
    header = {
        "ppss_export": EXPORT_FORMAT,
        "scope": f"round:{round_id}" if round_id else "all",
        "head_position": head.position,
        "head_hash": head.hash,
    }
    out.write(orjson.dumps(header, option=orjson.OPT_SORT_KEYS) + b"\n")
    count = 0
    for row in _rows(store, round_id):
        out.write(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) + b"\n")
        count += 1
    return count


def export_csv(store: EventStore, out: IO[str], *, round_id: str | None = None) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in _rows(store, round_id):
        writer.writerow([row[c] for c in COLUMNS])
        count += 1
    return count


def export_xlsx(wf: Workflow, path: Path, *, round_id: str | None = None) -> int:
    """A workbook: every event on one sheet, and a board per round with kronor formats."""
    from openpyxl import Workbook  # noqa: PLC0415 - only this export needs openpyxl
    from openpyxl.styles import Font  # noqa: PLC0415

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = "Händelser"
    sheet.append(list(COLUMNS))
    count = 0
    for row in _rows(wf.store, round_id):
        sheet.append([row[c] for c in COLUMNS])
        count += 1
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    money = '#,##0 "kr"'  # Excel groups thousands by the reader's locale: "1 134 896 kr" in sv
    for rid in [round_id] if round_id else wf.round_ids():
        board = book.create_sheet(f"Tavla {rid}"[:31])
        board.append(
            [
                "Stadsdel",
                "Beviljat",
                "Utbetalt",
                "Kan betalas nu",
                "Får betalas",
                "Hinder",
                "Att återbetala",
                "Status",
            ]
        )
        for r in wf.board(rid):
            board.append(
                [
                    r.district,
                    r.awarded_sek,
                    r.disbursed_sek,
                    r.payable_sek,
                    "ja" if r.may_be_paid else "nej",
                    ", ".join(r.blocking),
                    r.repayment_due_sek,
                    r.status,
                ]
            )
        for column in "BCDG":
            for cell in board[column][1:]:
                cell.number_format = money
        for cell in board[1]:
            cell.font = Font(bold=True)
        board.freeze_panes = "A2"
    book.save(path)
    return count


def import_jsonl(store: EventStore, lines: Iterable[bytes]) -> int:
    """Load a full export into an empty store, verifying the chain; all or nothing."""
    iterator = iter(lines)
    try:
        header = orjson.loads(next(iterator))
    except (StopIteration, orjson.JSONDecodeError):
        raise InvalidEventError("not a ppss export: the first line is not its header") from None
    if not isinstance(header, dict) or header.get("ppss_export") != EXPORT_FORMAT:
        raise InvalidEventError("not a ppss export (format 1): the header line is missing")
    if header.get("scope") != "all":
        raise ConfigurationError(
            f"this export holds only {header.get('scope')}: its chain cannot be verified on "
            "its own, so it cannot be imported; export the whole store to import it"
        )
    if store.count():
        raise ConfigurationError(
            f"{store.url} already holds events: import only into an empty store"
        )

    def rows() -> Iterator[tuple[Any, ...]]:
        prev, expected = GENESIS_HASH, 1
        for number, line in enumerate(iterator, start=2):
            try:
                row = orjson.loads(line)
                values = tuple(row[c] for c in COLUMNS)
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise InvalidEventError(f"line {number} is not an exported event row") from None
            if row["position"] != expected:
                raise InvalidEventError(
                    f"line {number}: position {expected} expected, "
                    f"found {row['position']}; nothing was imported"
                )
            if chain_hash_text(prev, *values[:-1]) != row["hash"]:
                raise InvalidEventError(
                    f"line {number} (position {expected}): its hash does "
                    "not verify; nothing was imported"
                )
            prev = row["hash"]
            expected += 1
            yield values
        if expected - 1 != header.get("head_position") or prev != header.get("head_hash"):
            raise InvalidEventError(
                "the export ends before its header's head: it was cut short; nothing was imported"
            )

    return store.import_rows(rows())


# -- explain and history ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExplainLine:
    """One rule's verdict for a project and the events that decided it."""

    subject: str
    status: str
    reason: str
    evidence: tuple[R, ...]


def explain(view: ProjectView, now: datetime) -> list[ExplainLine]:
    """Conditions, payable and repayment: verdict, reason and deciding events."""
    a = view.assess(now)
    lines = [ExplainLine(c.code, str(c.status), c.reason, c.evidence) for c in a.conditions]
    blocking = tuple(r for c in a.conditions if c.blocking for r in c.evidence)
    money = (*view.state.awards, *view.state.supervision_grants, *view.state.disbursements)
    lines.append(
        ExplainLine("payable", f"{a.payable.total_sek} kr", a.payable.reason, blocking or money)
    )
    lines.append(
        ExplainLine(
            "repayment", f"{a.repayment.due_sek} kr", a.repayment.reason, a.repayment.evidence
        )
    )
    return lines


def late_recorded(history: Iterable[R], *, days: int = 1) -> list[R]:
    """Events recorded more than ``days`` after they happened (Stockholm dates)."""
    return [r for r in history if (_day(r.recorded_at) - _day(r.occurred_at)).days > days]


def _day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def history(view: ProjectView) -> list[tuple[R, str]]:
    """The project's timeline with a note per event: annulled, annuls, recorded late."""
    annulled_by = {
        str(r.event.annulled_event_id): r
        for r in view.state.history
        if isinstance(r.event, EventAnnulled)
    }
    by_id = {r.event_key: r for r in view.state.history}
    late = {r.position for r in late_recorded(view.state.history)}
    out = []
    for r in view.state.history:
        notes = []
        if r.event_key in annulled_by:
            a = annulled_by[r.event_key]
            notes.append(f"ANNULLED by #{a.position}: {a.event.reason}")
        if isinstance(r.event, EventAnnulled):
            target = by_id.get(str(r.event.annulled_event_id))
            notes.append(f"annuls #{target.position if target else '?'}")
        if r.position in late:
            notes.append(f"recorded {(_day(r.recorded_at) - _day(r.occurred_at)).days} days late")
        out.append((r, "; ".join(notes)))
    return out


def summary(r: R) -> str:
    """The event's data in one short line."""
    data = r.event.model_dump(mode="json")
    text = ", ".join(f"{k}={v}" for k, v in data.items() if not isinstance(v, list | dict))
    return text if len(text) <= 90 else text[:87] + "..."


def as_of_instant(day: date | None) -> datetime | None:
    return end_of_day(day) if day else None


def csv_text(store: EventStore, round_id: str | None) -> str:
    buffer = io.StringIO()
    export_csv(store, buffer, round_id=round_id)
    return buffer.getvalue()

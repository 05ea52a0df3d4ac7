"""Export the store (jsonl exactly as stored, csv, xlsx) and import a full jsonl export."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeGuard
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from events.base import InvalidEvent, registry
from events.envelope import Recorded, metadata_from_json
from policies.decision_records import decision_records
from policies.imports import Problem, Replay
from policies.reason import Named, Reason
from policies.state import STOCKHOLM
from ppss_workflow.auditing import COLUMNS, Anchor, stored_rows, stored_text
from ppss_workflow.checkpoints import (
    Checkpoint,
    UnsignedTail,
    key_hex,
    read_checkpoints,
    sign_head,
    signature_problem,
    unsigned_tail,
)
from ppss_workflow.codec import GENESIS_HASH, chain_hash_text
from ppss_workflow.db import iso_utc, parse_utc
from ppss_workflow.errors import (
    CHECKPOINT_BEYOND,
    CHECKPOINT_FORGED,
    CHECKPOINT_MALFORMED,
    CHECKPOINT_NOT_AFTER,
    CHECKPOINT_NOT_JSON,
    CHECKPOINT_NOT_ONE,
    CHECKPOINT_OTHER_KEY,
    IMPORT_CHECKPOINT_LINE,
    IMPORT_COUNT_MISMATCH,
    IMPORT_CUT_SHORT,
    IMPORT_FORMAT,
    IMPORT_GREW,
    IMPORT_HEADER_LACKS,
    IMPORT_JUDGED,
    IMPORT_LINE,
    IMPORT_LINE_TOO_LONG,
    IMPORT_NO_HEADER,
    IMPORT_NO_SIGNED,
    IMPORT_PARTIAL_EXPORT,
    IMPORT_STORE_NOT_EMPTY,
    IMPORT_UNSIGNED_TAIL,
    ROW_EVENT_ID,
    ROW_HASH_BROKEN,
    ROW_HASH_MALFORMED,
    ROW_METADATA_NOT_JSON,
    ROW_NOT_A_ROW,
    ROW_NOT_INSTANT,
    ROW_NOT_JSON,
    ROW_NOT_RECORDED_HASH,
    ROW_NOT_SIGNED_HASH,
    ROW_NOT_TEXT,
    ROW_NOT_WHOLE,
    ROW_POSITION,
    ROW_STREAM_ID,
    ROW_TIME_BACK,
    ROW_UNREADABLE_EVENT,
    ROW_UNREADABLE_METADATA,
    ROW_VERSION,
    ConfigurationError,
    InvalidEventError,
)
from ppss_workflow.i18n import N_, Translator, translator
from ppss_workflow.logs import get_logger
from ppss_workflow.readmodels import ProjectView, Reads
from ppss_workflow.rows import BoardRow
from ppss_workflow.sheets import Column, Table, add_sheet, fit_cell
from ppss_workflow.store import EventStore
from ppss_workflow.words import english

__all__ = [
    "BOARD_COLUMNS",
    "EXPORT_FORMAT",
    "ExportHeader",
    "board_table",
    "bounded_lines",
    "cell_text",
    "export_csv",
    "export_jsonl",
    "export_xlsx",
    "import_jsonl",
    "unsigned_tail_text",
    "with_head",
]

_log = get_logger(__name__)

#: The version of the jsonl layout an export writes (2: signed checkpoints after the
#: header); an import reads these and refuses any other.
EXPORT_FORMAT = 2
READABLE_FORMATS = (1, 2)
_CHECKPOINT_PREFIX = b'{"checkpoint":'
_HEX128 = re.compile(r"[0-9a-f]{128}")
#: Excel stores number formats in its own (US) notation and shows them in the reader's
#: locale: in a Swedish Excel or LibreOffice this reads "1 134 896 kr". A literal space
#: (`# ##0`) would not group at all: Excel takes it as one space after the first digits.
KRONOR_FORMAT = '#,##0 "kr"'
_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_EVENT_WIDTHS = (9, 34, 8, 38, 28, 8, 60, 40, 28, 28, 66, 19, 19)
_STREAM_ID = re.compile(r"[a-z0-9][a-z0-9:._-]{0,199}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TEXT_COLUMNS = ("stream_id", "event_id", "event_type", "data", "metadata")
_INT_COLUMNS = ("position", "version", "schema_version")
Progress = Callable[[int], None]
#: The longest line an import reads (1 MiB): far above any honest row (an application with
#: every field full is a few kB), and a bound on what one line can make it hold in memory.
MAX_LINE_BYTES = 1 << 20


#: What a spreadsheet may take as the start of a formula (OWASP "CSV injection"), and
#: the control characters that no spreadsheet cell (nor a terminal) should receive raw.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value: str, *, quote: bool = True) -> str:
    """Text made safe for a spreadsheet cell: control characters become U+FFFD, and text that
    a spreadsheet would read as a formula gets a leading apostrophe (``quote``; an xlsx cell
    is typed as text instead, see :func:`export_xlsx`)."""
    value = _CONTROL.sub("\ufffd", value)
    if quote and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class ExportHeader:
    """The first line of a jsonl export: format, scope and the store's head at export time.

    It holds nothing that changes between runs (no export time, no host), so exporting a
    store twice, or exporting an imported copy, gives the same bytes.
    """

    scope: str
    head_position: int
    head_hash: str

    def line(self) -> bytes:
        body = {
            "ppss_export": EXPORT_FORMAT,
            "scope": self.scope,
            "head_position": self.head_position,
            "head_hash": self.head_hash,
        }
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS) + b"\n"

    @classmethod
    def read(cls, line: bytes | None) -> ExportHeader:
        try:
            body = orjson.loads(line) if line is not None else None
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict) or "ppss_export" not in body:
            raise InvalidEventError(
                "not a ppss export: the first line is not its header", reason=IMPORT_NO_HEADER()
            )
        if body["ppss_export"] not in READABLE_FORMATS or isinstance(body["ppss_export"], bool):
            raise InvalidEventError(
                f"export format {body['ppss_export']!r}: this program reads formats "
                f"{' and '.join(map(str, READABLE_FORMATS))} only",
                reason=IMPORT_FORMAT(
                    format=str(body["ppss_export"]),
                    readable=" and ".join(map(str, READABLE_FORMATS)),
                ),
            )
        scope, position, digest = (body.get(k) for k in ("scope", "head_position", "head_hash"))
        if not (isinstance(scope, str) and _is_int(position) and isinstance(digest, str)):
            raise InvalidEventError(
                "the export's header lacks its scope or head", reason=IMPORT_HEADER_LACKS()
            )
        return cls(scope, position, digest)


def bounded_lines(source: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of ``source``, each read with at most ``limit`` bytes: a longer line is
    refused as soon as its first ``limit`` bytes are read, never read whole."""
    for number in itertools.count(1):
        line = source.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not (len(line) == limit + 1 and line.endswith(b"\n")):
            raise InvalidEventError(
                f"line {number} is longer than {limit // 1024} KiB: no exported row is; "
                "the file is not a ppss export; nothing was imported",
                reason=IMPORT_LINE_TOO_LONG(line=number, limit=limit // 1024),
            )
        yield line


def with_head(lines: Iterable[bytes]) -> tuple[Iterator[bytes], int | None]:
    """The same lines, and the number of rows the export's header says it holds (its head
    position: a progress bar's total), or None if the first line is no readable header (the
    import then refuses it, as it would have)."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return iterator, None
    try:
        total: int | None = ExportHeader.read(first).head_position
    except InvalidEventError:
        total = None
    return itertools.chain([first], iterator), total


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# -- export -------------------------------------------------------------------------------


def _rows(store: EventStore, round_id: str | None, upto: int) -> Iterator[dict[str, Any]]:
    """Stored rows as column -> stored text, up to position ``upto`` (the header's head)."""
    for rows in stored_rows(store):
        for row in rows:
            if row[0] > upto:
                # Appended after the header was written: leave out, so the file is one moment.
                return
            if round_id is None or _in_round(row[1], round_id):
                yield {c: stored_text(v) for c, v in zip(COLUMNS, row, strict=True)}


def _in_round(stream_id: str, round_id: str) -> bool:
    return stream_id == f"round:{round_id}" or stream_id.startswith(f"project:{round_id}:")


def _header(store: EventStore, round_id: str | None) -> ExportHeader:
    head = store.head()
    return ExportHeader(f"round:{round_id}" if round_id else "all", head.position, head.hash)


def export_jsonl(
    store: EventStore,
    out: IO[bytes],
    *,
    round_id: str | None = None,
    sign_with: Ed25519PrivateKey | None = None,
    now: datetime | None = None,
) -> int:
    """A header line, the store's signed checkpoints (one line each, whole store only), then
    one canonical JSON object per stored row, every column as stored.

    ``data`` and ``metadata`` are the stored canonical JSON text (strings), instants their
    canonical UTC text: exactly what the hash covers, so the file can be re-verified.
    ``sign_with``: the head the export writes is signed first (a checkpoint at ``now``, kept
    in the store too), so the file's last row is covered by a signature.
    """
    header = _header(store, round_id)
    if sign_with is not None:
        if round_id is not None:
            raise ConfigurationError(
                "--sign-with signs the whole store's head: export without --round to sign it"
            )
        if now is None:
            raise ValueError("signing an export needs the time it is signed")
        sign_head(store, sign_with, now, at=(header.head_position, header.head_hash))
    out.write(header.line())
    if round_id is None:
        # Signed checkpoints travel with the whole history (a part's chain is not whole).
        for checkpoint in read_checkpoints(store):
            if checkpoint.position <= header.head_position:
                out.write(_checkpoint_line(checkpoint))
    count = 0
    for row in _rows(store, round_id, header.head_position):
        out.write(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) + b"\n")
        count += 1
    _log.info("audit_exported", format="jsonl", scope=header.scope, events=count,
              head_position=header.head_position)  # fmt: skip
    return count


def _checkpoint_line(cp: Checkpoint) -> bytes:
    body = {"position": cp.position, "hash": cp.hash, "signed_at": iso_utc(cp.signed_at),
            "public_key": cp.public_key, "signature": cp.signature}  # fmt: skip
    return orjson.dumps({"checkpoint": body}, option=orjson.OPT_SORT_KEYS) + b"\n"


def export_csv(
    store: EventStore, out: IO[str], *, round_id: str | None = None, swedish_excel: bool = False
) -> int:
    """The stored rows as CSV, a header row of column names first.

    Every cell is safe to open in a spreadsheet (:func:`cell_text`). ``swedish_excel``: the
    variant a Swedish Excel opens by double-click: ``;`` between cells and a UTF-8 byte order
    mark (the caller opens ``out`` with ``utf-8-sig``); the rows hold no decimals to localise.
    """
    writer = csv.writer(out, delimiter=";" if swedish_excel else ",")
    writer.writerow(COLUMNS)
    count = 0
    for row in _rows(store, round_id, store.head().position):
        writer.writerow([cell_text(str(row[c])) for c in COLUMNS])
        count += 1
    _log.info("audit_exported", format="csv-sv" if swedish_excel else "csv", round=round_id,
              events=count)  # fmt: skip
    return count


def export_xlsx(
    wf: Reads, out: Path | IO[bytes], *, round_id: str | None = None, language: str = "sv"
) -> int:
    """A workbook: every event on one sheet, and the board of each round in kronor.

    The events sheet holds the stored rows as they are (like the jsonl export: its column
    names are the store's, data, not words); its sheet's name, the two local-time columns
    and the boards are in ``language`` (Swedish by default). Written in openpyxl's streaming
    mode, so a large store does not sit in memory.
    """
    words = translator("en" if language == "en" else "sv")
    from openpyxl import Workbook  # noqa: PLC0415 - only this export needs openpyxl
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header_row(sheet: Any, names: Iterable[str]) -> list[Any]:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        return cells

    def styled(sheet: Any, value: Any, number_format: str) -> Any:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell

    def text(sheet: Any, value: str) -> Any:
        # Typed as text: openpyxl would otherwise write "=..." as a live formula; a text
        # longer than a cell holds is cut and says so (the jsonl export has it whole).
        cell = WriteOnlyCell(sheet, value=fit_cell(cell_text(value, quote=False)))
        cell.data_type = "s"
        return cell

    events = book.create_sheet(words.gettext(EVENTS_SHEET))
    events.freeze_panes = "B2"  # position stays in view when scrolling right
    events.print_title_rows = "1:1"
    events.page_setup.orientation = "landscape"
    events.page_setup.paperSize = 9  # A4
    events.page_setup.fitToWidth = 1
    events.page_setup.fitToHeight = 0
    events.sheet_properties.pageSetUpPr.fitToPage = True
    for column, width in zip("ABCDEFGHIJKLM", _EVENT_WIDTHS, strict=True):
        events.column_dimensions[column].width = width
    events.append(header_row(events, (*COLUMNS, words.gettext(N_("occurred (Stockholm)")),
                                      words.gettext(N_("recorded (Stockholm)")))))  # fmt: skip
    count = 0
    for row in _rows(wf.store, round_id, wf.store.head().position):
        # The stored text first (what the hash covers), then the two instants as Excel times
        # in Stockholm local time, which is how a reader of the workbook thinks of them.
        local = [
            styled(events, _local(row["occurred_at"]), _TIME_FORMAT),
            styled(events, _local(row["recorded_at"]), _TIME_FORMAT),
        ]
        events.append([text(events, str(row[c])) if isinstance(row[c], str) else row[c]
                       for c in COLUMNS] + local)  # fmt: skip
        count += 1
    for rid in [round_id] if round_id else wf.round_ids():
        add_sheet(
            book,
            words.t(BOARD_SHEET, round=rid),
            board_table(wf.board(rid), wf.round(rid).title, words.lang),
        )
    book.save(out)
    _log.info("audit_exported", format="xlsx", round=round_id, events=count)
    return count


#: The names of the workbook's sheets (catalogue ids).
EVENTS_SHEET = N_("Events")
BOARD_SHEET = N_("Board %(round)s")

#: The board's columns (headings are catalogue ids, said in the sheet's language); kronor
#: summed in the totals row.
BOARD_COLUMNS = (
    Column(N_("District"), max_width=30),
    Column(N_("Awarded"), "kronor", total=True),
    Column(N_("Paid"), "kronor", total=True),
    Column(N_("Payable now"), "kronor", total=True),
    # Seed 000's supervision money is a separate pool: its own columns, never in the grant's.
    Column(N_("Supervision granted"), "kronor", total=True),
    Column(N_("Supervision paid"), "kronor", total=True),
    Column(N_("Supervision payable now"), "kronor", total=True),
    Column(N_("May be paid")),
    Column(N_("Blocked by"), max_width=60),
    Column(N_("Owed back"), "kronor", total=True),
    Column(N_("Status"), max_width=34),
    Column(N_("Next deadline"), "date"),
    Column(N_("What is to be handed in"), max_width=48),
)


#: The decisions' columns: each decision as the record keeps it (issue 21).
DECISION_COLUMNS = (
    Column("Stadsdel", max_width=30),
    Column("Beslut", max_width=40),
    Column("Belopp", "kronor"),
    Column("Beslutat av", max_width=34),
    Column("Beslutsdatum", "date"),
    Column("Diarienummer", max_width=30),
    Column("Protokoll", max_width=48),
    Column("Referens", max_width=30),
)


def decisions_table(views: Iterable[ProjectView], title: str, language: str = "sv") -> Table:
    """Every standing decision about the round's projects, as the record keeps it: the body,
    the day, the diary number and the minutes (an award read through the allocation that
    made it); what the record lacks is said, never left blank."""
    words = translator("en" if language == "en" else "sv")
    missing = words.gettext(N_("not recorded"))
    body: list[list[Any]] = []
    for view in views:
        for d in decision_records(view.state, view.round):
            what = {
                "award": N_("Grant awarded"),
                "plan_approved": N_("Work plan approved"),
                "plan_rejected": N_("Work plan rejected"),
            }[d.kind]
            body.append(
                [
                    view.state.district or view.project_id,
                    words.gettext(what) + (f" ({d.plan_id})" if d.plan_id else ""),
                    d.amount_sek,
                    d.body or missing,
                    d.decided_on,
                    d.diary_number or missing,
                    d.minutes_ref or missing,
                    d.reference or "",
                ]
            )
    return Table(title, DECISION_COLUMNS, body)


def board_table(rows: Iterable[BoardRow], title: str, language: str = "sv") -> Table:
    """The board as a table: statuses, hindrances and deadlines in words, never codes; the
    next deadline a date; a totals row of the kronor columns."""
    words = translator("en" if language == "en" else "sv")
    body: list[list[Any]] = []
    for r in rows:
        deadline = r.next_deadline
        body.append(
            [
                r.district,
                r.awarded_sek,
                r.disbursed_sek,
                r.payable_sek,
                r.supervision_granted_sek,
                r.supervision_paid_sek,
                r.supervision_payable_sek,
                words.gettext(N_("yes")) if r.may_be_paid else words.gettext(N_("no")),
                "; ".join(words.condition(code) for code in r.blocking),
                r.repayment_due_sek,
                words.status(r.status),
                deadline[1] if deadline else None,
                words.condition(deadline[0]) if deadline else "",
            ]
        )
    columns = [replace(c, heading=words.gettext(c.heading)) for c in BOARD_COLUMNS]
    return Table(title, columns, body, totals_label=words.gettext(N_("Total")))


def _local(stored: str) -> datetime:
    """Excel has no time zones: a naive Stockholm wall-clock time."""
    return parse_utc(stored).astimezone(STOCKHOLM).replace(tzinfo=None)


# -- import -------------------------------------------------------------------------------


def import_jsonl(
    store: EventStore,
    lines: Iterable[bytes],
    *,
    expect: Anchor | None = None,
    progress: Progress | None = None,
    allow_growth: bool = False,
    replay: bool = True,
    public_key: Ed25519PublicKey | None = None,
    require_signed_head: bool = False,
    words: Translator | None = None,
) -> int:
    """Load a full export into an empty store, verifying the chain as it reads; all or nothing.

    Each row must be well formed, hold an event the catalogue can read, continue the hash
    chain from the row before it, and keep positions, stream versions and recorded_at in
    order; the last row must be the header's head (and ``expect``'s, if given: the row at
    its position must carry its hash, and, unless ``allow_growth``, be the last). Each event
    must be one the engine could have recorded then (:mod:`policies.imports`; only tests
    of the chain alone turn ``replay`` off, on histories no command wrote). The
    rows go in with their positions, times and hashes, in one transaction: the first
    failure raises and nothing is written. ``require_signed_head``: the last row must be
    covered by a signed checkpoint (rows after the newest one are refused, said in
    ``words``' language).
    """
    iterator = iter(lines)
    header = ExportHeader.read(next(iterator, None))
    if header.scope != "all":
        raise ConfigurationError(
            f"this export holds only {header.scope}: its chain cannot be verified on its own, "
            "so it cannot be imported; export the whole store (no --round) to import it",
            reason=IMPORT_PARTIAL_EXPORT(scope=header.scope),
        )
    if store.count():
        raise ConfigurationError(
            f"{store.url} already holds events: import only into an empty store",
            reason=IMPORT_STORE_NOT_EMPTY(store=str(store.url)),
        )
    if expect is not None and expect.position > header.head_position:
        raise InvalidEventError(
            f"the export ends at position {header.head_position}, before the recorded "
            f"{expect.position}: it was cut short; nothing was imported",
            reason=IMPORT_CUT_SHORT(head=header.head_position, recorded=expect.position),
        )
    if expect is not None and expect.position < header.head_position and not allow_growth:
        raise InvalidEventError(
            f"the export holds {header.head_position - expect.position} events after the "
            f"expected head {expect.position}; add --allow-growth if they may be there; "
            "nothing was imported",
            reason=IMPORT_GREW(
                count=header.head_position - expect.position, recorded=expect.position
            ),
        )
    checker = _ChainCheck(expect, replay=replay)
    signed: list[tuple[int, str, datetime, str, str]] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        in_checkpoints = True
        for number, line in enumerate(iterator, start=2):
            if not line.strip():
                continue  # a blank line (an editor's trailing newline) holds no row
            if in_checkpoints and line.startswith(_CHECKPOINT_PREFIX):
                cp = _read_checkpoint(number, line, header, public_key, checker.signed)
                checker.signed[cp.position] = cp
                signed.append((cp.position, cp.hash, cp.signed_at, cp.public_key, cp.signature))
                continue
            if in_checkpoints:
                in_checkpoints = False
                if public_key is not None and not checker.signed:
                    raise InvalidEventError(
                        "the export holds no signed checkpoint to check with --public-key: "
                        "import it without the key; nothing was imported",
                        reason=IMPORT_NO_SIGNED(),
                    )
            yield checker.check(number, line)
            if progress is not None and checker.count % 1_000 == 0:
                progress(checker.count)
        checker.finish(header, checker.last_number)
        tail = unsigned_tail(checker.signed, header.head_position)
        if require_signed_head and tail is not None:
            raise InvalidEventError(
                unsigned_tail_text(tail, words) + (
                    "; --require-signed-head: nothing was imported"
                    if words is None or words.lang == "en"
                    else "; --require-signed-head: inget importerades"
                ), reason=IMPORT_UNSIGNED_TAIL(tail=unsigned_tail_text(tail, words))
            )  # fmt: skip

    try:
        count = store.import_rows(rows(), checkpoints=signed)
    except InvalidEventError as exc:
        _log.info("audit_import_refused", reason=str(exc))
        raise
    if progress is not None:
        progress(count)
    _log.info("audit_imported", events=count, head_position=header.head_position,
              head_hash=header.head_hash, checkpoints=len(signed))  # fmt: skip
    return count


def unsigned_tail_text(tail: UnsignedTail, words: Translator | None = None) -> str:
    """The rows after the newest signed checkpoint, in one line (Swedish by default)."""
    if words is None:
        from ppss_workflow.i18n import translator  # noqa: PLC0415 - only for this line

        words = translator(None)
    where = (
        words.t("position %(first)d", first=tail.first)
        if tail.first == tail.last
        else words.t("positions %(first)d–%(last)d", first=tail.first, last=tail.last)
    )
    if tail.after == 0:
        return words.nt(
            "%(num)d row is covered by no signed checkpoint (%(where)s)",
            "%(num)d rows are covered by no signed checkpoint (%(where)s)",
            tail.count,
            where=where,
        )
    return words.nt(
        "%(num)d row after the last signed checkpoint at position %(after)d (%(where)s)",
        "%(num)d rows after the last signed checkpoint at position %(after)d (%(where)s)",
        tail.count,
        after=tail.after,
        where=where,
    )


class _ChainCheck:
    """Checks each imported row against the one before it."""

    def __init__(self, expect: Anchor | None, *, replay: bool = True) -> None:
        self.prev = GENESIS_HASH
        self.prev_recorded = ""
        self.count = 0
        self.last_number = 0
        self.expect = expect
        #: stream -> its last version; grows with the number of streams, not of events.
        self.versions: dict[str, int] = {}
        #: Each stream id once, shared by the replayed events of that stream.
        self.names: dict[str, str] = {}
        #: Signed checkpoints by position: the row there must carry the signed hash.
        self.signed: dict[int, Checkpoint] = {}
        #: The history so far, replayed through the decisions (see policies.imports).
        self.replay = Replay() if replay else None

    def check(self, number: int, line: bytes) -> tuple[Any, ...]:
        position = self.count + 1
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise self._refuse(number, "is not JSON", ROW_NOT_JSON()) from None
        if not isinstance(row, dict) or set(row) != set(COLUMNS):
            raise self._refuse(
                number,
                f"is not an exported row (columns: {', '.join(COLUMNS)})",
                ROW_NOT_A_ROW(columns=_named_columns(COLUMNS)),
            )
        for name in _TEXT_COLUMNS:
            if not isinstance(row[name], str):
                raise self._refuse(number, f"{name} is not text", ROW_NOT_TEXT(column=f"`{name}`"))
        for name in _INT_COLUMNS:
            if not _is_int(row[name]):
                raise self._refuse(
                    number, f"{name} is not a whole number", ROW_NOT_WHOLE(column=f"`{name}`")
                )
        for name in ("occurred_at", "recorded_at"):
            if not _canonical_instant(row[name]):
                raise self._refuse(
                    number,
                    f"{name} {row[name]!r} is not a stored instant",
                    ROW_NOT_INSTANT(column=f"`{name}`", value=repr(row[name])),
                )
        if not (isinstance(row["hash"], str) and _HEX64.fullmatch(row["hash"])):
            raise self._refuse(number, "hash is not 64 hex digits", ROW_HASH_MALFORMED())
        if row["position"] != position:
            raise self._refuse(
                number,
                f"holds position {row['position']}, not {position}",
                ROW_POSITION(found=row["position"], expected=position),
            )
        if not _is_uuid(row["event_id"]):
            raise self._refuse(
                number,
                f"event id {row['event_id']!r} is not a UUID",
                ROW_EVENT_ID(value=repr(row["event_id"])),
            )
        if not _STREAM_ID.fullmatch(row["stream_id"]):
            raise self._refuse(
                number,
                f"stream id {row['stream_id']!r} is not valid",
                ROW_STREAM_ID(value=repr(row["stream_id"])),
            )
        values = tuple(row[c] for c in COLUMNS)
        if chain_hash_text(self.prev, *values[:-1]) != row["hash"]:
            raise self._refuse(
                number,
                f"(position {position}): its hash does not verify",
                ROW_HASH_BROKEN(position=position),
            )
        stream, version = row["stream_id"], row["version"]
        if version != self.versions.get(stream, 0) + 1:
            previous = self.versions.get(stream, 0)
            raise self._refuse(
                number,
                f"{stream} version {version} does not follow {previous}",
                ROW_VERSION(stream=stream, version=version, previous=previous),
            )
        if row["recorded_at"] < self.prev_recorded:
            raise self._refuse(number, "recorded_at goes back in time", ROW_TIME_BACK())
        checkpoint = self.signed.get(position)
        if checkpoint is not None and row["hash"] != checkpoint.hash:
            raise self._refuse(
                number,
                f"(position {position}): not the hash signed in the checkpoint of "
                f"{checkpoint.signed_at:%Y-%m-%d %H:%M} UTC: the history was rewritten after "
                "it was signed",
                ROW_NOT_SIGNED_HASH(
                    position=position, signed_at=f"{checkpoint.signed_at:%Y-%m-%d %H:%M}"
                ),
            )
        expect = self.expect
        if expect is not None and position == expect.position and row["hash"] != expect.hash:
            raise self._refuse(
                number,
                f"(position {position}): not the recorded hash",
                ROW_NOT_RECORDED_HASH(position=position),
            )
        self._read_event(number, position, row)
        self.versions[stream] = version
        self.prev, self.prev_recorded = row["hash"], row["recorded_at"]
        self.count = position
        self.last_number = number
        return values

    def _read_event(self, number: int, position: int, row: dict[str, Any]) -> None:
        """The row's event and metadata read against the catalogue, and the event replayed
        through the decisions after the history before it."""
        stream, version = row["stream_id"], row["version"]
        try:
            event = registry.decode_json(row["event_type"], row["schema_version"], row["data"])
        except InvalidEvent as exc:
            raise self._refuse(
                number,
                f"holds an event this program cannot read: {exc}",
                ROW_UNREADABLE_EVENT(problem=_said(exc)),
            ) from None
        try:
            # Validated as Metadata.model_validate_json does, memoised: the replay reads it
            # again (its role, actor and district) from the same text.
            metadata_from_json(row["metadata"])
        except ValidationError as exc:
            said = _metadata_problem(exc)
            why = (
                ROW_METADATA_NOT_JSON()
                if said == _NOT_JSON
                else ROW_UNREADABLE_METADATA(problem=said)
            )
            raise self._refuse(
                number, f"has metadata this program cannot read: {said}", why
            ) from None
        # What the replay keeps of the row, for as long as a later judgement may read its
        # stream: one text per stream id, and no hash (checked above; no rule reads one).
        stream = self.names.setdefault(stream, stream)
        recorded = Recorded(position, stream, version, event, parse_utc(row["occurred_at"]),
                            parse_utc(row["recorded_at"]), row["event_id"], row["metadata"],
                            "")  # fmt: skip
        if self.replay is not None:
            problem = self.replay.feed(recorded)
            if problem is not None:
                raise self._judged(number, position, problem)

    def _judged(self, number: int, position: int, problem: Problem) -> InvalidEventError:
        """The engine's judgment, naming the event it concerns (a held one may be earlier)."""
        where = f"line {number - (position - problem.position)}" if problem.position else (
            f"line {number}")  # fmt: skip
        _log.info("audit_import_judged", position=problem.position, rule=problem.rule,
                  reason=problem.reason.code)  # fmt: skip
        error = InvalidEventError(
            f"{where} (position {problem.position}, {problem.event_type} on "
            f"{problem.stream_id}): {english(problem.reason)} (rule: {problem.rule}); "
            "nothing was imported",
            reason=IMPORT_JUDGED(
                line=number - (position - problem.position) if problem.position else number,
                position=problem.position,
                event=Named("event", problem.event_type),
                stream=problem.stream_id,
                why=problem.reason,
                rule=problem.rule,
            ),
        )
        error.problem = problem  # type: ignore[attr-defined]
        return error

    def finish(self, header: ExportHeader, number: int = 0) -> None:
        if self.replay is not None:
            problem = self.replay.finish()
            if problem is not None:
                raise self._judged(number, self.count, problem)
        if (self.count, self.prev) != (header.head_position, header.head_hash):
            raise InvalidEventError(
                f"the export holds {self.count} events ending in {self.prev[:16]}…, but its "
                f"header says {header.head_position} ending in {header.head_hash[:16]}…: rows "
                "were cut off or added; nothing was imported",
                reason=IMPORT_COUNT_MISMATCH(
                    count=self.count,
                    last=self.prev[:16],
                    head=header.head_position,
                    head_hash=header.head_hash[:16],
                ),
            )

    @staticmethod
    def _refuse(number: int, problem: str, why: Reason) -> InvalidEventError:
        """Line ``number`` refused: ``problem`` in English (the log's), ``why`` said in the
        reader's language."""
        return InvalidEventError(
            f"line {number} {problem}; nothing was imported",
            reason=IMPORT_LINE(line=number, problem=why),
        )


def _read_checkpoint(
    number: int,
    line: bytes,
    header: ExportHeader,
    public_key: Ed25519PublicKey | None,
    earlier: dict[int, Checkpoint],
) -> Checkpoint:
    """A checkpoint line, well formed, signed (by ``public_key`` if given), within the
    export and after the one before it."""

    def refuse(problem: str, why: Reason) -> InvalidEventError:
        return InvalidEventError(
            f"line {number}: {problem}; nothing was imported",
            reason=IMPORT_CHECKPOINT_LINE(line=number, problem=why),
        )

    try:
        body = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise refuse("the checkpoint is not JSON", CHECKPOINT_NOT_JSON()) from None
    cp = body.get("checkpoint") if isinstance(body, dict) and len(body) == 1 else None
    fields = ("hash", "position", "public_key", "signature", "signed_at")
    if not isinstance(cp, dict) or sorted(cp) != list(fields):
        raise refuse(
            f"not a checkpoint (fields: {', '.join(fields)})",
            CHECKPOINT_NOT_ONE(fields=_named_columns(fields)),
        )
    position, digest, when = cp["position"], cp["hash"], cp["signed_at"]
    key, signature = cp["public_key"], cp["signature"]
    if not (
        _is_int(position)
        and position >= 1
        and isinstance(digest, str)
        and _HEX64.fullmatch(digest)
        and _canonical_instant(when)
        and isinstance(key, str)
        and _HEX64.fullmatch(key)
        and isinstance(signature, str)
        and _HEX128.fullmatch(signature)
    ):
        raise refuse(
            "the checkpoint's position, hash, time, key or signature is malformed",
            CHECKPOINT_MALFORMED(),
        )
    checkpoint = Checkpoint(position, digest, parse_utc(when), key, signature)
    problem = signature_problem(checkpoint, public_key)
    if problem is not None:
        named = public_key is not None and checkpoint.public_key != key_hex(public_key)
        forged = CHECKPOINT_OTHER_KEY if named else CHECKPOINT_FORGED
        when = f"{checkpoint.signed_at:%Y-%m-%d %H:%M}"
        raise refuse(problem, forged(position=position, signed_at=when))
    if earlier and position <= max(earlier):
        raise refuse(
            f"the checkpoint at position {position} is not after the one before it",
            CHECKPOINT_NOT_AFTER(position=position),
        )
    if position > header.head_position:
        raise refuse(
            f"the checkpoint at position {position} is beyond the export's head "
            f"{header.head_position}: its end was cut off",
            CHECKPOINT_BEYOND(position=position, head=header.head_position),
        )
    return checkpoint


def _is_uuid(value: str) -> bool:
    try:
        return str(UUID(value)) == value
    except ValueError:
        return False


def _named_columns(names: Iterable[str]) -> str:
    """Columns or fields as the export names them, each in backticks (typed, not said)."""
    return ", ".join(f"`{name}`" for name in names)


def _said(exc: Exception) -> str:
    """An exception's own words, on one line (a cause beside the reason, as the codec gave it)."""
    return " ".join(str(exc).split())


_NOT_JSON = "it is not JSON"


def _metadata_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        return _NOT_JSON
    where = ".".join(str(p) for p in first["loc"]) or "metadata"
    return f"{where}: {first['msg']}"


def _canonical_instant(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return iso_utc(parse_utc(value)) == value
    except ValueError:
        return False

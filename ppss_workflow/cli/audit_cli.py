"""`ppss audit` (verify, replay, explain, history), `ppss export` and `ppss import`."""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from policies.decision_records import DecisionRecord, decision_records
from policies.state import STOCKHOLM, end_of_day
from ppss_workflow.archive import is_archive, load_documents, open_events, write_archive
from ppss_workflow.atomic import new_store
from ppss_workflow.auditing import (
    Anchor,
    Replay,
    days_late,
    explain_project,
    history,
    replay,
    summary,
    verify_chain,
)
from ppss_workflow.checkpoints import (
    Checkpoint,
    check_checkpoints,
    generate_key,
    load_private_key,
    load_public_key,
    read_checkpoints,
    sign_head,
    unsigned_tail,
)
from ppss_workflow.cli._common import DatabaseOption, err_console, open_store, out_console, words
from ppss_workflow.cli.workflow_cmds import AsOpt, acting_role, render_board
from ppss_workflow.config import resolve_database_url
from ppss_workflow.corrections import COLUMNS as CORRECTION_COLUMNS
from ppss_workflow.corrections import as_data as corrections_data
from ppss_workflow.corrections import as_row as correction_row
from ppss_workflow.corrections import store_corrections
from ppss_workflow.documents import export_documents, verify_documents
from ppss_workflow.errors import (
    AUDIT_FROM_POSITIVE,
    CANNOT_READ,
    CANNOT_WRITE,
    CLI_DATE_OR_INSTANT,
    CLI_FORMAT_CHOICE,
    CLI_NEEDS_UTC_OFFSET,
    CLI_NOT_A_DATE,
    FILE_NO_FOLDER,
    FILE_NO_FOLDER_FOR,
    FOLDER_EXISTS,
    NO_FILE,
    OUTPUT_CAUSE,
    OUTPUT_EXISTS_FORCE,
    OUTPUT_NOT_REGULAR,
    OUTPUT_SYMLINK,
    ConfigurationError,
    InvalidCommand,
)
from ppss_workflow.export import (
    bounded_lines,
    export_csv,
    export_jsonl,
    export_xlsx,
    import_jsonl,
    unsigned_tail_text,
    with_head,
)
from ppss_workflow.faults import one_line, storage_fault
from ppss_workflow.i18n import N_, Translator
from ppss_workflow.readmodels import Reads
from ppss_workflow.words import english, say

__all__ = ["app", "export_command", "import_command", "register"]

app = typer.Typer(
    help="Granskning (bara läsning, ingen roll behövs): kontrollera kedjan, spela upp ett "
    "ögonblick, förklara ett beslut, visa ett projekts historik.",
    no_args_is_help=True,
)

RoundOpt = Annotated[
    str, typer.Option("--round", "-r", help="Bidragsomgångens id, t.ex. ppss-2014.")
]
DistrictOpt = Annotated[str, typer.Option("--district", help="Stadsdelens namn, t.ex. Farsta.")]
FmtOpt = Annotated[str, typer.Option("--format", "-f", help="table eller json")]
KnownAtOpt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="Bara det databasen hade registrerat vid denna tidpunkt (2014-03-15T12:00+01:00), "
        "eller vid slutet av denna dag i Stockholm (2014-03-15).",
    ),
]
#: Exit code of a verification that found a broken chain (errors a person made are 1-6).
BROKEN = 7


def _paragraphs(doc: str | None) -> str:
    """A docstring as help text: Rich keeps line breaks, so each paragraph becomes one line."""
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc or "").split("\n\n"))


F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _command(name: str) -> Callable[[F], F]:
    """``@app.command(name)`` with the docstring's paragraphs as help."""

    def register(fn: F) -> F:
        app.command(name, help=_paragraphs(fn.__doc__))(fn)
        return fn

    return register


# -- small parsers and formatters ---------------------------------------------------------


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(
            f"{option} {value!r} is not a date: use YYYY-MM-DD",
            reason=CLI_NOT_A_DATE(option=option, typed=value),
        ) from None


def _moment(value: str | None, option: str) -> datetime | None:
    """A date means the end of that Stockholm day; an instant needs its UTC offset."""
    if value is None:
        return None
    if len(value) == 10:
        return end_of_day(_day(value, option))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(
            f"{option} {value!r}: use a date (2014-03-15) or an instant (2014-03-15T12:00+01:00)",
            reason=CLI_DATE_OR_INSTANT(
                option=option, typed=value, day="2014-03-15", instant="2014-03-15T12:00+01:00"
            ),
        ) from None
    if moment.tzinfo is None:
        raise InvalidCommand(
            f"{option} {value!r} needs a UTC offset, e.g. +01:00",
            reason=CLI_NEEDS_UTC_OFFSET(option=option, typed=value),
        )
    return moment


def _fmt(value: str, allowed: tuple[str, ...] = ("table", "json")) -> str:
    if value not in allowed:
        raise InvalidCommand(
            f"--format {value!r}: use {' or '.join(allowed)}",
            reason=CLI_FORMAT_CHOICE(
                typed=value, allowed=", ".join(allowed[:-1]), last=allowed[-1]
            ),
        )
    return value


def _when(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _iso(moment: datetime) -> str:
    """Machine-readable, and still Stockholm time (the offset says which)."""
    return moment.astimezone(STOCKHOLM).isoformat()


def _echo_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _record(r: Any) -> dict[str, Any]:
    meta = r.metadata
    return {
        "position": r.position,
        "event_id": r.event_key,
        "stream": r.stream_id,
        "version": r.version,
        "type": r.event_type,
        "occurred_at": _iso(r.occurred_at),
        "recorded_at": _iso(r.recorded_at),
        "days_late": days_late(r),
        "actor": meta.actor,
        "role": meta.role,
    }


def _count(n: int) -> str:
    """``123 456``: Swedish digit grouping."""
    return f"{n:,}".replace(",", " ")


class _EventsPerSecond(ProgressColumn):
    """How many events a second the task goes at (its speed over rich's recent window)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "", style="progress.data.speed")


@contextlib.contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr, shown only on a terminal (never in pipes, files or logs)."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} events" if total else "{task.completed:,}"),
        _EventsPerSecond(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


# -- verify -------------------------------------------------------------------------------


@_command("verify")
def verify_command(  # noqa: PLR0915 - one flat sequence of checks and answers
    start: Annotated[
        int,
        typer.Option(
            "--from",
            help="Kontrollera från denna position, och lita på den sparade hashen just före "
            "(t.ex. kedjans slut vid en tidigare kontroll).",
        ),
    ] = 1,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="POSITION:HASH från en tidigare kontroll, sparad utanför databasen: raden där "
            "måste ha kvar den hashen, och den måste vara kedjans slut (se "
            "--allow-growth).",
        ),
    ] = None,
    allow_growth: Annotated[
        bool,
        typer.Option(
            "--allow-growth",
            help="Med --expect-head: händelser efter den räknas och rapporteras, utan att det "
            "är ett fel (en databas som fortfarande används).",
        ),
    ] = False,
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            help="Kontrollera också varje signerad kontrollpunkt med denna nyckel (dess 64 "
            "hexsiffror, eller .pub-filen från `ppss audit keygen`): ett avklippt slut eller en "
            "historik som hashats om efter en kontrollpunkt upptäcks utan ett sparat slut.",
        ),
    ] = None,
    require_signed_head: Annotated[
        bool,
        typer.Option(
            "--require-signed-head",
            help="Med --public-key: misslyckas (slutkod 7) om det finns rader efter den sista "
            "signerade kontrollpunkten.",
        ),
    ] = False,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """Gå igenom hashkedjan i hela databasen; slutkod 0 bara om inget har ändrats.

    Varje händelses hash räknas om från dess sparade kolumner och föregångarens hash, och
    positionerna måste löpa 1, 2, 3... utan lucka. En rad som ändrats, tagits bort, lagts
    till eller flyttats bakom databasens rygg ger ett fel som anger den första felaktiga
    positionen och dess ström (slutkod 7). När allt stämmer skrivs kedjans slut (position
    och hash) ut: spara dem någon annanstans (ett protokoll, ett e-brev), för en kedja kan
    inte själv visa att dess SLUT klippts av, eller att den skrivits om och hashats på nytt;
    --expect-head kontrollerar mot dem.
    """
    _fmt(fmt)
    if start < 1:
        raise InvalidCommand(
            f"--from {start}: positions start at 1", reason=AUDIT_FROM_POSITIVE(position=start)
        )
    expect = Anchor.parse(expect_head) if expect_head else None
    key = load_public_key(public_key) if public_key else None
    store, _ = open_store(database, create=False)
    signed: list[Checkpoint] = []
    problem = None
    documents_problems: list[str] = []
    try:
        total = max(store.head().position - start + 1, 0)
        with _progress("verifying", total) as progress:
            report = verify_chain(store, start_after=start - 1, expect=expect, progress=progress,
                                  allow_growth=allow_growth)  # fmt: skip
        if require_signed_head and key is None:
            raise InvalidCommand("--require-signed-head needs --public-key to check the signatures")
        if report.ok and key is not None:
            signed, problem = check_checkpoints(store, key, report.head_position)
        documents_problems = verify_documents(store) if report.ok else []
    finally:
        store.close()
    tail = unsigned_tail((c.position for c in signed), report.head_position) if key else None
    tail_text = unsigned_tail_text(tail, words()) if tail is not None else None
    if fmt == "json":
        extra: dict[str, Any] = (
            {"checkpoints_checked": len(signed), "checkpoint_problem": problem} if key else {}
        )
        if key is not None:
            extra["unsigned_after_checkpoint"] = (
                {"count": tail.count, "first": tail.first, "last": tail.last} if tail else None
            )
        if documents_problems:
            extra["document_problems"] = documents_problems
        _echo_json({**report.as_json(), **extra})
    if not report.ok:
        print(f"ppss: audit: {_told(report.describe())}", file=sys.stderr)
        raise typer.Exit(BROKEN)
    if problem is not None:
        print(f"ppss: audit: {_told(problem)}", file=sys.stderr)
        raise typer.Exit(BROKEN)
    if documents_problems:
        print(f"ppss: audit: {_told(documents_problems[0])}", file=sys.stderr)
        raise typer.Exit(BROKEN)
    if tail_text is not None and require_signed_head:
        print(f"ppss: audit: {tail_text} (--require-signed-head)", file=sys.stderr)
        raise typer.Exit(BROKEN)
    if tail_text is not None and fmt == "table":
        err_console.print(tail_text, style="yellow")
    if fmt == "table":
        tr = words()
        matching = tr.t(", matching %(head)s", head=expect) if expect else ""
        out_console.print(
            tr.t(
                "Chain verified: %(count)s events from position %(first)s%(matching)s.",
                count=_count(report.checked),
                first=report.first_position,
                matching=matching,
            )
        )
        if report.after_expected:
            out_console.print(
                tr.t(
                    "%(count)s events after the expected head %(head)s (allowed by "
                    "--allow-growth).",
                    count=_count(report.after_expected),
                    head=expect.position if expect else 0,
                )
            )
        out_console.print(
            tr.t(
                "Head position %(position)s, head hash %(hash)s",
                position=report.head_position,
                hash=report.head_hash,
            )
        )
        if signed:
            newest = signed[-1]
            out_console.print(
                tr.nt(
                    "%(num)d signed checkpoint verified; the newest at position "
                    "%(position)s, signed %(when)s UTC.",
                    "%(num)d signed checkpoints verified; the newest at position "
                    "%(position)s, signed %(when)s UTC.",
                    len(signed),
                    position=newest.position,
                    when=f"{newest.signed_at:%Y-%m-%d %H:%M}",
                )
            )
        out_console.print(
            tr.t("Record it outside the store:")
            + f" ppss audit verify --expect-head {report.head_position}:{report.head_hash}",
            style="dim",
        )


# -- signed checkpoints ---------------------------------------------------------------------


@_command("keygen")
def keygen_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Var den privata nyckeln ska skrivas.")],
) -> None:
    """Skapa en Ed25519-nyckel för att signera kontrollpunkter: den privata nyckeln till FIL
    (bara du kan läsa den; håll den borta från databasservern), den publika till FIL.pub."""
    public = generate_key(out)
    out_console.print(
        words().t("Private key written to %(file)s; public key (also in %(file)s.pub):", file=out)
    )
    out_console.print(public)


@_command("checkpoint")
def checkpoint_command(
    key: Annotated[
        Path, typer.Option("--key", help="Den privata nyckeln från `ppss audit keygen`.")
    ],
    acting: AsOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Signera databasens slut (position och hash, och när) med en nyckel utanför databasen.

    `ppss audit verify --public-key` upptäcker sedan ett avklippt slut eller en historik som
    hashats om efter en kontrollpunkt. Att signera samma slut två gånger skadar inte (det
    signeras en gång).
    """
    acting_role(acting, "sign checkpoints")
    private = load_private_key(key)
    store, _ = open_store(database, create=False)
    try:
        checkpoint, new = sign_head(store, private, datetime.now(UTC))
    finally:
        store.close()
    tr = words()
    said = tr.gettext("Signed") if new else tr.gettext("Already signed")
    out_console.print(
        said
        + ": "
        + tr.t(
            "position %(position)s, hash %(hash)s, %(when)s UTC.",
            position=checkpoint.position,
            hash=checkpoint.hash,
            when=f"{checkpoint.signed_at:%Y-%m-%d %H:%M}",
        )
    )


# -- replay -------------------------------------------------------------------------------


@_command("replay")
def replay_command(
    round_id: RoundOpt,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Läget vid slutet av denna dag i Stockholm.")
    ],
    known_at: KnownAtOpt = None,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """Översikten som läget var vid slutet av en dag, eller med --known-at som det var känt.

    Händelser som registrerats sent (mer än en dag efter att de hände) listas under
    översikten; med --known-at även händelser som hade hänt men inte registrerats än.
    Händelser makulerade vid --known-at (utan den: varje registrerad makulering) listas som
    utelämnade, och varje listad händelse som då var makulerad märks med makuleringens position.
    """
    _fmt(fmt)
    day = _day(as_of, "--as-of")
    knew = _moment(known_at, "--known-at")
    store, _ = open_store(database, create=False)
    try:
        result = replay(Reads(store), round_id, day, knew)
    finally:
        store.close()
    if fmt == "json":
        _echo_json(
            {
                "round": round_id,
                "as_of": _iso(result.as_of),
                "known_at": _iso(knew) if knew else None,
                "board": [r.as_json() for r in result.board],
                "recorded_late": [_marked(result, r) for r in result.recorded_late],
                "not_yet_known": [_marked(result, r) for r in result.not_yet_known],
                "annulled": [_marked(result, r) for r in result.annulled],
            }
        )
        return
    tr = words()
    title = (
        tr.t(
            "Board for %(round)s at the end of %(day)s, as the store knew it at %(known)s",
            round=round_id,
            day=tr.date(day),
            known=_when(knew),
        )
        if knew
        else tr.t(
            "Board for %(round)s at the end of %(day)s, as the world was",
            round=round_id,
            day=tr.date(day),
        )
    )
    render_board(result.board, title, "table")
    if knew is not None:
        _records_table(
            tr.t(
                "Happened by %(day)s but not yet recorded at %(known)s: left out",
                day=tr.date(day),
                known=_when(knew),
            ),
            result.not_yet_known,
            result,
        )
    annulled_when = (
        tr.t("as known at %(known)s", known=_when(knew)) if knew else tr.gettext("on record")
    )
    _records_table(
        tr.t(
            "Happened by %(day)s but annulled (%(when)s): left out",
            day=tr.date(day),
            when=annulled_when,
        ),
        result.annulled,
        result,
    )
    _records_table(
        tr.gettext("Recorded late, counted above unless annulled"),
        result.recorded_late,
        result,
    )


#: Columns never shortened on a narrow screen: an auditor copies positions and ids.
_WHOLE: dict[str, dict[str, Any]] = {
    "#": {"no_wrap": True},
    "Event id": {"no_wrap": True, "min_width": 36},
}


def _marked(result: Replay, r: Any) -> dict[str, Any]:
    """A replayed event, with the position of its annulment if one was on record then."""
    annulment = result.annulled_by(r)
    return {**_record(r), "annulled_by": annulment.position if annulment else None}


def _records_table(title: str, records: list[Any], result: Replay) -> None:
    tr = words()
    if not records:
        out_console.print(tr.t("%(what)s: none.", what=title))
        return
    table = Table(title=f"{title} ({len(records)})", title_justify="left")
    columns = (N_("#"), N_("Event id"), N_("Stream"), N_("Event"), N_("Happened"), N_("Recorded"),
               N_("Days late"), N_("Actor"), N_("Annulled"))  # fmt: skip
    for column in columns:
        table.add_column(
            tr.gettext(column),
            justify="right" if column in ("#", "Days late") else "left",
            **_WHOLE.get(column, {}),
        )
    for r in records:
        annulment = result.annulled_by(r)
        event = escape(_event_words(r.event_type, tr))
        table.add_row(
            str(r.position),
            r.event_key,
            r.stream_id,
            f"[strike]{event}[/strike]" if annulment else event,
            _when(r.occurred_at),
            _when(r.recorded_at),
            str(days_late(r) or ""),
            r.metadata.actor,
            tr.t("ANNULLED by #%(position)s", position=annulment.position) if annulment else "",
        )
    out_console.print(table)


def _note(entry: Any, tr: Translator) -> str:
    """A history entry's note in words: annulled by whom and why, what it annuls, how late."""
    notes = []
    if entry.annulled_by is not None:
        a = entry.annulled_by
        notes.append(
            tr.t(
                "ANNULLED by #%(position)s: %(reason)s", position=a.position, reason=a.event.reason
            )
        )
    if entry.annuls is not None:
        notes.append(tr.t("annuls #%(position)s", position=entry.annuls.position))
    if entry.days_late:
        notes.append(tr.t("recorded %(days)d days late", days=entry.days_late))
    return "; ".join(notes)


def _event_words(event_type: str, tr: Translator) -> str:
    """An event's type for a person: its name in words (in English, its type as stored)."""
    return event_type if tr.lang == "en" else tr.event(event_type)


# -- explain ------------------------------------------------------------------------------


@_command("explain")
def explain_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Vid slutet av denna dag (annars nu).")
    ] = None,
    known_at: KnownAtOpt = None,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """Varför en stadsdel får eller inte får betalas ut: varje villkor, vad som kan betalas ut
    nu och vad som ska återbetalas, regeln (omgångens regler och version) och de avgörande
    händelserna."""
    _fmt(fmt)
    day = _day(as_of, "--as-of") if as_of else None
    knew = _moment(known_at, "--known-at")
    store, _ = open_store(database, create=False)
    try:
        x = explain_project(Reads(store), round_id, district, day=day, known_at=knew)
    finally:
        store.close()
    view = x.view
    if fmt == "json":
        _echo_json(
            {
                "project": view.project_id,
                "district": view.state.district,
                "policy": view.policy.name,
                "policy_version": view.policy.version,
                "as_of": _iso(x.now),
                "known_at": _iso(knew) if knew else None,
                "lines": [
                    {
                        "subject": line.subject,
                        "rule": x.rule,
                        "status": line.status,
                        "reason": english(line.reason),
                        "reason_code": line.reason.code,
                        "reason_data": line.reason.to_data(),
                        "evidence": [_record(r) for r in line.evidence],
                    }
                    for line in x.lines
                ],
                "decisions": [
                    {
                        "kind": d.kind,
                        "decided_by": d.body,
                        "decided_on": d.decided_on.isoformat(),
                        "diary_number": d.diary_number,
                        "minutes_ref": d.minutes_ref,
                        "decision_ref": d.reference,
                        "amount_sek": d.amount_sek,
                        "plan_id": d.plan_id,
                        "position": d.position,
                    }
                    for d in decision_records(view.state, view.round)
                ],
            }
        )
        return
    tr = words()
    title = (
        tr.t(
            "%(district)s (%(project)s) at %(when)s, as known at %(known)s",
            district=view.state.district or view.project_id,
            project=view.project_id,
            when=_when(x.now),
            known=_when(knew),
        )
        if knew
        else tr.t(
            "%(district)s (%(project)s) at %(when)s",
            district=view.state.district or view.project_id,
            project=view.project_id,
            when=_when(x.now),
        )
    )
    table = Table(
        title=title,
        caption=tr.t("Rule: policy %(rule)s, pinned when the round opened.", rule=x.rule),
    )
    for column in (N_("Subject"), N_("Rule"), N_("Verdict"), N_("Reason"), N_("Decided by events")):
        table.add_column(tr.gettext(column))
    late = tr.gettext("LATE")
    for line in x.lines:
        proof = "\n".join(
            tr.t(
                "#%(position)d %(event)s, happened %(happened)s, recorded %(recorded)s%(late)s "
                "by %(actor)s",
                position=r.position,
                event=tr.event(r.event_type),
                happened=_when(r.occurred_at),
                recorded=_when(r.recorded_at),
                late=f" ({late})" if days_late(r) else "",
                actor=r.metadata.actor,
            )
            for r in line.evidence
        )
        if line.subject in EXPLAIN_SUBJECTS:
            subject = tr.gettext(EXPLAIN_SUBJECTS[line.subject])
        elif line.subject.startswith("instalment "):
            subject = tr.gettext("instalment") + line.subject.removeprefix("instalment")
        else:
            subject = tr.condition(line.subject)
        table.add_row(
            subject, x.rule, tr.condition_status(line.status), tr.reason(line.reason), proof or "–"
        )
    out_console.print(table)
    _print_decisions(decision_records(view.state, view.round))


def _print_decisions(records: tuple[DecisionRecord, ...]) -> None:
    """The decisions about the project as the record keeps them: body, day, dnr, minutes."""
    tr = words()
    table = Table(title=tr.gettext("Decisions"))
    for column in (
        N_("What"),
        N_("Decided by"),
        N_("Decided on"),
        N_("Diary number (dnr)"),
        N_("Minutes (protocol and paragraph)"),
    ):
        table.add_column(tr.gettext(column))
    missing = tr.gettext("not recorded")
    for d in records:
        if d.kind == "award":
            what = f"{tr.gettext('Grant awarded')} {tr.money(d.amount_sek or 0)}"
        else:
            label = "Work plan approved" if d.kind == "plan_approved" else "Work plan rejected"
            what = f"{tr.gettext(label)} ({d.plan_id})"
        table.add_row(
            f"#{d.position} {what}",
            d.body or missing,
            tr.date(d.decided_on),
            d.diary_number or missing,
            d.minutes_ref or missing,
        )
    if records:
        out_console.print(table)
    else:
        out_console.print(tr.gettext("No decisions about this project are on record."))


#: The explanation's lines that are not conditions.
EXPLAIN_SUBJECTS = {
    "payable": N_("Payable now"),
    "repayment": N_("Owed back"),
    "overspend": N_("Spent above what was paid"),
}
N_("instalment")


# -- money corrections ---------------------------------------------------------------------


@_command("corrections")
def corrections_command(
    round_id: Annotated[
        str | None,
        typer.Option("--round", "-r", help="Bidragsomgångens id (annars alla omgångar)."),
    ] = None,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """Varje rättelse av pengar i en lista: makulerade utbetalningar (vem som begärde, vem som
    bekräftade), makuleringar som väntar på en andra person, andra makulerade penninguppgifter,
    och återkrav, återbetalningar och avstådda återkrav. Vem, när och varför för var och en."""
    _fmt(fmt)
    store, _ = open_store(database, create=False)
    try:
        found = store_corrections(store, round_id)
    finally:
        store.close()
    if fmt == "json":
        _echo_json([corrections_data(c) for c in found])
        return
    tr = words()
    table = Table(title=tr.gettext(N_("Money corrections")))
    for column in CORRECTION_COLUMNS:
        table.add_column(tr.gettext(column))
    for c in found:
        table.add_row(*correction_row(c, tr))
    out_console.print(table)


# -- history ------------------------------------------------------------------------------


@_command("history")
def history_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """Ett projekts alla händelser med varje händelses position och id: makulerade händelser
    finns kvar, märkta bredvid sin makulering; händelser som registrerats sent märks."""
    _fmt(fmt)
    store, _ = open_store(database, create=False)
    try:
        view = Reads(store).project(round_id, district)
        entries = history(view)
    finally:
        store.close()
    if fmt == "json":
        _echo_json(
            [
                {
                    **_record(e.record),
                    "summary": summary(e.record),
                    "annulled_by": e.annulled_by.position if e.annulled_by else None,
                    "annuls": e.annuls.position if e.annuls else None,
                    "note": e.note,
                }
                for e in entries
            ]
        )
        return
    tr = words()
    table = Table(
        title=tr.t(
            "History of %(district)s (%(project)s)",
            district=view.state.district,
            project=view.project_id,
        )
    )
    columns = (N_("#"), N_("Event id"), N_("v"), N_("Event"), N_("Happened"), N_("Recorded"),
               N_("Actor (role)"), N_("Data"), N_("Note"))  # fmt: skip
    for column in columns:
        table.add_column(tr.gettext(column), **_WHOLE.get(column, {}))
    for e in entries:
        r = e.record
        event = escape(_event_words(r.event_type, tr))
        data = (
            summary(r)
            if tr.lang == "en"
            else "; ".join(f"{label}: {text}" for label, text in tr.details(r.event))
        )
        table.add_row(
            str(r.position),
            r.event_key,
            str(r.version),
            f"[strike]{event}[/strike]" if e.annulled_by else event,
            _when(r.occurred_at),
            _when(r.recorded_at),
            f"{r.metadata.actor} ({tr.role(r.metadata.role)})",
            escape(data),
            e.note if tr.lang == "en" else _note(e, tr),
        )
    out_console.print(table)


# -- export and import --------------------------------------------------------------------


def export_command(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonl, csv, csv-sv (svenska Excel) eller xlsx")
    ] = "jsonl",
    round_id: Annotated[
        str | None,
        typer.Option(
            "--round",
            "-r",
            help="Bara denna omgångs ström och dess projekts (för läsning: en sådan del kan "
            "inte läsas in, eftersom dess kedja inte håller på egen hand).",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="En ny fil, eller - för standard ut (förval)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Ersätt filen i --output om den finns.")
    ] = False,
    with_documents: Annotated[
        Path | None,
        typer.Option(
            "--with-documents",
            help="Skriv också varje bifogat underlags innehåll till denna nya mapp, "
            "namngivet efter SHA-256, med en manifest.json.",
        ),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Skriv i stället en säkerhetskopia: en ny zip-fil med jsonl-exporten (händelser "
            "och signerade kontrollpunkter) och alla bifogade underlag; `ppss import` läser "
            "tillbaka den.",
        ),
    ] = None,
    sign_with: Annotated[
        Path | None,
        typer.Option(
            "--sign-with",
            help="Signera först slutet som exporten skriver med denna privata nyckel (`ppss "
            "audit keygen`): kontrollpunkten sparas i databasen och i filen (jsonl, hela "
            "databasen).",
        ),
    ] = None,
    database: DatabaseOption = None,
    acting: AsOpt = None,
) -> None:
    """Varje sparad händelse exakt som den sparades (jsonl, csv), eller en arbetsbok med
    översikter (xlsx).

    Med --archive FIL.zip: en säkerhetskopia av hela databasen (jsonl-exporten och alla
    underlag) som `ppss import` läser tillbaka.

    jsonl börjar med ett huvud (format, omfång, kedjans slut med position och hash) och har
    sedan ett objekt per rad med varje kolumn som den sparades: `ppss import` läser tillbaka
    den. csv och xlsx är för att läsa i ett kalkylark: ingen cell tolkas någonsin som en
    formel. csv-sv är den csv som en svensk Excel öppnar direkt (semikolon, UTF-8 med BOM).
    """
    _fmt(fmt, ("jsonl", "csv", "csv-sv", "xlsx"))
    if archive is not None:
        if round_id or output or with_documents is not None or fmt != "jsonl" or sign_with:
            raise InvalidCommand(
                "--archive is a backup of the whole store: give it without --round, "
                "--output, --with-documents, --sign-with and --format"
            )
        target_archive = _output_path(archive, force=force)
        store, _ = open_store(database, create=False)
        try:
            events, documents = _written(
                target_archive, lambda: write_archive(store, target_archive)
            )
        finally:
            store.close()
        out_console.print(
            words().t(
                "Wrote %(file)s: %(events)d events and %(documents)d documents (restore with "
                "`ppss import`).",
                file=target_archive,
                events=events,
                documents=documents,
            )
        )
        return
    target = None if output in (None, "-") else _output_path(Path(output), force=force)
    if fmt == "xlsx" and target is None:
        raise InvalidCommand("an xlsx export needs --output FILE.xlsx")
    if with_documents is not None and (with_documents.exists() or with_documents.is_symlink()):
        raise InvalidCommand(
            f"--with-documents {with_documents} exists: give a new folder",
            reason=FOLDER_EXISTS(option="--with-documents", path=str(with_documents)),
        )
    if with_documents is not None and not with_documents.parent.is_dir():
        raise InvalidCommand(
            f"--with-documents {with_documents}: no folder {with_documents.parent}",
            reason=FILE_NO_FOLDER_FOR(
                option="--with-documents",
                path=str(with_documents),
                folder=str(with_documents.parent),
            ),
        )
    private = None
    if sign_with is not None:
        if fmt != "jsonl" or round_id:
            raise InvalidCommand(
                "--sign-with signs a whole jsonl export: no --round, --format jsonl"
            )
        acting_role(acting, "sign checkpoints")
        private = load_private_key(sign_with)
    store, _ = open_store(database, create=False)
    try:
        wf = Reads(store)
        if round_id:
            wf.round(round_id)  # an unknown round: NotFound before any file is made
        if with_documents is not None:
            written = export_documents(store, with_documents, round_id=round_id)
            err_console.print(
                words().t(
                    "Wrote %(count)d documents to %(folder)s.", count=written, folder=with_documents
                )
            )
        encoding = "utf-8-sig" if fmt == "csv-sv" else "utf-8"
        with _target(target, binary=fmt in ("jsonl", "xlsx"), encoding=encoding) as out:
            if fmt == "xlsx":
                # Built in memory, then written: a full disk stops one write of ours, not
                # openpyxl's half-closed zip (whose clean-up would print tracebacks).
                book = io.BytesIO()
                count = export_xlsx(wf, book, round_id=round_id, language=words().lang)
                out.write(book.getbuffer())
            elif fmt == "jsonl":
                count = export_jsonl(store, out, round_id=round_id, sign_with=private,
                                     now=datetime.now(UTC))  # fmt: skip
            else:
                count = export_csv(store, out, round_id=round_id, swedish_excel=fmt == "csv-sv")
    finally:
        store.close()
    if target:
        out_console.print(words().t("Exported %(count)d events to %(file)s.", count=count,
                                    file=target))  # fmt: skip


def _written(path: Path, write: Callable[[], T]) -> T:
    """``write()``, with a system error while writing ``path`` as one line."""
    try:
        return write()
    except OSError as exc:
        fault = storage_fault(exc, str(path))
        if fault is not None:
            raise fault from None
        raise InvalidCommand(
            f"cannot write {path}: {one_line(exc)}",
            reason=CANNOT_WRITE(path=str(path), cause=one_line(exc)),
        ) from None


def _output_path(path: Path, *, force: bool) -> Path:
    """A path an export may write: a new file in an existing folder, or (with ``--force``)
    an existing regular file. Never a link, a device, a folder or anything else."""
    try:
        found = path.lstat()
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise InvalidCommand(
                f"--output {path}: there is no folder {path.parent}",
                reason=FILE_NO_FOLDER(option="--output", path=str(path), folder=str(path.parent)),
            ) from None
        return path
    except OSError as exc:
        raise InvalidCommand(
            f"--output {path}: {exc.strerror or exc}",
            reason=OUTPUT_CAUSE(path=str(path), cause=str(exc.strerror or exc)),
        ) from None
    if stat.S_ISLNK(found.st_mode):
        raise InvalidCommand(
            f"--output {path} is a symbolic link: give the file itself",
            reason=OUTPUT_SYMLINK(path=str(path)),
        )
    if not stat.S_ISREG(found.st_mode):
        raise InvalidCommand(
            f"--output {path} is not a regular file: give a new file's path",
            reason=OUTPUT_NOT_REGULAR(path=str(path)),
        )
    if not force:
        raise InvalidCommand(
            f"--output {path} exists: add --force to replace it",
            reason=OUTPUT_EXISTS_FORCE(path=str(path)),
        )
    return path


@contextlib.contextmanager
def _target(output: Path | None, *, binary: bool, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Standard output, or a file that appears only once the export is complete."""
    if output is None:
        if binary:
            yield sys.stdout.buffer
        elif encoding == "utf-8-sig":
            sys.stdout.flush()
            wrapper = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
            yield wrapper
            wrapper.flush()
            wrapper.detach()
        else:
            yield sys.stdout
        sys.stdout.flush()
        return
    partial = output.with_name(output.name + ".part")
    try:
        with (
            partial.open("wb") if binary else partial.open("w", newline="", encoding=encoding)
        ) as f:
            yield f
        os.replace(partial, output)
    except OSError as exc:
        fault = storage_fault(exc, str(output))
        if fault is not None:
            raise fault from None
        raise InvalidCommand(
            f"cannot write {output}: {exc.strerror or exc}",
            reason=CANNOT_WRITE(path=str(output), cause=str(exc.strerror or exc)),
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def import_command(
    source: Annotated[
        Path, typer.Argument(help="En hel jsonl-export (`ppss export`).", metavar="EXPORTFIL")
    ],
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="POSITION:HASH sparad utanför databasen: filen måste sluta med den raden "
            "och den hashen (se --allow-growth).",
        ),
    ] = None,
    allow_growth: Annotated[
        bool,
        typer.Option(
            "--allow-growth",
            help="Med --expect-head: filen får ha händelser efter den.",
        ),
    ] = False,
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            help="Kontrollera exportens signerade kontrollpunkter med denna nyckel (64 hexsiffror "
            "eller .pub-filen): var och en måste vara signerad med den, och raderna måste bära "
            "de signerade hasharna.",
        ),
    ] = None,
    require_signed_head: Annotated[
        bool,
        typer.Option(
            "--require-signed-head",
            help="Med --public-key: neka exporten (inget läses in) om det finns rader efter "
            "dess sista signerade kontrollpunkt.",
        ),
    ] = False,
    database: DatabaseOption = None,
    acting: AsOpt = None,
) -> None:
    """Läs in en hel jsonl-export i en TOM databas och kontrollera varje hash; allt eller inget.

    Varje händelse måste vara en som programmet kunde ha registrerat vid den punkten (dess
    roll och stadsdel, strömmen den ligger i, och reglerna: ingen utbetalning över vad som
    kunde betalas ut då). Exportens signerade kontrollpunkter läses också in, och raderna
    måste stämma med dem.

    Raderna behåller sina positioner, tider och hashar, så kopian håller vid kontroll och
    exporteras till samma bytes. Kommandonas dubbelskydd och påminnelsernas anspråk ingår
    inte i en export: de börjar tomma i kopian.
    """
    acting_role(acting, "import a history")
    expect = Anchor.parse(expect_head) if expect_head else None
    key = load_public_key(public_key) if public_key else None
    if require_signed_head and key is None:
        raise InvalidCommand("--require-signed-head needs --public-key to check the signatures")
    if not source.is_file():
        raise InvalidCommand(f"no file {source}", reason=NO_FILE(path=str(source)))
    archive: zipfile.ZipFile | None = None
    try:
        if is_archive(source):
            archive = zipfile.ZipFile(source)
            handle = open_events(archive)
        else:
            handle = source.open("rb")
    except (OSError, zipfile.BadZipFile) as exc:
        raise ConfigurationError(
            f"cannot read {source}: {one_line(exc)}",
            reason=CANNOT_READ(path=str(source), cause=one_line(exc)),
        ) from None
    location = resolve_database_url(database)
    documents = 0
    # All or nothing: a new SQLite file is built aside and moved into place when complete;
    # an empty store the import wrote to is emptied again if it fails.
    with contextlib.ExitStack() as stack:
        stack.callback(handle.close)
        if archive is not None:
            stack.callback(archive.close)
        url = stack.enter_context(new_store(location.url))
        store, _ = open_store(url, create=True)
        try:
            # The header's head position is the bar's total: events/s and how far it is.
            lines, total = with_head(bounded_lines(handle))
            with _progress("importing", total) as progress:
                count = import_jsonl(
                    store,
                    lines,
                    expect=expect,
                    progress=progress,
                    allow_growth=allow_growth,
                    public_key=key,
                    require_signed_head=require_signed_head,
                    words=words(),
                )
            if archive is not None:
                documents = load_documents(store, archive)
            head = store.head()
            checkpoints = read_checkpoints(store)
            signed = len(checkpoints)
        finally:
            store.close()
    tr = words()
    also = (
        tr.nt(" and %(num)d signed checkpoint", " and %(num)d signed checkpoints", signed)
        if signed
        else ""
    )
    docs = tr.t(", %(count)d documents", count=documents) if archive is not None else ""
    out_console.print(
        tr.t(
            "Imported %(count)d events%(also)s%(docs)s; head %(head)s.",
            count=count,
            also=also,
            docs=docs,
            head=f"{head.position}:{head.hash}",
        )
    )
    tail = unsigned_tail((c.position for c in checkpoints), head.position)
    if key is not None and tail is not None:
        err_console.print(unsigned_tail_text(tail, words()), style="yellow")


def register(root: typer.Typer) -> None:
    """Add `audit`, `export` and `import` to the root ``ppss`` app."""
    root.add_typer(app, name="audit")
    root.command("export", help=_paragraphs(export_command.__doc__))(export_command)
    root.command("import", help=_paragraphs(import_command.__doc__))(import_command)


def _told(line: str) -> str:
    """A finding of `ppss audit verify` in the CLI's language (its English where it carries
    no reason)."""
    reason = getattr(line, "reason", None)
    return say(reason, words().lang) if reason is not None else line

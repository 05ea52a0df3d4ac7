"""`ppss audit` (verify, replay, explain, history), `ppss export` and `ppss import`: read-only
for everyone but import, which fills only an empty store."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from policies.state import STOCKHOLM
from ppss_workflow.auditing import (
    explain,
    export_csv,
    export_jsonl,
    export_xlsx,
    history,
    import_jsonl,
    late_recorded,
    summary,
    verify_chain,
)
from ppss_workflow.cli._common import DatabaseOption, err_console, open_store, out_console
from ppss_workflow.cli.reminder_cmds import parse_moment
from ppss_workflow.cli.workflow_cmds import render_board
from ppss_workflow.workflow import InvalidCommand, Workflow, end_of_day

__all__ = ["app", "export_command", "import_command"]

app = typer.Typer(help="Audit: verify the chain, replay, explain, history.", no_args_is_help=True)

RoundOpt = Annotated[str, typer.Option("--round", "-r", help="Round id, e.g. ppss-2014.")]
DistrictOpt = Annotated[str, typer.Option("--district", help="District name, e.g. Farsta.")]
FmtOpt = Annotated[str, typer.Option("--format", "-f", help="table or json")]


def _when(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(f"{option} {value!r} is not a date: use YYYY-MM-DD") from None


@app.command("verify")
def verify_command(
    start: Annotated[
        int, typer.Option("--from", help="Start after this position (its hash is the anchor).")
    ] = 0,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="POSITION:HASH recorded earlier: also detects a "
            "history cut short at the end, which no chain can show by itself.",
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Walk the hash chain; exit 0 only if no event was changed, removed, inserted or moved."""
    store, _ = open_store(database, create=False)
    try:
        total = max(store.head().position - start, 0)
        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} events"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        ) as bar:
            task = bar.add_task("verify", total=total)
            report = verify_chain(
                store, start_after=start, progress=lambda done: bar.update(task, completed=done)
            )
    finally:
        store.close()
    if not report.ok:
        print(
            f"ppss: audit: chain broken at position {report.bad_position} "
            f"(stream {report.bad_stream or '?'}): {report.problem}",
            file=sys.stderr,
        )
        raise typer.Exit(7)
    if expect_head:
        position, _, digest = expect_head.partition(":")
        if (str(report.head_position), report.head_hash) != (position, digest):
            print(
                f"ppss: audit: head is {report.head_position}:{report.head_hash}, "
                f"not the expected {expect_head}",
                file=sys.stderr,
            )
            raise typer.Exit(7)
    out_console.print(
        f"Chain verified: {report.checked:,} events, head position {report.head_position}, "
        f"head hash {report.head_hash}".replace(",", " ")
    )


@app.command("replay")
def replay_command(
    round_id: RoundOpt,
    as_of: Annotated[str, typer.Option("--as-of", help="The world at the end of this date.")],
    known_at: Annotated[
        str | None, typer.Option("--known-at", help="What the store knew at this instant.")
    ] = None,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """The board as the world was on a date — or, with --known-at, as the system knew it."""
    day = _day(as_of, "--as-of")
    assert day is not None
    knew = parse_moment(known_at, "--known-at")
    store, _ = open_store(database, create=False)
    try:
        wf = Workflow(store)
        rows = wf.board(round_id, as_of=end_of_day(day), known_at=knew)
        happened = [
            r for v in wf.projects(round_id, as_of=end_of_day(day)) for r in v.state.history
        ]
        left_out = [r for r in happened if knew and r.recorded_at > knew]
        late = late_recorded(happened)
    finally:
        store.close()
    title = f"Board for {round_id} as of {day}" + (f", as known at {known_at}" if knew else "")
    render_board(rows, title, fmt)
    if fmt == "table":
        for r in left_out:
            out_console.print(
                f"Not yet known then: #{r.position} {r.event_type} "
                f"({r.stream_id}), happened {_when(r.occurred_at)}, "
                f"recorded {_when(r.recorded_at)}"
            )
        for r in late:
            if r not in left_out:
                out_console.print(
                    f"Recorded late: #{r.position} {r.event_type} ({r.stream_id}), "
                    f"happened {_when(r.occurred_at)}, "
                    f"recorded {_when(r.recorded_at)}"
                )


def _evidence(r: Any) -> dict[str, Any]:
    return {
        "position": r.position,
        "type": r.event_type,
        "occurred_at": r.occurred_at.isoformat(),
        "recorded_at": r.recorded_at.isoformat(),
        "actor": r.metadata.actor,
        "role": r.metadata.role,
    }


@app.command("explain")
def explain_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """For each condition, payable and repayment: the rule, the verdict and the deciding events."""
    day = _day(as_of, "--as-of")
    store, _ = open_store(database, create=False)
    try:
        wf = Workflow(store)
        now = end_of_day(day) if day else wf.now()
        project = wf.project(round_id, district)
        views = [v for v in wf.projects(round_id, as_of=now) if v.project_id == project.project_id]
        if not views:
            raise InvalidCommand(f"{district} had not applied in {round_id} by {day}")
        view = views[0]
        lines = explain(view, now)
    finally:
        store.close()
    rule = f"{view.policy.name} v{view.policy.version}"
    if fmt == "json":
        typer.echo(
            orjson.dumps(
                {
                    "project": view.project_id,
                    "policy": view.policy.name,
                    "policy_version": view.policy.version,
                    "as_of": now.isoformat(),
                    "lines": [
                        {
                            "subject": x.subject,
                            "status": x.status,
                            "reason": x.reason,
                            "evidence": [_evidence(r) for r in x.evidence],
                        }
                        for x in lines
                    ],
                },
                option=orjson.OPT_INDENT_2,
            ).decode()
        )
        return
    table = Table(title=f"{view.state.district} ({view.project_id}) under {rule}, at {_when(now)}")
    for column in ("Rule", "Verdict", "Reason", "Decided by events"):
        table.add_column(column)
    for x in lines:
        proof = (
            "\n".join(
                f"#{r.position} {r.event_type} {_when(r.occurred_at)} "
                f"(rec. {_when(r.recorded_at)}) {r.metadata.actor}"
                for r in x.evidence
            )
            or "–"
        )
        table.add_row(x.subject, x.status, x.reason, proof)
    out_console.print(table)


@app.command("history")
def history_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    fmt: FmtOpt = "table",
    database: DatabaseOption = None,
) -> None:
    """The project's timeline; annulments beside what they annul; late records marked."""
    store, _ = open_store(database, create=False)
    try:
        view = Workflow(store).project(round_id, district)
        rows = history(view)
    finally:
        store.close()
    if fmt == "json":
        typer.echo(
            orjson.dumps(
                [
                    {**_evidence(r), "version": r.version, "summary": summary(r), "note": note}
                    for r, note in rows
                ],
                option=orjson.OPT_INDENT_2,
            ).decode()
        )
        return
    table = Table(title=f"History of {view.state.district} ({view.project_id})")
    for column in ("#", "v", "Event", "Happened", "Recorded", "Actor", "Data", "Note"):
        table.add_column(column)
    for r, note in rows:
        table.add_row(
            str(r.position),
            str(r.version),
            r.event_type,
            _when(r.occurred_at),
            _when(r.recorded_at),
            f"{r.metadata.actor} ({r.metadata.role})",
            summary(r),
            note,
        )
    out_console.print(table)


def export_command(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or xlsx")] = "jsonl",
    round_id: Annotated[str | None, typer.Option("--round", "-r")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    database: DatabaseOption = None,
) -> None:
    """Every stored event exactly as stored (jsonl, csv), or a workbook with boards (xlsx)."""
    if fmt not in ("jsonl", "csv", "xlsx"):
        raise InvalidCommand(f"--format {fmt!r}: use jsonl, csv or xlsx")
    if fmt == "xlsx" and output is None:
        raise InvalidCommand("an xlsx export needs --output FILE.xlsx")
    store, _ = open_store(database, create=False)
    try:
        if round_id:
            Workflow(store).round(round_id)
        if fmt == "xlsx":
            assert output is not None
            count = export_xlsx(Workflow(store), output, round_id=round_id)
        elif fmt == "jsonl":
            with output.open("wb") if output else _stdout_bytes() as out:
                count = export_jsonl(store, out, round_id=round_id)
        else:
            with output.open("w", newline="", encoding="utf-8") if output else _stdout() as out:
                count = export_csv(store, out, round_id=round_id)
    finally:
        store.close()
    if output:
        out_console.print(f"Exported {count} events to {output}.")


def import_command(
    source: Annotated[Path, typer.Argument(help="A full jsonl export.")],
    database: DatabaseOption = None,
) -> None:
    """Load a full jsonl export into an empty store, verifying every hash; all or nothing."""
    if not source.exists():
        raise InvalidCommand(f"no file {source}")
    store, _ = open_store(database, create=True)
    try:
        with source.open("rb") as lines:
            count = import_jsonl(store, lines)
        head = store.head()
    finally:
        store.close()
    out_console.print(f"Imported {count} events; head {head.position}:{head.hash}.")


class _stdout_bytes:  # noqa: N801 - a context manager named like the stream it wraps
    def __enter__(self) -> Any:
        return sys.stdout.buffer

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()


class _stdout:  # noqa: N801
    def __enter__(self) -> Any:
        return sys.stdout

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
    root.command("export")(export_command)
    root.command("import")(import_command)

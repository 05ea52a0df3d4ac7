"""`ppss bench`: measure the store on scratch databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ppss_workflow.bench import run_store_bench, run_verify_bench
from ppss_workflow.cli._common import OutputFormat, err_console, out_console
from ppss_workflow.errors import BENCH_TOO_FEW, ConfigurationError

app = typer.Typer(help="Prestandamätningar (på tillfälliga databaser).", no_args_is_help=True)


@contextmanager
def _stages() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per benchmark stage on stderr (none off a terminal); yields the reporter."""
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        TextColumn("{task.completed:>10,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        yield report


@app.command("store")
def store_command(
    events: Annotated[
        int, typer.Option("--events", "-n", help="Antal händelser att skriva.")
    ] = 100_000,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "-d",
            help="Kör mot denna server (ett tillfälligt schema skapas och tas bort). "
            "Annars en tillfällig SQLite-fil. PPSS_DATABASE_URL används medvetet inte.",
        ),
    ] = None,
) -> None:
    """Tillägg (1 och 10 händelser per kommando), massinläsning och uppspelning, var och en
    bredvid drivrutinens golv mätt i samma körning på programmets egna tabeller, i händelser/s."""
    if events < 100:
        raise ConfigurationError(
            f"--events {events} is too few to measure: use 100 or more",
            reason=BENCH_TOO_FEW(option="--events", count=events, least=100),
        )
    with _stages() as report:
        result = run_store_bench(events, database, report).as_dict()
    if fmt is OutputFormat.json:
        typer.echo(orjson.dumps(result).decode())
        return
    out_console.print(_store_table(result))


#: (measure, its floor, the ratio's key) for the store benchmark's table.
_STORE_ROWS = (
    ("append_1_per_command_eps", "raw_txn_per_event_eps", "append_1_vs_raw_txn"),
    ("append_1_per_command_eps", "raw_chain_txn_per_event_eps", "append_1_vs_raw_chain_txn"),
    ("append_10_per_command_eps", None, None),
    ("bulk_import_eps", "raw_insert_eps", "bulk_import_vs_raw_insert"),
    ("bulk_import_eps", "raw_copy_eps", "bulk_import_vs_raw_copy"),
    ("replay_eps", "raw_read_decode_eps", "replay_vs_raw_read_decode"),
    ("encode_hash_eps", None, None),
)


def _store_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"Store benchmark: {result['events']:,} events on {result['backend']} "
        f"(appends: {result['append_events']:,} events; {result['append_mode']})"
    )
    for column in ("measure", "events/s", "floor", "floor events/s", "ratio"):
        table.add_column(column, justify="left" if column in ("measure", "floor") else "right")
    for measure, floor, ratio in _STORE_ROWS:
        if floor is not None and floor not in result:
            continue
        table.add_row(
            measure,
            _eps(result[measure]),
            floor or "",
            _eps(result[floor]) if floor else "",
            f"{result[ratio]:.2f}" if ratio else "",
        )
    return table


def _eps(value: int) -> str:
    return f"{value:,}".replace(",", " ")


@app.command("verify")
def verify_command(
    events: Annotated[
        int, typer.Option("--events", "-n", help="Antal händelser i databasen.")
    ] = 1_000_000,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    database: Annotated[
        str | None,
        typer.Option("--database", "-d", help="Server för ett tillfälligt schema (annars SQLite)."),
    ] = None,
) -> None:
    """Fyll en tillfällig databas och mät tiden för `ppss audit verify` på den, med dess
    högsta minnesanvändning."""
    if events < 100:
        raise ConfigurationError(
            f"--events {events} is too few to measure: use 100 or more",
            reason=BENCH_TOO_FEW(option="--events", count=events, least=100),
        )
    with _stages() as report:
        result = run_verify_bench(events, database, report)
    print_result(result, fmt, f"Verify benchmark: {events:,} events on {result['backend']}")


#: The scratch server a benchmark runs against (the option, shared by every benchmark).
BenchDatabase = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="Kör mot denna server (ett tillfälligt schema skapas och tas bort). "
        "Annars en tillfällig SQLite-fil. PPSS_DATABASE_URL används medvetet inte.",
    ),
]


def print_result(result: dict[str, Any], fmt: OutputFormat, title: str) -> None:
    """A benchmark's figures: one JSON object, or a two-column table."""
    if fmt is OutputFormat.json:
        typer.echo(orjson.dumps(result).decode())
        return
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in _flat(result):
        table.add_row(key, str(value))
    out_console.print(table)


def _flat(result: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A result's figures one a row; a nested object's as ``outer.inner`` (the load
    benchmark's latencies by kind of request: ``by_kind.pay.p95_ms``)."""
    rows: list[tuple[str, Any]] = []
    for key, value in result.items():
        if isinstance(value, dict):
            rows.extend(_flat(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows

"""`ppss bench board`: a round of N projects; the board, reminders and an award in it."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from ppss_workflow.cli._common import OutputFormat, out_console
from ppss_workflow.cli.bench import _stages
from ppss_workflow.errors import ConfigurationError


def board_command(
    projects: Annotated[
        int, typer.Option("--projects", "-p", help="Projects in the round (about 30 events each).")
    ] = 10_000,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "-d",
            help="Run against this server (a scratch schema is created and dropped). "
            "Default: a temporary SQLite file. PPSS_DATABASE_URL is ignored on purpose.",
        ),
    ] = None,
) -> None:
    """Board, reminders and one award in a round of N projects, from a warm store."""
    if projects < 10:
        raise ConfigurationError(f"--projects {projects} is too few to measure: use 10 or more")
    from ppss_workflow.bench_board import run_board_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_board_bench(projects, database, report)
    if fmt is OutputFormat.json:
        typer.echo(orjson.dumps(result).decode())
        return
    table = Table(title=f"Board benchmark: {projects:,} projects on {result['backend']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, str(value))
    out_console.print(table)


def web_command(
    projects: Annotated[
        int, typer.Option("--projects", "-p", help="Projects in the round (about 30 events each).")
    ] = 1_000,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "-d",
            help="Run against this server (a scratch schema is created and dropped). "
            "Default: a temporary SQLite file. PPSS_DATABASE_URL is ignored on purpose.",
        ),
    ] = None,
) -> None:
    """The web round overview page for a round of N projects: median of 5 warm renders."""
    if projects < 10:
        raise ConfigurationError(f"--projects {projects} is too few to measure: use 10 or more")
    from ppss_workflow.bench_board import run_web_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_web_bench(projects, database, report)
    if fmt is OutputFormat.json:
        typer.echo(orjson.dumps(result).decode())
        return
    table = Table(title=f"Web benchmark: {projects:,} projects on {result['backend']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, str(value))
    out_console.print(table)

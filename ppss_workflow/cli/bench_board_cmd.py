"""`ppss bench board` and `ppss bench web`: a round of N projects, and what a user waits for."""

from __future__ import annotations

from typing import Annotated

import typer

from ppss_workflow.cli._common import OutputFormat
from ppss_workflow.cli.bench import BenchDatabase, _stages, print_result
from ppss_workflow.errors import ConfigurationError

Projects = Annotated[
    int, typer.Option("--projects", "-p", help="Projects in the round (about 30 events each).")
]
Format = Annotated[OutputFormat, typer.Option("--format", "-f")]


def _enough(projects: int) -> None:
    if projects < 10:
        raise ConfigurationError(f"--projects {projects} is too few to measure: use 10 or more")


def board_command(
    projects: Projects = 10_000, fmt: Format = OutputFormat.table, database: BenchDatabase = None
) -> None:
    """Board, reminders and one award in a round of N projects, from a warm store."""
    _enough(projects)
    from ppss_workflow.bench_board import run_board_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_board_bench(projects, database, report)
    print_result(result, fmt, f"Board benchmark: {projects:,} projects on {result['backend']}")


def web_command(
    projects: Projects = 1_000, fmt: Format = OutputFormat.table, database: BenchDatabase = None
) -> None:
    """The web round overview page for a round of N projects: median of 5 warm renders."""
    _enough(projects)
    from ppss_workflow.bench_board import run_web_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_web_bench(projects, database, report)
    print_result(result, fmt, f"Web benchmark: {projects:,} projects on {result['backend']}")


def import_command(
    events: Annotated[
        int, typer.Option("--events", "-n", help="Events in the history (about).")
    ] = 30_000,
    fmt: Format = OutputFormat.table,
    database: BenchDatabase = None,
) -> None:
    """`ppss import` of a history of N events made by the real commands: time, events/s and
    the importing process's peak memory."""
    if events < 300:
        raise ConfigurationError(f"--events {events} is too few to measure: use 300 or more")
    from ppss_workflow.bench_import import run_import_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_import_bench(events, database, report)
    print_result(result, fmt, f"Import benchmark: {result['events']:,} events on "
                              f"{result['backend']}")  # fmt: skip


def load_command(
    people: Annotated[int, typer.Option("--people", help="Simulated people at once.")] = 50,
    seconds: Annotated[float, typer.Option("--seconds", help="How long they work.")] = 60.0,
    projects: Annotated[
        int, typer.Option("--projects", "-p", help="Projects in the round they work on.")
    ] = 200,
    fmt: Format = OutputFormat.table,
    database: BenchDatabase = None,
) -> None:
    """Two servers on one PostgreSQL store, N people reading pages and giving commands through
    the API for a bounded time: requests/s, latency percentiles, errors, and whether the money
    adds up and the chain verifies afterwards."""
    _enough(projects)
    if not 1 <= people <= 1_000:
        raise ConfigurationError(f"--people {people}: use 1 to 1000")
    if not 1 <= seconds <= 3_600:
        raise ConfigurationError(f"--seconds {seconds:g}: use 1 to 3600")
    from ppss_workflow.bench_load import run_load_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_load_bench(people, seconds, projects, database, report)
    print_result(result, fmt, f"Load benchmark: {people} people for {seconds:g} s")

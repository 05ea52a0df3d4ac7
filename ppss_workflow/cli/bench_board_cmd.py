"""`ppss bench board` and `ppss bench web`: a round of N projects, and what a user waits for."""

from __future__ import annotations

from typing import Annotated

import typer

from ppss_workflow.cli._common import OutputFormat
from ppss_workflow.cli.bench import BenchDatabase, _stages, print_result
from ppss_workflow.errors import BENCH_TOO_FEW, OPTION_RANGE, ConfigurationError

Projects = Annotated[
    int, typer.Option("--projects", "-p", help="Projekt i omgången (cirka 30 händelser var).")
]
Format = Annotated[OutputFormat, typer.Option("--format", "-f")]


def _enough(projects: int) -> None:
    if projects < 10:
        raise ConfigurationError(
            f"--projects {projects} is too few to measure: use 10 or more",
            reason=BENCH_TOO_FEW(option="--projects", count=projects, least=10),
        )


def board_command(
    projects: Projects = 10_000, fmt: Format = OutputFormat.table, database: BenchDatabase = None
) -> None:
    """Översikt, påminnelser och ett beviljande i en omgång med N projekt, ur en varm databas."""
    _enough(projects)
    from ppss_workflow.bench_board import run_board_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_board_bench(projects, database, report)
    print_result(result, fmt, f"Board benchmark: {projects:,} projects on {result['backend']}")


def web_command(
    projects: Projects = 1_000, fmt: Format = OutputFormat.table, database: BenchDatabase = None
) -> None:
    """Webbens översiktssida för en omgång med N projekt: median av 5 varma visningar."""
    _enough(projects)
    from ppss_workflow.bench_board import run_web_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_web_bench(projects, database, report)
    print_result(result, fmt, f"Web benchmark: {projects:,} projects on {result['backend']}")


def import_command(
    events: Annotated[
        int, typer.Option("--events", "-n", help="Antal händelser i historiken (ungefär).")
    ] = 30_000,
    fmt: Format = OutputFormat.table,
    database: BenchDatabase = None,
) -> None:
    """`ppss import` av en historik med N händelser gjorda av de riktiga kommandona: tid,
    händelser/s och den inläsande processens högsta minnesanvändning."""
    if events < 300:
        raise ConfigurationError(
            f"--events {events} is too few to measure: use 300 or more",
            reason=BENCH_TOO_FEW(option="--events", count=events, least=300),
        )
    from ppss_workflow.bench_import import run_import_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_import_bench(events, database, report)
    print_result(result, fmt, f"Import benchmark: {result['events']:,} events on "
                              f"{result['backend']}")  # fmt: skip


def load_command(
    people: Annotated[int, typer.Option("--people", help="Simulerade personer samtidigt.")] = 50,
    seconds: Annotated[
        float, typer.Option("--seconds", help="Hur länge de arbetar (sekunder).")
    ] = 60.0,
    projects: Annotated[
        int, typer.Option("--projects", "-p", help="Projekt i omgången de arbetar i.")
    ] = 200,
    fmt: Format = OutputFormat.table,
    database: BenchDatabase = None,
) -> None:
    """Två servrar på en PostgreSQL-databas, N personer som läser sidor och ger kommandon via
    API:t under en begränsad tid: anrop/s, svarstider i percentiler, fel, och om pengarna
    stämmer och kedjan håller efteråt."""
    _enough(projects)
    if not 1 <= people <= 1_000:
        raise ConfigurationError(
            f"--people {people}: use 1 to 1000",
            reason=OPTION_RANGE(option="--people", typed=str(people), least=1, most=1000),
        )
    if not 1 <= seconds <= 3_600:
        raise ConfigurationError(
            f"--seconds {seconds:g}: use 1 to 3600",
            reason=OPTION_RANGE(option="--seconds", typed=f"{seconds:g}", least=1, most=3600),
        )
    from ppss_workflow.bench_load import run_load_bench  # noqa: PLC0415 - bench only

    with _stages() as report:
        result = run_load_bench(people, seconds, projects, database, report)
    print_result(result, fmt, f"Load benchmark: {people} people for {seconds:g} s")

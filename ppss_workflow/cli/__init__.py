"""The `ppss` command line: one Typer app, errors as one line and a non-zero exit."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ppss_workflow import __version__
from ppss_workflow.cli import (
    audit_cli,
    bench,
    bench_board_cmd,
    contact_cmds,
    db,
    demo_cmd,
    document_cmds,
    events_cmd,
    indicator_cmds,
    plan_cmds,
    reminder_cmds,
    users_cmds,
    web_cmds,
    workflow_cmds,
)
from ppss_workflow.cli._common import ENV_LANGUAGE
from ppss_workflow.db import set_lock_wait_note
from ppss_workflow.errors import WorkflowError
from ppss_workflow.i18n import LANGUAGES
from ppss_workflow.logs import configure_logging

__all__ = ["app", "main"]

app = typer.Typer(
    name="ppss",
    help="ppss-workflow: conditional grant disbursements as event streams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(events_cmd.app, name="events")
app.add_typer(bench.app, name="bench")
bench.app.command("board")(bench_board_cmd.board_command)
app.command("demo")(demo_cmd.demo)
workflow_cmds.register(app)
reminder_cmds.register(app)
plan_cmds.register(app)
audit_cli.register(app)
web_cmds.register(app)
users_cmds.register(app)
document_cmds.register(app)
indicator_cmds.register(app)
contact_cmds.register(app)
bench.app.command("web")(bench_board_cmd.web_command)
bench.app.command("import")(bench_board_cmd.import_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ppss-workflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    log_level: Annotated[
        str, typer.Option("--log-level", envvar="PPSS_LOG_LEVEL", help="debug, info, warning")
    ] = "warning",
    log_json: Annotated[
        bool | None, typer.Option("--log-json/--log-console", help="Default: JSON off a terminal.")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", envvar="PPSS_LANG", help="sv (Swedish, the default) or en (English)."
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    if lang is not None:
        if lang.strip().lower() not in LANGUAGES:
            raise typer.BadParameter("use sv (Swedish) or en (English)", param_hint="--lang")
        os.environ[ENV_LANGUAGE] = lang.strip().lower()
    configure_logging(log_level, json=log_json)
    set_lock_wait_note(_waiting)


def _waiting() -> None:
    print("ppss: waiting for another ppss process to finish writing…", file=sys.stderr, flush=True)


def main() -> None:
    """Entry point: a WorkflowError becomes ``ppss: error: ...`` and its exit code."""
    try:
        app()
    except WorkflowError as exc:
        print(f"ppss: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as exc:
        # Typer turns a Ctrl-C inside a command into a silent exit 130: say it, in one line.
        context = exc.__context__
        if isinstance(context, typer.Exit) and isinstance(context.__cause__, KeyboardInterrupt):
            _interrupted()
        raise


def _interrupted() -> None:
    print("ppss: interrupted; nothing half-written (appends are atomic)", file=sys.stderr)
    sys.exit(130)

"""The `ppss` command line: one Typer app, errors as one line and a non-zero exit."""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Annotated

import psycopg
import typer
from sqlalchemy.exc import DBAPIError

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
from ppss_workflow.cli._common import ENV_LANGUAGE, words
from ppss_workflow.db import set_lock_wait_note
from ppss_workflow.errors import StoreUnavailable, WorkflowError
from ppss_workflow.faults import one_line
from ppss_workflow.i18n import LANGUAGES
from ppss_workflow.logs import configure_logging
from ppss_workflow.words import say

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


def _error_line(exc: WorkflowError) -> str:
    """One line: a refusal or a lookup that found nothing is said in the CLI's language
    (``ppss: fel: ...``); in English, and for any other error, the error's own line (with
    the command, the state found and the rule, for whoever reads it next)."""
    tr = words()
    if exc.reason is None:
        return f"ppss: error: {exc}"
    if tr.lang != "en":
        return f"ppss: fel: {say(exc.reason, tr.lang)}"
    if getattr(exc, "refusal", None) is not None:
        return f"ppss: error: {exc}"  # the reason in English, then where and which rule
    return f"ppss: error: {say(exc.reason, 'en')}"


def main() -> None:
    """Entry point: a WorkflowError becomes ``ppss: error: ...`` and its exit code."""
    try:
        app()
    except WorkflowError as exc:
        print(_error_line(exc), file=sys.stderr)
        sys.exit(exc.exit_code)
    except (DBAPIError, sqlite3.Error, psycopg.Error, OSError) as exc:
        # A storage fault the command did not translate (a full disk, a read-only store, a
        # lost connection): one line naming the cause, never a traceback.
        print(f"ppss: error: {one_line(exc)}", file=sys.stderr)
        sys.exit(StoreUnavailable.exit_code)
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

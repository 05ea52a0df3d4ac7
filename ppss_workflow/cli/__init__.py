"""The `ppss` command line: one Typer app, errors as one line and a non-zero exit.

Start-up is lean: this module imports Typer and nothing heavy of ours. The root lists every
command from :data:`COMMANDS` (its name and the first paragraph of its help) and imports the
module that defines a command only when that command is run (or asked for its own help), so
``ppss --help`` does not load SQLAlchemy, pydantic, the policies, Babel, cryptography,
holidays, openpyxl, matplotlib or FastAPI. ``tests/unit/test_cli_startup.py`` checks that the
index says what the commands say, and that the heavy modules stay out.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from ppss_workflow import __version__

__all__ = ["COMMANDS", "LazyGroup", "app", "load_all", "main"]

#: Where ``--lang`` is kept for the command that runs (the same name as ``_common.ENV_LANGUAGE``).
_ENV_LANGUAGE = "PPSS_LANG"
_LANGUAGES = ("sv", "en")

Loader = Callable[[typer.Typer], None]


def _demo(root: typer.Typer) -> None:
    from ppss_workflow.cli import demo_cmd  # noqa: PLC0415 - loaded when used

    root.command("demo")(demo_cmd.demo)


def _workflow(root: typer.Typer) -> None:
    # plan_cmds adds `report accept|return` to workflow_cmds' `report` group as it is imported.
    from ppss_workflow.cli import plan_cmds, workflow_cmds  # noqa: F401, PLC0415

    workflow_cmds.register(root)


def _reminders(root: typer.Typer) -> None:
    from ppss_workflow.cli import reminder_cmds  # noqa: PLC0415 - loaded when used

    reminder_cmds.register(root)


def _plans(root: typer.Typer) -> None:
    from ppss_workflow.cli import plan_cmds  # noqa: PLC0415 - loaded when used

    plan_cmds.register(root)


def _audit(root: typer.Typer) -> None:
    from ppss_workflow.cli import audit_cli  # noqa: PLC0415 - loaded when used

    audit_cli.register(root)


def _web(root: typer.Typer) -> None:
    from ppss_workflow.cli import web_cmds  # noqa: PLC0415 - loaded when used

    web_cmds.register(root)


def _users(root: typer.Typer) -> None:
    from ppss_workflow.cli import users_cmds  # noqa: PLC0415 - loaded when used

    users_cmds.register(root)


def _documents(root: typer.Typer) -> None:
    from ppss_workflow.cli import document_cmds  # noqa: PLC0415 - loaded when used

    document_cmds.register(root)


def _indicators(root: typer.Typer) -> None:
    from ppss_workflow.cli import indicator_cmds  # noqa: PLC0415 - loaded when used

    indicator_cmds.register(root)


def _contacts(root: typer.Typer) -> None:
    from ppss_workflow.cli import contact_cmds  # noqa: PLC0415 - loaded when used

    contact_cmds.register(root)


def _db(root: typer.Typer) -> None:
    from ppss_workflow.cli import db  # noqa: PLC0415 - loaded when used

    root.add_typer(db.app, name="db")


def _events(root: typer.Typer) -> None:
    from ppss_workflow.cli import events_cmd  # noqa: PLC0415 - loaded when used

    root.add_typer(events_cmd.app, name="events")


def _bench(root: typer.Typer) -> None:
    from ppss_workflow.cli import bench, bench_board_cmd  # noqa: PLC0415 - loaded when used

    root.add_typer(bench.app, name="bench")
    bench.app.command("board")(bench_board_cmd.board_command)
    bench.app.command("web")(bench_board_cmd.web_command)
    bench.app.command("load")(bench_board_cmd.load_command)
    bench.app.command("import")(bench_board_cmd.import_command)


#: Every top-level command, in the order ``ppss --help`` lists them: the loader that registers
#: it (with the others of its module) and the first paragraph of its help, shown without
#: loading it.
COMMANDS: dict[str, tuple[Loader, str]] = {
    "demo": (
        _demo,
        "Record the demo rounds (ppss-2014, ppss-2016, sst-2018 and one running now) and print\n"
        "the board of the round running now.",
    ),
    "board": (_workflow, "One row per project: may it be paid now, how much, and if not, why not."),
    "allocate": (
        _workflow,
        "Share a total between districts by the 2014 rule (per school, then the remainder).",
    ),
    "apply": (_workflow, "Submit a district's application (the round's policy checks it first)."),
    "award": (_workflow, "Award a project its grant by a recorded decision."),
    "withdraw": (
        _workflow,
        "Withdraw a district's application (the district itself, or the coordinator).",
    ),
    "disburse": (
        _workflow,
        "Record a payment; refused if the round's rules do not allow that much now.",
    ),
    "annul": (
        _workflow,
        "Annul an earlier event (it stays in history, marked as annulled). A payment is annulled\n"
        "only if its money never left, by two people: one asks, another confirms.",
    ),
    "reminders": (_reminders, "What reminders are due and not yet sent."),
    "export": (
        _audit,
        "Every stored event exactly as stored (jsonl, csv), or a workbook with boards (xlsx).",
    ),
    "import": (
        _audit,
        "Load a full jsonl export into an EMPTY store, verifying every hash; all or nothing.",
    ),
    "serve": (
        _web,
        "Serve the web application (pages and the /api/v1 JSON API) with uvicorn.",
    ),
    "indicators": (
        _indicators,
        "Reach, attendance, knowledge goals, drop-outs and cost per pupil reached, per district\n"
        "and in total. A count of 1-4 shows as <5; a cell that would give one away shows as ..\n"
        "(the threshold is PPSS_DISCLOSURE_THRESHOLD, 5 by default).",
    ),
    "db": (_db, "Create, upgrade and inspect the store's schema."),
    "events": (_events, "The event catalogue."),
    "bench": (_bench, "Benchmarks (measured on throw-away stores)."),
    "round": (_workflow, "Open, close and set deadlines of funding rounds."),
    "plan": (_workflow, "Work plans and the steering group's decisions."),
    "network": (_workflow, "Network sessions and participation."),
    "supervision": (_workflow, "Supervision money (2014)."),
    "report": (_workflow, "Follow-ups, financial reports, year-end accounts."),
    "repayment": (_workflow, "Money paid back."),
    "calendar": (_reminders, "Deadlines as iCalendar (.ics): subscribe to it, or import it."),
    "scheduler": (_reminders, "The reminder scheduler."),
    "payment-plan": (
        _plans,
        "Payment plans: an award paid in instalments, each released by conditions.",
    ),
    "audit": (
        _audit,
        "Audit (read-only, no role needed): verify the chain, replay a moment, explain a "
        "decision, show a project's history.",
    ),
    "token": (_web, "API tokens: create (shown once), revoke, list."),
    "users": (_users, "Role grants for signing in: grant, revoke, list (coordinator only)."),
    "document": (_documents, "Documents: attach a file to a project, get one back by its hash."),
    "contact": (_contacts, "Contacts by role: project lead, finance, school contact."),
}

#: The commands each loader registered, built once per process. (Typer vendors Click, so its
#: command and context classes are typed ``Any`` here rather than named from a private module.)
_LOADED: dict[Loader, dict[str, Any]] = {}


def _load(name: str) -> Any:
    """The real command called ``name``, importing the module that defines it."""
    loader = COMMANDS[name][0]
    if loader not in _LOADED:
        holder = typer.Typer()
        loader(holder)
        _LOADED[loader] = dict(typer.main.get_group(holder).commands)
    return _LOADED[loader][name]


def load_all() -> dict[str, Any]:
    """Every real command by name (imports every command module: for tests and docs)."""
    return {name: _load(name) for name in COMMANDS}


class _Listed(TyperCommand):
    """A command as ``ppss --help`` lists it: its name and help, nothing loaded."""


class LazyGroup(TyperGroup):
    """The root group: lists :data:`COMMANDS` and loads a command when it is resolved."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_loader, help_text) in COMMANDS.items():
            if name not in self.commands:
                self.commands[name] = _Listed(name, help=help_text)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and isinstance(self.commands.get(args[0]), _Listed):
            self.commands[args[0]] = _load(args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="ppss",
    cls=LazyGroup,
    help="ppss-workflow: conditional grant disbursements as event streams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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
    from ppss_workflow.db import set_lock_wait_note  # noqa: PLC0415 - a command runs: load
    from ppss_workflow.logs import configure_logging  # noqa: PLC0415

    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    if lang is not None:
        if lang.strip().lower() not in _LANGUAGES:
            raise typer.BadParameter("use sv (Swedish) or en (English)", param_hint="--lang")
        os.environ[_ENV_LANGUAGE] = lang.strip().lower()
    configure_logging(log_level, json=log_json)
    set_lock_wait_note(_waiting)


def _waiting() -> None:
    print("ppss: waiting for another ppss process to finish writing…", file=sys.stderr, flush=True)


def _error_line(exc: Any) -> str:
    """One line: a refusal or a lookup that found nothing is said in the CLI's language
    (``ppss: fel: ...``); in English, and for any other error, the error's own line (with
    the command, the state found and the rule, for whoever reads it next)."""
    from ppss_workflow.cli._common import words  # noqa: PLC0415 - an error is being said
    from ppss_workflow.words import say  # noqa: PLC0415

    tr = words()
    if exc.reason is None:
        return f"ppss: error: {exc}"
    if tr.lang != "en":
        return f"ppss: fel: {say(exc.reason, tr.lang)}"
    if getattr(exc, "refusal", None) is not None:
        return f"ppss: error: {exc}"  # the reason in English, then where and which rule
    return f"ppss: error: {say(exc.reason, 'en')}"


#: The drivers' errors that are storage faults, by module and class (looked up only when the
#: module was loaded: a command that never opened a store raised none of them).
_STORAGE_ERRORS = (("sqlite3", "Error"), ("psycopg", "Error"), ("sqlalchemy.exc", "DBAPIError"))


def _storage_fault(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return True
    for module, name in _STORAGE_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


def main() -> None:
    """Entry point: a WorkflowError becomes one line (``ppss: fel: ...`` in Swedish) and its
    exit code; a storage fault a command did not translate becomes one line naming the cause."""
    try:
        app()
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as exc:
        # Typer turns a Ctrl-C inside a command into a silent exit 130: say it, in one line.
        context = exc.__context__
        if isinstance(context, typer.Exit) and isinstance(context.__cause__, KeyboardInterrupt):
            _interrupted()
        raise
    except Exception as exc:
        errors = sys.modules.get("ppss_workflow.errors")
        if errors is not None and isinstance(exc, errors.WorkflowError):
            print(_error_line(exc), file=sys.stderr)
            sys.exit(exc.exit_code)
        if _storage_fault(exc):
            # A full disk, a read-only store, a lost connection: never a traceback.
            from ppss_workflow.faults import one_line  # noqa: PLC0415 - an error is being said

            print(f"ppss: error: {one_line(exc)}", file=sys.stderr)
            sys.exit(3)
        raise


def _interrupted() -> None:
    print("ppss: interrupted; nothing half-written (appends are atomic)", file=sys.stderr)
    sys.exit(130)

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
from ppss_workflow.cli.help_words import LANGUAGE_KEY, install, language
from ppss_workflow.cli.usage_words import prepare

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


def _board(root: typer.Typer) -> None:
    from ppss_workflow.cli import board_cmd  # noqa: PLC0415 - loaded when used

    root.command("board")(board_cmd.board)


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
        "Registrera demons bidragsomgångar (ppss-2014, ppss-2016, sst-2018 och en som pågår nu)\n"
        "och visa översikten för den som pågår nu.",
    ),
    "board": (
        _board,
        "En rad per projekt: får det betalas ut nu, hur mycket, och om inte, varför inte.",
    ),
    "allocate": (
        _workflow,
        "Fördela en summa mellan stadsdelar enligt 2014 års regel (per skola, sedan resten).",
    ),
    "apply": (_workflow, "Lämna in en stadsdels ansökan (omgångens regler prövar den först)."),
    "award": (_workflow, "Bevilja ett projekts bidrag genom ett registrerat beslut."),
    "withdraw": (
        _workflow,
        "Dra tillbaka en stadsdels ansökan (stadsdelen själv eller samordnaren).",
    ),
    "disburse": (
        _workflow,
        "Registrera en utbetalning; nekas om omgångens regler inte tillåter så mycket nu.",
    ),
    "annul": (
        _workflow,
        "Makulera en tidigare uppgift (den finns kvar i historiken, markerad som makulerad). En\n"
        "utbetalning makuleras bara om pengarna aldrig gick ut, av två personer: en begär, en\n"
        "annan bekräftar.",
    ),
    "reminders": (_reminders, "Vilka påminnelser som ska gå ut och inte har skickats än."),
    "export": (
        _audit,
        "Varje sparad händelse exakt som den sparades (jsonl, csv), eller en arbetsbok med "
        "översikter (xlsx).",
    ),
    "import": (
        _audit,
        "Läs in en hel jsonl-export i en TOM databas och kontrollera varje hash; allt eller inget.",
    ),
    "serve": (
        _web,
        "Kör webbtjänsten (sidorna och JSON-API:t /api/v1) med uvicorn.",
    ),
    "indicators": (
        _indicators,
        "Räckvidd, närvaro, kunskapsmål, avhopp och kostnad per nådd elev, per stadsdel och\n"
        "totalt; med --by school per skola och termin, med --by term per termin "
        "(flickor och pojkar\nför sig). Ett antal 1-4 visas som <5; en cell som skulle röja "
        "ett antal visas som ..\n"
        "(gränsen är PPSS_DISCLOSURE_THRESHOLD, 5 om inget annat anges).",
    ),
    "db": (_db, "Skapa, uppgradera och granska databasens schema."),
    "events": (_events, "Förteckningen över händelsetyper."),
    "bench": (_bench, "Prestandamätningar (på tillfälliga databaser)."),
    "round": (_workflow, "Öppna och stäng bidragsomgångar och sätt deras sista dagar."),
    "plan": (_workflow, "Arbetsplaner och styrgruppens beslut."),
    "network": (_workflow, "Stadsövergripande nätverksträffar och deltagande."),
    "supervision": (_workflow, "Medel för gemensam handledning (2014)."),
    "report": (
        _workflow,
        "Uppföljningar, ekonomiska redovisningar, redovisning och kostnadsbeskrivning.",
    ),
    "repayment": (_workflow, "Återbetalningar."),
    "calendar": (
        _reminders,
        "Sista dagar som iCalendar (.ics): prenumerera på den eller importera den.",
    ),
    "scheduler": (_reminders, "Schemaläggaren för påminnelser."),
    "payment-plan": (
        _plans,
        "Utbetalningsplaner: ett beviljat bidrag i delbetalningar, var och en frisläppt av "
        "villkor.",
    ),
    "audit": (
        _audit,
        "Granskning (bara läsning, ingen roll behövs): kontrollera kedjan, spela upp ett "
        "ögonblick, förklara ett beslut, visa ett projekts historik.",
    ),
    "token": (_web, "API-nycklar: skapa (visas en gång), återkalla, lista."),
    "users": (_users, "Roller för inloggning: ge, återkalla, lista (bara samordnaren)."),
    "document": (_documents, "Underlag: bifoga en fil till ett projekt, hämta en med dess hash."),
    "contact": (_contacts, "Kontaktpersoner per roll: projektledare, ekonomi, skolkontakt."),
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


#: The root's options that take a value (``--log-level debug``).
_ROOT_VALUED = ("--lang", "--log-level")


def _root_language(args: list[str]) -> tuple[str, list[str]]:
    """The language ``args`` ask for (``--lang`` before the command, else ``$PPSS_LANG``,
    else Swedish), and the arguments without the root's own options."""
    asked = os.environ.get(_ENV_LANGUAGE)
    at = 0
    while at < len(args) and args[at].startswith("-"):
        arg, _, value = args[at].partition("=")
        if arg in _ROOT_VALUED and not value:
            value = args[at + 1] if at + 1 < len(args) else ""
            at += 1
        if arg == "--lang":
            asked = value
        at += 1
    return language(asked), args[at:]


class _Listed(TyperCommand):
    """A command as ``ppss --help`` lists it: its name and help, nothing loaded."""


class LazyGroup(TyperGroup):
    """The root group: lists :data:`COMMANDS` and loads a command when it is resolved."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_loader, help_text) in COMMANDS.items():
            if name not in self.commands:
                self.commands[name] = _Listed(name, help=help_text)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The language is read before Click parses (whose --help would answer before --lang).
        lang, rest = _root_language(args)
        ctx.meta[LANGUAGE_KEY] = lang
        if "--help" in args or not args or (rest and not any(a.startswith("-") for a in rest)):
            install()  # help asked for, or maybe shown (a group with no command)
        return list(super().parse_args(ctx, args))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and isinstance(self.commands.get(args[0]), _Listed):
            self.commands[args[0]] = _load(args[0])
        return super().resolve_command(ctx, args)

    # Click's usage errors (a mistyped command, option or value) are raised while the root
    # parses or while it invokes a command (which parses its own): said in the run's language.
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except typer._click.exceptions.ClickException as exc:
            _said_in_language(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer._click.exceptions.ClickException as exc:
            _said_in_language(exc)
            raise


def _said_in_language(exc: Any) -> None:
    ctx = getattr(exc, "ctx", None)
    lang = ctx.meta.get(LANGUAGE_KEY) if ctx is not None else None
    prepare(exc, lang or language(os.environ.get(_ENV_LANGUAGE)))


app = typer.Typer(
    name="ppss",
    cls=LazyGroup,
    help="ppss-workflow: villkorade utbetalningar av bidrag, sparade som händelser.",
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
        str,
        typer.Option(
            "--log-level", envvar="PPSS_LOG_LEVEL", help="Loggnivå: debug, info, warning."
        ),
    ] = "warning",
    log_json: Annotated[
        bool | None,
        typer.Option(
            "--log-json/--log-console",
            help="Loggar som JSON; utan val: JSON när utdata inte går till en terminal.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", envvar="PPSS_LANG", help="sv (svenska, förval) eller en (engelska)."
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Visa versionen.")
    ] = False,
) -> None:
    from ppss_workflow.db import set_lock_wait_note  # noqa: PLC0415 - a command runs: load
    from ppss_workflow.logs import configure_logging  # noqa: PLC0415

    if lang is not None:
        if lang.strip().lower() not in _LANGUAGES:
            said = _words().gettext("use sv (Swedish) or en (English)")
            raise typer.BadParameter(said, param_hint="--lang")
        os.environ[_ENV_LANGUAGE] = lang.strip().lower()
    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        said = _words().gettext("use debug, info, warning or error")
        raise typer.BadParameter(said, param_hint="--log-level")
    configure_logging(log_level, json=log_json)
    set_lock_wait_note(_waiting)


def _words() -> Any:
    """The CLI's words (``--lang`` given, else ``$PPSS_LANG``), for a root option's error."""
    from ppss_workflow.cli._common import words  # noqa: PLC0415 - an error is being said

    return words()


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
        # An error with no reason yet: said in Swedish when the catalogue has its line.
        said = tr.gettext(str(exc)) if tr.lang != "en" else str(exc)
        return f"ppss: fel: {said}" if said != str(exc) else f"ppss: error: {exc}"
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

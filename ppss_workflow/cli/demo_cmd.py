"""`ppss demo`: fill a store with the 2014 and 2018 example rounds and show the board."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from policies.state import STOCKHOLM
from ppss_workflow.atomic import new_store
from ppss_workflow.cli._common import DatabaseOption, describe, out_console, words
from ppss_workflow.cli.board_cmd import board
from ppss_workflow.cli.web_cmds import is_loopback
from ppss_workflow.cli.web_cmds import serve as serve_web
from ppss_workflow.config import (
    StoreLocation,
    default_data_dir,
    resolve_database_url,
)
from ppss_workflow.db import create_store_engine
from ppss_workflow.demo import ROUND_2014, ROUND_2018, load_demo
from ppss_workflow.demo2016 import ROUND_2016
from ppss_workflow.demo_now import round_id_for
from ppss_workflow.errors import DEMO_SERVE_LOOPBACK, DEMO_STORE_NOT_EMPTY, ConfigurationError
from ppss_workflow.i18n import N_
from ppss_workflow.logs import get_logger
from ppss_workflow.schema import ensure_schema
from ppss_workflow.store import EventStore

__all__ = ["demo"]

_log = get_logger(__name__)

_STORE = N_(
    "Demo store: %(store)s, with the rounds %(rounds)s and the round running now, %(current)s."
)
_ON_THE_WEB = N_(
    "The demo on the web: http://%(host)s:%(port)s/ (sign in as anyone; stop with Ctrl+C)"
)
_OPEN = N_("Open the demo in a browser (sign in as anyone):")
_THEN = N_("then go to http://127.0.0.1:8000/ . Or record it afresh and serve it at once:")
_BOARDS = N_("The board of the round running now, and of a past round as it stood:")


def demo(
    database: DatabaseOption = None,
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Visa sedan demon på webben (ppss serve --demo)."),
    ] = False,
    host: Annotated[
        str, typer.Option("--host", help="Med --serve: en adress på den egna datorn (loopback).")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option("--port", help="Med --serve: porten.")] = 8000,
) -> None:
    """Registrera demons bidragsomgångar (ppss-2014, ppss-2016, sst-2018 och en som pågår nu)
    och visa översikten för den som pågår nu.

    Med en angiven databas (--database eller PPSS_DATABASE_URL) måste den vara tom. Utan
    använder demon en egen fil i datamappen, som ersätts vid varje körning. Med --serve visas
    demon sedan på http://127.0.0.1:8000/ med demons inloggning.
    """
    if serve and not is_loopback(host):
        raise ConfigurationError(
            f"--serve serves the demo sign-in: only on a loopback address, not {host}",
            reason=DEMO_SERVE_LOOPBACK(host=host),
        )
    location = resolve_database_url(database)
    current = round_id_for(datetime.now(STOCKHOLM).date())
    reuse = False
    replace = False
    if location.is_default:
        path = default_data_dir() / "demo.sqlite3"
        reuse = serve and _holds_round(path, current)
        replace = not reuse  # the demo's own file, replaced once the new one is complete
        location = StoreLocation(f"sqlite:///{path}", "default")
    if not reuse:
        _record(location, replace=replace)
    tr = words()
    out_console.print(
        tr.t(
            _STORE,
            store=describe(location),
            rounds=", ".join((ROUND_2014, ROUND_2016, ROUND_2018)),
            current=current,
        )
        + "\n"
    )
    for past in (ROUND_2014, ROUND_2016, ROUND_2018):
        board(past, None, "table", location.url)
        out_console.print()
    board(current, None, "table", location.url)
    ppss = command_name()
    if serve:
        out_console.print(
            "\n"
            + tr.t(
                _ON_THE_WEB,
                host=host,
                port=port,
            )
        )
        serve_web(host=host, port=port, demo=True, database=location.url)
        return
    store_option = f" --database {_store_argument(location)}"
    out_console.print(
        "\n"
        + tr.t(_OPEN)
        + f"\n  {ppss} serve --demo{store_option}"
        + "\n"
        + tr.t(_THEN)
        + f"\n  {ppss} demo --serve"
        + "\n"
        + tr.t(_BOARDS)
        + f"\n  {ppss} board --round {current}{store_option}"
        + f"\n  {ppss} board --round {ROUND_2014} --as-of 2014-10-01{store_option}"
    )


def command_name() -> str:
    """How to write ``ppss`` in a hint so that it works as written: ``ppss`` when that is on
    PATH and is this program; else the path it was run by (``.venv/bin/ppss``); else the
    script beside this Python, or ``python -m ppss_workflow``."""
    on_path = shutil.which("ppss")

    def is_on_path(script: Path) -> bool:
        return (
            on_path is not None
            and script.exists()
            and Path(on_path).resolve() == (script.resolve())
        )

    typed = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if Path(typed).name in ("ppss", "ppss.exe"):
        return "ppss" if is_on_path(Path(typed)) else typed
    script = Path(sys.executable).parent / "ppss"
    if is_on_path(script):
        return "ppss"
    if script.exists():
        return str(script)
    return f"{sys.executable} -m ppss_workflow"


def _store_argument(location: StoreLocation) -> str:
    """The store as a hint's ``--database`` value: a SQLite file as its path."""
    prefix = "sqlite:///"
    return location.url[len(prefix) :] if location.url.startswith(prefix) else location.url


def _holds_round(path: Path, round_id: str) -> bool:
    """Whether the demo file exists and already holds ``round_id`` (``--serve`` reuses it)."""
    if not path.exists():
        return False
    store = EventStore(create_store_engine(f"sqlite:///{path}"))
    try:
        ensure_schema(store.engine, create=False)
        return store.stream_version(f"round:{round_id}") > 0
    except Exception:
        return False
    finally:
        store.close()


def _record(location: StoreLocation, *, replace: bool) -> None:
    # All or nothing: a failure part-way (a full disk, a lost connection) leaves no store.
    with new_store(location.url, replace=replace) as url:
        engine = create_store_engine(url)
        ensure_schema(engine, create=True)
        store = EventStore(engine)
        try:
            existing = store.count()
            if existing:
                raise ConfigurationError(
                    f"{describe(location)} already holds {existing} events: the demo fills "
                    "only an empty store; give an empty database, or run `ppss demo` with no "
                    "store configured to use the demo file",
                    reason=DEMO_STORE_NOT_EMPTY(store=describe(location), events=existing),
                )
            load_demo(store, alive=True)
            _log.info("demo_loaded", store=describe(location), events=store.count())
        finally:
            store.close()

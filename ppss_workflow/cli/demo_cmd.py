"""`ppss demo`: fill a store with the 2014 and 2018 example rounds and show the board."""

from __future__ import annotations

from typing import Annotated

import typer

from ppss_workflow.atomic import new_store
from ppss_workflow.cli._common import DatabaseOption, describe, out_console, words
from ppss_workflow.cli.web_cmds import is_loopback
from ppss_workflow.cli.web_cmds import serve as serve_web
from ppss_workflow.cli.workflow_cmds import board
from ppss_workflow.config import (
    ENV_DATABASE_URL,
    StoreLocation,
    default_data_dir,
    resolve_database_url,
)
from ppss_workflow.db import create_store_engine
from ppss_workflow.demo import ROUND_2014, ROUND_2018, load_demo
from ppss_workflow.demo2016 import ROUND_2016
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.logs import get_logger
from ppss_workflow.schema import ensure_schema
from ppss_workflow.store import EventStore
from ppss_workflow.words import say_list

__all__ = ["demo"]

_log = get_logger(__name__)


def demo(
    database: DatabaseOption = None,
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Then serve the demo on the web (ppss serve --demo)."),
    ] = False,
    host: Annotated[str, typer.Option("--host", help="With --serve: a loopback address.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="With --serve: the port.")] = 8000,
) -> None:
    """Record the demo rounds (ppss-2014, ppss-2016, sst-2018) and print the board.

    With a store configured (--database or PPSS_DATABASE_URL) it must be empty. Without,
    the demo uses its own file in the data folder, replaced on each run. With --serve, the
    demo is then served at http://127.0.0.1:8000/ with the demo sign-in.
    """
    if serve and not is_loopback(host):
        raise ConfigurationError(
            f"--serve serves the demo sign-in: only on a loopback address, not {host}"
        )
    location = resolve_database_url(database)
    replace = False
    if location.is_default:
        path = default_data_dir() / "demo.sqlite3"
        location = StoreLocation(f"sqlite:///{path}", "default")
        replace = True  # the demo's own file, replaced once the new one is complete
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
                    "store configured to use the demo file"
                )
            load_demo(store)
            _log.info("demo_loaded", store=describe(location), events=store.count())
        finally:
            store.close()
    tr = words()
    out_console.print(
        tr.t(
            "Demo store: %(store)s — %(rounds)s.",
            store=describe(location),
            rounds=say_list([ROUND_2014, ROUND_2016, ROUND_2018], tr.lang),
        )
        + "\n"
    )
    board(ROUND_2014, None, "table", location.url)
    out_console.print()
    board(ROUND_2016, None, "table", location.url)
    out_console.print()
    board(ROUND_2018, None, "table", location.url)
    if serve:
        out_console.print(f"\nThe demo on the web: http://{host}:{port}/ (sign in as anyone)")
        serve_web(host=host, port=port, demo=True, database=location.url)
        return
    if location.source == "default":
        out_console.print(
            f"\nPoint other commands at the demo store with:\n"
            f"  export {ENV_DATABASE_URL}={location.url}\n"
            f"then e.g. `ppss board --round {ROUND_2014} --as-of 2014-10-01`."
        )

"""`ppss db`: create, upgrade and inspect the store's schema."""

from __future__ import annotations

import typer
from rich.table import Table

from ppss_workflow.cli._common import DatabaseOption, describe, out_console
from ppss_workflow.config import resolve_database_url
from ppss_workflow.db import create_store_engine
from ppss_workflow.logs import get_logger
from ppss_workflow.schema import current_revision, head_revision, upgrade
from ppss_workflow.store import EventStore

app = typer.Typer(help="Create, upgrade and inspect the store's schema.", no_args_is_help=True)
_log = get_logger(__name__)


@app.command("upgrade")
def upgrade_command(database: DatabaseOption = None) -> None:
    """Create the store, or bring it to this program's schema (safe to run again)."""
    location = resolve_database_url(database)
    engine = create_store_engine(location.url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    _log.info("db_upgraded", url=describe(location), before=before, after=after)
    if before == after:
        out_console.print(f"Store {describe(location)} is up to date (revision {after}).")
    else:
        out_console.print(
            f"Store {describe(location)} upgraded from revision {before or 'none'} to {after}."
        )


@app.command("status")
def status_command(database: DatabaseOption = None) -> None:
    """Show the store's location, schema revision, event count and head of the hash chain."""
    location = resolve_database_url(database)
    engine = create_store_engine(location.url)
    try:
        current = current_revision(engine)
        table = Table(show_header=False, box=None)
        table.add_row("store", describe(location))
        table.add_row("schema", f"{current or 'none'} (this program: {head_revision()})")
        if current is not None:
            store = EventStore(engine)
            head = store.head()
            table.add_row("events", f"{store.count():,}".replace(",", " "))
            table.add_row("head position", str(head.position))
            table.add_row("head hash", head.hash)
        out_console.print(table)
    finally:
        engine.dispose()

"""`ppss db`: create, upgrade and inspect the store's schema."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ppss_workflow.atomic import backup_sqlite, sqlite_path
from ppss_workflow.cli._common import (
    DatabaseOption,
    describe,
    err_console,
    open_store,
    out_console,
    words,
)
from ppss_workflow.config import resolve_database_url
from ppss_workflow.db import create_store_engine
from ppss_workflow.errors import (
    BACKUP_NOT_SQLITE,
    FILE_EXISTS_GIVE_NEW,
    NO_STORE_AT_PLAIN,
    PATH_NO_FOLDER,
    ROLES_CANNOT_CREATE,
    ConfigurationError,
    InvalidCommand,
)
from ppss_workflow.i18n import N_
from ppss_workflow.logs import get_logger
from ppss_workflow.projections import Projector
from ppss_workflow.roles import DEFAULT_READER, DEFAULT_WRITER, ensure_roles
from ppss_workflow.schema import current_revision, head_revision, upgrade
from ppss_workflow.store import EventStore

app = typer.Typer(help="Skapa, uppgradera och granska databasens schema.", no_args_is_help=True)
_log = get_logger(__name__)


@app.command("upgrade")
def upgrade_command(database: DatabaseOption = None) -> None:
    """Skapa databasen, eller för den till programmets schema (går att köra igen)."""
    location = resolve_database_url(database)
    engine = create_store_engine(location.url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    _log.info("db_upgraded", url=describe(location), before=before, after=after)
    tr = words()
    if before == after:
        out_console.print(
            tr.t(
                "Store %(store)s is up to date (revision %(after)s).",
                store=describe(location),
                after=after,
            )
        )
    else:
        out_console.print(
            tr.t(
                "Store %(store)s upgraded from revision %(before)s to %(after)s.",
                store=describe(location),
                before=before or tr.gettext("none"),
                after=after,
            )
        )


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="En ny fil för kopian.", metavar="FIL")],
    database: DatabaseOption = None,
) -> None:
    """En enhetlig kopia av en SQLite-databas, tagen medan den används (SQLites
    säkerhetskopiering i drift: skrivningar fortsätter; kopian är databasen vid ett ögonblick).
    För PostgreSQL, använd `pg_dump` (se avsnittet `Backup and restore` i README)."""
    location = resolve_database_url(database)
    source = sqlite_path(location.url)
    if source is None:
        raise ConfigurationError(
            f"{describe(location)} is not a SQLite file: back up PostgreSQL with pg_dump "
            "(see the README, Backup and restore)",
            reason=BACKUP_NOT_SQLITE(store=describe(location), tool="pg_dump"),
        )
    if not source.exists():
        raise ConfigurationError(
            f"no store at {describe(location)}", reason=NO_STORE_AT_PLAIN(store=describe(location))
        )
    if target.exists() or target.is_symlink():
        raise InvalidCommand(
            f"{target} exists: give a new file", reason=FILE_EXISTS_GIVE_NEW(path=str(target))
        )
    if not target.parent.is_dir():
        raise InvalidCommand(
            f"{target}: there is no folder {target.parent}",
            reason=PATH_NO_FOLDER(path=str(target), folder=str(target.parent)),
        )
    pages = backup_sqlite(source, target)
    _log.info("db_backed_up", store=describe(location), target=str(target), pages=pages)
    out_console.print(
        words().t(
            "Copied %(store)s to %(file)s (%(pages)d pages).",
            store=describe(location),
            file=target,
            pages=pages,
        )
    )


@app.command("status")
def status_command(database: DatabaseOption = None) -> None:
    """Visa databasens plats, schemaversion, antal händelser och hashkedjans slut."""
    location = resolve_database_url(database)
    engine = create_store_engine(location.url)
    try:
        current = current_revision(engine)
        tr = words()
        table = Table(show_header=False, box=None)
        table.add_row(tr.gettext("store"), describe(location))
        table.add_row(
            tr.gettext("schema"),
            tr.t(
                "%(current)s (this program: %(head)s)",
                current=current or tr.gettext("none"),
                head=head_revision(),
            ),
        )
        if current is not None:
            store = EventStore(engine)
            head = store.head()
            table.add_row(tr.gettext("events"), f"{store.count():,}".replace(",", "\u00a0"))
            table.add_row(tr.gettext("head position"), str(head.position))
            table.add_row(tr.gettext("head hash"), head.hash)
            if current == head_revision():
                kept, _, same = Projector(store).status()
                table.add_row(
                    tr.gettext("read model"),
                    tr.t("at position %(position)s", position=kept)
                    + (
                        ""
                        if same
                        else " " + tr.gettext("(made by another version: rebuilt on the next read)")
                    ),
                )
        out_console.print(table)
    finally:
        engine.dispose()


@app.command("rebuild-projections")
def rebuild_projections_command(database: DatabaseOption = None) -> None:
    """Räkna om läsmodellen (översikter, påminnelser, omgångarnas summor) från alla händelser.

    Behövs aldrig för att det ska bli rätt: modellen följer loggen, och en ny programversion
    bygger om den själv. Använd det efter att en säkerhetskopia lästs tillbaka, eller för att mäta.
    """
    store, location = open_store(database)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} " + words().gettext("rounds")),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        ) as bar:
            task = bar.add_task(words().gettext("Rebuilding the read model"), total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            started = time.perf_counter()
            position = Projector(store).rebuild(progress=report)
            took = time.perf_counter() - started
    finally:
        store.close()
    _log.info("projections_rebuilt", url=describe(location), position=position, seconds=took)
    out_console.print(
        words().t(
            "Read model of %(store)s rebuilt from %(events)d events in %(seconds)s s.",
            store=describe(location),
            events=position,
            seconds=f"{took:.1f}",
        )
    )


@app.command("roles")
def roles_command(
    writer: Annotated[
        str, typer.Option("--writer", help="Grupproll som får lägga till händelser.")
    ] = DEFAULT_WRITER,
    reader: Annotated[
        str, typer.Option("--reader", help="Grupproll som bara får läsa (granskare).")
    ] = DEFAULT_READER,
    database: DatabaseOption = None,
) -> None:
    """PostgreSQL: skapa en grupproll som skriver och en som bara läser, med exakt de
    rättigheter de behöver (händelserna: bara INSERT och SELECT). Går att köra igen. Ge varje
    person en egen inloggning i en av dem (se README)."""
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415 - only here

    location = resolve_database_url(database)
    engine = create_store_engine(location.url)
    try:
        if engine.dialect.name != "postgresql":
            out_console.print(
                words().gettext(
                    "SQLite has no roles or grants: whoever can open the file can write it "
                    "(protect it with file permissions, or use PostgreSQL for roles)."
                )
            )
            return
        try:
            report = ensure_roles(engine, writer=writer, reader=reader)
        except DBAPIError as exc:
            first = str(exc.orig or exc).strip().splitlines()[0]
            raise ConfigurationError(
                f"cannot create the roles in {describe(location)}: {first} "
                "(run this as the store's owner, with the right to create roles)",
                reason=ROLES_CANNOT_CREATE(store=describe(location), cause=first),
            ) from None
    finally:
        engine.dispose()
    tr = words()
    table = Table(
        title=tr.t(
            "Roles on schema %(schema)s of %(store)s",
            schema=report.schema,
            store=describe(location),
        )
    )
    for column in (N_("Role"), N_("On"), N_("May")):
        table.add_column(tr.gettext(column))
    for grant in report.grants:
        table.add_row(grant.role, grant.target, grant.privileges)
    out_console.print(table)
    for role in (writer, reader):
        done = (
            tr.gettext("created")
            if role in report.created
            else tr.gettext("already there, grants renewed")
        )
        out_console.print(f"{role}: {done}.")

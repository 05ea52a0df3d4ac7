"""Throw-away stores: a temporary SQLite file, an in-memory SQLite database, or a temporary
PostgreSQL schema."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL

from ppss_workflow.db import create_store_engine, normalise_url
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore

__all__ = ["MEMORY", "scratch_copy", "scratch_store", "scratch_url"]

#: ``base_url`` for an in-memory SQLite store: nothing touches the disk, and it is gone when
#: the scratch context ends. It lives in this process only (a ``ppss`` child process cannot
#: open it); users cannot name one (``normalise_url`` refuses ``:memory:``), only scratch
#: stores are made so.
MEMORY = "memory"


@contextmanager
def scratch_url(base_url: str | None = None) -> Iterator[str]:
    """A URL to an empty database that is removed afterwards.

    SQLite: a file in a new temporary folder. ``MEMORY``: a named, shared-cache in-memory
    SQLite database, kept alive by a connection held until the context ends. PostgreSQL: a
    new schema in ``base_url``'s database, selected through ``search_path``, dropped with
    everything in it afterwards.
    """
    if base_url == MEMORY:
        with _memory_database() as memory_url:
            yield memory_url
        return
    if base_url is None or normalise_url(base_url).get_backend_name() == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="ppss-"))
        try:
            yield f"sqlite:///{folder / 'store.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    url = normalise_url(base_url)
    schema = f"ppss_scratch_{uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(url, schema).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _with_search_path(url: URL, schema: str) -> URL:
    return url.update_query_dict({"options": f"-csearch_path={schema}"})


@contextmanager
def _memory_database() -> Iterator[str]:
    name = f"ppss-{uuid4().hex}"
    # The database lives while a connection to it is open: this one, held to the end.
    keeper = sqlite3.connect(f"file:{name}?mode=memory&cache=shared", uri=True)
    try:
        yield f"sqlite:///file:{name}?mode=memory&cache=shared&uri=true"
    finally:
        keeper.close()


def _sqlite_target(url: str) -> str:
    """What ``sqlite3.connect(..., uri=True)`` opens for a scratch SQLite URL."""
    parsed = normalise_url(url)
    database = parsed.database or ""
    if parsed.query.get("uri"):
        options = "&".join(f"{k}={v}" for k, v in parsed.query.items() if k != "uri")
        return f"{database}?{options}"
    return Path(database).as_uri()


def _sqlite_copy(source_url: str, target_url: str) -> None:
    """Copy a SQLite store page by page (SQLite's online backup: consistent under WAL)."""
    source = sqlite3.connect(_sqlite_target(source_url), uri=True)
    target = sqlite3.connect(_sqlite_target(target_url), uri=True)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


_EMPTY_SQLITE: list[str] = []


def _empty_sqlite_template() -> str:
    """An empty SQLite store upgraded to the newest revision, made once per process (removed
    at exit). New scratch SQLite stores are copies of it: the same schema Alembic makes, in
    a millisecond instead of running every migration again."""
    if not _EMPTY_SQLITE:
        folder = Path(tempfile.mkdtemp(prefix="ppss-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        url = f"sqlite:///{folder / 'empty.sqlite3'}"
        engine = create_store_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        _EMPTY_SQLITE.append(url)
    return _EMPTY_SQLITE[0]


@contextmanager
def scratch_store(
    base_url: str | None = None, *, clock: Callable[[], datetime] | None = None
) -> Iterator[EventStore]:
    """An upgraded, empty EventStore on a scratch database (``MEMORY``: in memory)."""
    with scratch_url(base_url) as url:
        engine = create_store_engine(url)
        if engine.dialect.name == "sqlite":
            _sqlite_copy(_empty_sqlite_template(), url)
        else:
            upgrade(engine)
        store = EventStore(engine, clock=clock) if clock else EventStore(engine)
        try:
            yield store
        finally:
            engine.dispose()


@contextmanager
def scratch_copy(template_url: str) -> Iterator[str]:
    """A URL to a throw-away copy of the store at ``template_url``, removed afterwards.

    Copying a recorded store is far cheaper than recording it again (the demo: milliseconds
    instead of seconds). SQLite: the file is copied with SQLite's online backup (consistent
    even if the template has a WAL). PostgreSQL: a new schema beside the template's is
    upgraded and every table's rows are copied across (``INSERT ... SELECT``, in one
    transaction); the store has no sequences, so nothing else carries state.
    """
    url = normalise_url(template_url)
    if url.get_backend_name() == "sqlite":
        with scratch_url(MEMORY if url.query.get("uri") else None) as copy_url:
            _sqlite_copy(template_url, copy_url)
            yield copy_url
        return
    template_schema = _schema_of(url)
    with scratch_url(template_url) as copy_url:
        copy_schema = _schema_of(normalise_url(copy_url))
        engine = create_store_engine(copy_url)
        try:
            with engine.begin() as conn:
                _clone_schema(conn, template_schema, copy_schema)
        finally:
            engine.dispose()
        yield copy_url


def _clone_schema(conn: Connection, source: str, target: str) -> None:
    """Make ``target`` (an empty schema) what ``source`` is: its tables with their columns,
    defaults and checks, keys and indexes (under the same names), its functions and
    triggers (the append-only rules), and their rows. Alembic's revision comes along as a
    row, so the copy is at the template's revision without running the migrations again.
    The store has no sequences, views or foreign keys; tests/integration/test_scratch.py
    compares a copy's shape with what the migrations give."""
    tables = [
        row[0]
        for row in conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind = 'r' ORDER BY c.relname"
            ),
            {"schema": source},
        )
    ]
    for table in tables:
        conn.execute(
            text(
                f'CREATE TABLE "{target}"."{table}" '
                f'(LIKE "{source}"."{table}" INCLUDING ALL EXCLUDING INDEXES)'
            )
        )
    # Keys and indexes under their own names (LIKE would name them anew).
    keys = conn.execute(
        text(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = :schema AND k.contype IN ('p', 'u') "
            "ORDER BY c.relname, k.conname"
        ),
        {"schema": source},
    ).all()
    for table, name, definition in keys:
        conn.execute(text(f'ALTER TABLE "{target}"."{table}" ADD CONSTRAINT "{name}" {definition}'))
    indexes = conn.execute(
        text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        ),
        {"schema": source},
    ).scalars()
    functions = conn.execute(
        text(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema"
        ),
        {"schema": source},
    ).scalars()
    triggers = conn.execute(
        text(
            "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c "
            "ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND NOT t.tgisinternal"
        ),
        {"schema": source},
    ).scalars()
    for definition in [*indexes, *functions, *triggers]:
        # The driver reads % as a placeholder even without parameters: doubled, it is one %.
        conn.exec_driver_sql(definition.replace(f"{source}.", f"{target}.").replace("%", "%%"))
    for table in tables:
        conn.execute(
            text(
                f'INSERT INTO "{target}"."{table}" '  # noqa: S608 - our scratch names
                f'SELECT * FROM "{source}"."{table}"'
            )
        )


def _schema_of(url: URL) -> str:
    """The schema a scratch PostgreSQL URL selects (its ``-csearch_path=``)."""
    options = str(url.query.get("options", ""))
    prefix = "-csearch_path="
    if not options.startswith(prefix):
        raise ValueError(f"not a scratch PostgreSQL URL (no search_path): {url!r}")
    return options.removeprefix(prefix)

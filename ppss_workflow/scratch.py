"""Throw-away stores: a temporary SQLite file or a temporary PostgreSQL schema."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import URL

from ppss_workflow.db import create_store_engine, normalise_url
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore

__all__ = ["scratch_copy", "scratch_store", "scratch_url"]


@contextmanager
def scratch_url(base_url: str | None = None) -> Iterator[str]:
    """A URL to an empty database that is removed afterwards.

    SQLite: a file in a new temporary folder. PostgreSQL: a new schema in ``base_url``'s
    database, selected through ``search_path``, dropped with everything in it afterwards.
    """
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
def scratch_store(
    base_url: str | None = None, *, clock: Callable[[], datetime] | None = None
) -> Iterator[EventStore]:
    """An upgraded, empty EventStore on a scratch database."""
    with scratch_url(base_url) as url:
        engine = create_store_engine(url)
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
        with scratch_url() as copy_url:
            source = sqlite3.connect(url.database or "")
            target = sqlite3.connect(normalise_url(copy_url).database or "")
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            yield copy_url
        return
    template_schema = _schema_of(url)
    with scratch_url(template_url) as copy_url:
        engine = create_store_engine(copy_url)
        try:
            upgrade(engine)
            copy_schema = _schema_of(normalise_url(copy_url))
            tables = MetaData()
            with engine.connect() as conn:
                tables.reflect(conn, schema=template_schema)
            with engine.begin() as conn:
                for table in tables.sorted_tables:
                    if table.name == "alembic_version":
                        continue
                    conn.execute(
                        text(
                            f'INSERT INTO "{copy_schema}"."{table.name}" '  # noqa: S608 - our scratch names
                            f'SELECT * FROM "{template_schema}"."{table.name}"'
                        )
                    )
        finally:
            engine.dispose()
        yield copy_url


def _schema_of(url: URL) -> str:
    """The schema a scratch PostgreSQL URL selects (its ``-csearch_path=``)."""
    options = str(url.query.get("options", ""))
    prefix = "-csearch_path="
    if not options.startswith(prefix):
        raise ValueError(f"not a scratch PostgreSQL URL (no search_path): {url!r}")
    return options.removeprefix(prefix)

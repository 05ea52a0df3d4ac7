"""Throw-away stores: a temporary SQLite file or a temporary PostgreSQL schema."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from ppss_workflow.db import create_store_engine, normalise_url
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore

__all__ = ["scratch_store", "scratch_url"]


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

"""Filling a new store all or nothing: a new SQLite file is built beside its place and moved
there when complete; an empty store that a failed fill wrote to is emptied again."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ppss_workflow.db import create_store_engine, events_table, metadata, safe_url
from ppss_workflow.faults import StorageFault, storage_fault
from ppss_workflow.logs import get_logger

__all__ = ["backup_sqlite", "new_store", "sqlite_path"]

_log = get_logger(__name__)
_SIDE = ("-wal", "-shm", "-journal")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another backend or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _remove(path: Path) -> None:
    """Remove a temporary store and its side files, if there (on a read-only file system
    even a missing file cannot be unlinked: nothing was made there, so nothing to do)."""
    for leftover in (path, *(Path(f"{path}{x}") for x in _SIDE)):
        with contextlib.suppress(FileNotFoundError):
            try:
                leftover.unlink()
            except OSError as exc:
                if leftover.exists():
                    _log.warning("temporary_store_left", path=str(leftover), error=str(exc))


def _settle_wal(path: Path) -> None:
    """Fold a closed SQLite file's write-ahead log into it, so the file alone is the store."""
    if not Path(f"{path}-wal").exists():
        return
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")  # the moved file opens without a log
    finally:
        conn.close()
    Path(f"{path}-wal").unlink(missing_ok=True)
    Path(f"{path}-shm").unlink(missing_ok=True)


@contextlib.contextmanager
def new_store(url: str, *, replace: bool = False) -> Iterator[str]:
    """The URL to fill; when the block fails, no store is left behind.

    A SQLite file that does not exist yet (or, with ``replace``, one to be replaced) is built
    as a temporary file in the same folder and moved into place only when the block has
    completed. Any other store (PostgreSQL, an existing empty file) is filled where it is;
    if the block fails, the rows it wrote are deleted again (the schema stays), so a rerun
    finds it empty. (A choice: an empty store the caller chose is theirs to keep.)
    """
    path = sqlite_path(url)
    if path is not None and (replace or not path.exists()):
        temporary = path.with_name(f".{path.name}.{uuid4().hex[:8]}.part")
        built = make_url(url).set(database=str(temporary)).render_as_string(hide_password=False)
        try:
            try:
                yield built
            except StorageFault as fault:
                fault.store = safe_url(make_url(url))  # the store asked for, not the part
                fault.args = (fault.said(),)
                raise
            except (DBAPIError, OSError) as exc:
                found = storage_fault(exc, safe_url(make_url(url)))
                if found is None:
                    raise
                raise found from exc
            _settle_wal(temporary)
            if replace:
                for side in _SIDE:
                    Path(f"{path}{side}").unlink(missing_ok=True)
            os.replace(temporary, path)
        finally:
            _remove(temporary)
        return
    empty_before = _is_empty(url)
    try:
        yield url
    except BaseException:
        if empty_before:
            _empty(url)
        raise


def _is_empty(url: str) -> bool:
    """Whether the store holds no events (or has no schema yet); False when it cannot tell."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("events"):
                return True
            return not conn.execute(select(func.count()).select_from(events_table)).scalar()
    except Exception:
        return False
    finally:
        engine.dispose()


def _empty(url: str) -> None:
    """Best effort: delete every row of a store whose fill failed (it was empty before)."""
    engine = create_store_engine(url)
    try:
        with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(delete(table))
    except Exception as exc:  # the fault that stopped the fill may stop this too
        _log.warning("store_not_emptied", store=safe_url(engine.url), error=str(exc))
    finally:
        engine.dispose()


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the SQLite store ``source`` into the new file ``target`` with SQLite's online
    backup (a consistent copy while others write); the file appears only when complete.
    Returns the pages copied."""
    partial = target.with_name(f".{target.name}.{uuid4().hex[:8]}.part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
        os.replace(partial, target)
    finally:
        src.close()
        _remove(partial)
    return pages

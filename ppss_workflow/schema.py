"""Creating and upgrading the store's schema with Alembic, and checking it before use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError, DBAPIError

from ppss_workflow.db import WRITE, safe_url
from ppss_workflow.errors import (
    SCHEMA_CANNOT_UPGRADE,
    SCHEMA_NONE,
    SCHEMA_OLD,
    STORE_CANNOT_OPEN,
    STORE_NOT_SQLITE,
    SchemaNotReady,
    StoreUnavailable,
)
from ppss_workflow.faults import storage_fault

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD_REVISION", "current_revision", "ensure_schema", "head_revision", "upgrade"]

#: The newest migration this program ships. Checking a store against it needs no Alembic
#: import (a third of the CLI's start-up); a test keeps it equal to the migrations' head.
HEAD_REVISION = "0008"


def _config() -> Config:
    from alembic.config import Config  # noqa: PLC0415 - only upgrades pay for Alembic

    cfg = Config()
    cfg.set_main_option("script_location", "ppss_workflow:migrations")
    return cfg


def head_revision() -> str:
    """The newest migration in ``ppss_workflow/migrations`` (read by Alembic)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's migration revision, or None for an empty database."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DatabaseError as exc:
        if "not a database" in str(exc.orig):
            raise StoreUnavailable(
                f"{safe_url(engine.url)} is not a SQLite database (a file of another kind is "
                "there): give the store's path, or a new path to create one",
                reason=STORE_NOT_SQLITE(store=safe_url(engine.url)),
            ) from None
        fault = storage_fault(exc, safe_url(engine.url), "open")
        if fault is not None:
            raise fault from exc
        raise StoreUnavailable(
            f"cannot open {safe_url(engine.url)}: {_line(exc)}",
            reason=STORE_CANNOT_OPEN(store=safe_url(engine.url), cause=_line(exc)),
        ) from exc


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to the newest revision; returns (before, after)."""
    from alembic import command  # noqa: PLC0415

    before = current_revision(engine)
    cfg = _config()
    try:
        with engine.execution_options(**WRITE).begin() as conn:  # the write lock, waited for
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except (DBAPIError, OSError) as exc:
        # A full disk, a read-only store, a lost connection: one line; the migration's own
        # transaction is rolled back (PostgreSQL, SQLite) so the schema is as it was.
        fault = storage_fault(exc, safe_url(engine.url), "write")
        if fault is not None:
            raise fault from exc
        if isinstance(exc, DBAPIError):
            raise StoreUnavailable(
                f"cannot create or upgrade the schema of {safe_url(engine.url)}: "
                f"{_line(exc)}; nothing was changed",
                reason=SCHEMA_CANNOT_UPGRADE(store=safe_url(engine.url), cause=_line(exc)),
            ) from exc
        raise
    return before, HEAD_REVISION


def ensure_schema(engine: Engine, *, create: bool) -> None:
    """Make sure the store is usable: create an empty one if allowed; never migrate silently.

    A brand-new store is created on first use (nothing can be lost); an existing store at an
    older revision is refused with the command that upgrades it, so that a schema change
    is always a deliberate act.
    """
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return
    if current is None:
        if create:
            upgrade(engine)
            return
        raise SchemaNotReady(
            f"{safe_url(engine.url)} has no ppss-workflow store yet: "
            "run `ppss db upgrade` (or `ppss demo` for example data)",
            reason=SCHEMA_NONE(store=safe_url(engine.url)),
        )
    raise SchemaNotReady(
        f"{safe_url(engine.url)} is at schema revision {current}, this program needs "
        f"{HEAD_REVISION}: run `ppss db upgrade`",
        reason=SCHEMA_OLD(store=safe_url(engine.url), current=str(current), needed=HEAD_REVISION),
    )


def _line(exc: DBAPIError) -> str:
    message = str(exc.orig).strip()
    return message.splitlines()[0] if message else "error"

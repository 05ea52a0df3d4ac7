"""Creating and upgrading the store's schema with Alembic, and checking it before use."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ppss_workflow.db import safe_url
from ppss_workflow.errors import SchemaNotReady, StoreUnavailable

__all__ = ["current_revision", "ensure_schema", "head_revision", "upgrade"]


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "ppss_workflow:migrations")
    return cfg


def head_revision() -> str:
    """The newest migration this program ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's migration revision, or None for an empty database."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot open {safe_url(engine.url)}: {_line(exc)}") from exc


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, head_revision()


def ensure_schema(engine: Engine, *, create: bool) -> None:
    """Make sure the store is usable: create an empty one if allowed; never migrate silently.

    A brand-new store is created on first use (nothing can be lost); an existing store at an
    older revision is refused with the command that upgrades it, so that a schema change
    is always a deliberate act.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        if create:
            upgrade(engine)
            return
        raise SchemaNotReady(
            f"{safe_url(engine.url)} has no ppss-workflow store yet: "
            "run `ppss db upgrade` (or `ppss demo` for example data)"
        )
    raise SchemaNotReady(
        f"{safe_url(engine.url)} is at schema revision {current}, this program needs {head}: "
        "run `ppss db upgrade`"
    )


def _line(exc: OperationalError) -> str:
    text = str(exc.orig).strip()
    return text.splitlines()[0] if text else "error"

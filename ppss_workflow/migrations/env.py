"""Alembic environment: runs on the connection ppss_workflow.schema hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ppss_workflow.db import create_store_engine, metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # `alembic -c alembic.ini upgrade head` from a checkout, for developers.
    engine = create_store_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `ppss db upgrade`")
run_migrations_online()

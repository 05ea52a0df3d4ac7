"""The scheduler's daily checkpoint: the head signed once per Stockholm day, whoever runs.

Any number of schedulers (and restarts) may try; the database decides. The check ("is there
a checkpoint signed today?") and the insert are one write transaction under a lock of their
own (SQLite's write lock; a transaction-level advisory lock on PostgreSQL), so one day gets
one checkpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, insert, select

from policies.state import start_of_day, stockholm_day
from ppss_workflow.checkpoints import Checkpoint, signed_message
from ppss_workflow.db import WRITE, checkpoints
from ppss_workflow.logs import get_logger
from ppss_workflow.store import EventStore

__all__ = ["sign_daily"]

_log = get_logger(__name__)
_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtextextended('ppss_workflow.daily_checkpoint:' "
    "|| current_schema(), 0))"
)


def _public_hex(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign_daily(store: EventStore, key: Ed25519PrivateKey, now: datetime) -> Checkpoint | None:
    """Sign the head if no checkpoint was signed on ``now``'s Stockholm day; the checkpoint,
    or None (signed today already, the head signed before, or an empty store)."""
    day = stockholm_day(now)
    begins = start_of_day(day).astimezone(UTC)
    ends = start_of_day(day + timedelta(days=1)).astimezone(UTC)
    with store.engine.connect() as conn:
        conn.execution_options(**WRITE)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(_LOCK)
            today = conn.execute(
                select(func.count()).select_from(checkpoints)
                .where(checkpoints.c.signed_at >= begins, checkpoints.c.signed_at < ends)
            ).scalar_one()  # fmt: skip
            if today:
                return None
            head = conn.exec_driver_sql(
                "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"
            ).first()
            if head is None:
                return None
            position, hash_ = int(head[0]), str(head[1])
            signed = conn.execute(
                select(func.count()).select_from(checkpoints)
                .where(checkpoints.c.position == position)
            ).scalar_one()  # fmt: skip
            if signed:
                return None  # nothing new since the last checkpoint
            signature = key.sign(signed_message(position, hash_, now)).hex()
            checkpoint = Checkpoint(position, hash_, now, _public_hex(key), signature)
            conn.execute(
                insert(checkpoints).values(
                    position=position, hash=hash_, signed_at=now,
                    public_key=checkpoint.public_key, signature=checkpoint.signature,
                )
            )  # fmt: skip
    _log.info("daily_checkpoint_signed", position=position, day=day.isoformat())
    return checkpoint

"""Signed checkpoints (issue 12): truncation and a history hashed again after a checkpoint
fail `verify --public-key`; an untouched store that grew since passes; a checkpoint signed by
another key, or altered, fails. Both backends; the CLI as an auditor runs it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ppss_workflow.auditing import COLUMNS, stored_text, verify_chain
from ppss_workflow.checkpoints import (
    check_checkpoints,
    generate_key,
    load_private_key,
    load_public_key,
    sign_head,
)
from ppss_workflow.codec import GENESIS_HASH, chain_hash_text
from ppss_workflow.store import EventStore
from tests.e2e.cli import assert_one_line_error, ppss
from tests.integration.test_audit import awarded, drop_triggers, filled

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "signer.key"
    generate_key(path)
    return path


def check(store: EventStore, key: Path) -> str | None:
    report = verify_chain(store)
    assert report.ok
    public = load_public_key(str(key) + ".pub")
    return check_checkpoints(store, public, report.head_position)[1]


def rehash_from_start(conn: Any) -> None:
    """Edit position 3, then hash every row again: the chain alone verifies."""
    conn.execute(text("UPDATE events SET data = replace(data, '500000', '900000') "
                      "WHERE position = 3"))  # fmt: skip
    rows = conn.execute(text("SELECT * FROM events ORDER BY position")).all()
    prev = GENESIS_HASH
    for row in rows:
        prev = chain_hash_text(prev, *[stored_text(getattr(row, c)) for c in COLUMNS[:-1]])
        conn.execute(text("UPDATE events SET hash = :h WHERE position = :p"),
                     {"h": prev, "p": row.position})  # fmt: skip


def test_an_untouched_store_that_grew_passes(store: EventStore, key: Path) -> None:
    filled(store)
    checkpoint, new = sign_head(store, load_private_key(key), NOW)
    assert (checkpoint.position, new) == (9, True)
    assert sign_head(store, load_private_key(key), NOW)[1] is False  # the same head: once
    store.append("project:r:d", [awarded()], 0)
    sign_head(store, load_private_key(key), NOW)
    assert check(store, key) is None


def test_truncation_after_a_checkpoint_fails(store: EventStore, key: Path) -> None:
    filled(store)
    sign_head(store, load_private_key(key), NOW)
    drop_triggers(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position >= 8"))
    assert verify_chain(store).ok  # the limit of a chain on its own
    problem = check(store, key)
    assert problem is not None
    assert "ends at position 7, before position 9" in problem
    assert "cut off" in problem


def test_a_history_hashed_again_fails(store: EventStore, key: Path) -> None:
    filled(store)
    sign_head(store, load_private_key(key), NOW)
    drop_triggers(store)
    with store.engine.begin() as conn:
        rehash_from_start(conn)
    assert verify_chain(store).ok
    problem = check(store, key)
    assert problem is not None
    assert "rewritten" in problem


def test_another_key_or_an_altered_checkpoint_fails(
    store: EventStore, key: Path, tmp_path: Path
) -> None:
    filled(store)
    sign_head(store, load_private_key(key), NOW)
    other = tmp_path / "other.key"
    generate_key(other)
    report = verify_chain(store)
    wrong = check_checkpoints(store, load_public_key(str(other) + ".pub"), report.head_position)
    assert wrong[1] is not None
    assert "not signed by this key" in wrong[1]
    with store.engine.begin() as conn:  # an attacker moves the checkpoint to a forged head
        conn.execute(text("UPDATE checkpoints SET position = 8"))
    altered = check(store, key)
    assert altered is not None
    assert "forged or altered" in altered


def test_the_cli_signs_and_verifies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    assert ppss("demo", "--database", url, home=tmp_path).code == 0
    made = ppss("audit", "keygen", "--out", str(tmp_path / "k"), home=tmp_path)
    assert made.code == 0, made.err
    assert_one_line_error(ppss("audit", "keygen", "--out", str(tmp_path / "k"), home=tmp_path),
                          "finns redan")  # fmt: skip
    public = (tmp_path / "k.pub").read_text().strip()
    assert public in made.out
    assert_one_line_error(
        ppss("audit", "checkpoint", "--key", str(tmp_path / "k"), "--as", "auditor",
             "--database", url, home=tmp_path),
        "rollen revisor får inte signera kontrollpunkter",
    )  # fmt: skip
    signed = ppss("audit", "checkpoint", "--key", str(tmp_path / "k"), "--database", url,
                  home=tmp_path)  # fmt: skip
    assert signed.code == 0, signed.err
    assert "Signerad: position" in signed.out
    ok = ppss("audit", "verify", "--public-key", public, "--database", url, home=tmp_path)
    assert ok.code == 0, ok.err
    assert "1 signerad kontrollpunkt kontrollerad" in ok.out  # one, not "1 signerade"
    store = EventStore.from_url(url)
    drop_triggers(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position >= 100"))
    store.close()
    cut = ppss("audit", "verify", "--public-key", str(tmp_path / "k.pub"), "--database", url,
               home=tmp_path)  # fmt: skip
    assert cut.code == 7
    assert_one_line_error(cut, "slutet har klippts bort")
    assert_one_line_error(
        ppss("audit", "verify", "--public-key", "abc", "--database", url, home=tmp_path),
        "64 hexadecimala siffror",
    )

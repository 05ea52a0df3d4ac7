"""Waiting for SQLite's write lock (issue 12): a note after 2 s, one line at the timeout.

Another process is played by a second real connection holding ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from events import Metadata, NewEvent, RoundOpened
from ppss_workflow.db import (
    ENV_LOCK_TIMEOUT,
    LOCK_NOTE_AFTER,
    create_store_engine,
    set_lock_wait_note,
)
from ppss_workflow.errors import StoreUnavailable
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore
from tests.e2e.cli import ppss


def _round(rid: str) -> list[NewEvent]:
    event = RoundOpened(round_id=rid, title="Runda", policy_name="ppss-2014", policy_version=1,
                        budget_sek=1_000_000, period_start=date(2014, 1, 1),
                        period_end=date(2014, 12, 31))  # fmt: skip
    meta = Metadata(actor="samordnare@example.org", role="coordinator")
    return [NewEvent(event, datetime(2014, 1, 2, tzinfo=UTC), meta)]


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = create_store_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


class Held:
    """Another process's write transaction: BEGIN IMMEDIATE on a connection of its own."""

    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(
            str(make_url(url).database), isolation_level=None, check_same_thread=False
        )
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


@pytest.fixture
def notes() -> Iterator[list[float]]:
    seen: list[float] = []
    set_lock_wait_note(lambda: seen.append(time.monotonic()))
    try:
        yield seen
    finally:
        set_lock_wait_note(None)


def test_a_held_lock_gives_a_note_then_one_line_and_nothing_written(
    url: str, notes: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_LOCK_TIMEOUT, "3.5")
    store = EventStore.from_url(url)
    held = Held(url)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="another ppss process has held the write"):
            store.append("round:r1", _round("r1"), 0)
        took = time.monotonic() - started
    finally:
        held.release()
    assert 3.3 < took < 8, took
    assert len(notes) == 1
    assert LOCK_NOTE_AFTER - 0.3 < notes[0] - started < LOCK_NOTE_AFTER + 1.5
    assert store.count() == 0
    # The lock gone, the same store writes at once, and says nothing.
    store.append("round:r1", _round("r1"), 0)
    assert (store.count(), len(notes)) == (1, 1)
    store.close()


def test_a_lock_released_while_waiting_lets_the_write_through(
    url: str, notes: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_LOCK_TIMEOUT, "20")
    store = EventStore.from_url(url)
    held = Held(url)
    timer = threading.Timer(3.0, held.release)
    timer.start()
    try:
        started = time.monotonic()
        store.append("round:r1", _round("r1"), 0)
        took = time.monotonic() - started
    finally:
        timer.join()
    assert 2.8 < took < 10, took
    assert len(notes) == 1
    assert store.count() == 1
    store.close()


def test_the_cli_says_it_waits_then_stops_in_one_line(url: str, tmp_path: Path) -> None:
    held = Held(url)
    try:
        started = time.monotonic()
        run = ppss("round", "open", "--round", "r2", "--title", "Runda", "--budget", "100000",
                   "--start", "2015-01-01", "--end", "2015-12-31", "--policy", "ppss-2014",
                  "--policy-version", "1",
                   "--as", "coordinator", "--on", "2015-01-02", "--database", url,
                   home=tmp_path, env={ENV_LOCK_TIMEOUT: "4"})  # fmt: skip
        took = time.monotonic() - started
    finally:
        held.release()
    assert run.code != 0
    assert "Traceback" not in run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert lines == [
        "ppss: waiting for another ppss process to finish writing…",
        lines[1],
    ], run.err
    assert lines[1].startswith("ppss: fel: en annan ppss-process har hållit skrivlåset")
    assert took >= 4
    store = EventStore.from_url(url)
    assert store.count() == 0
    store.close()


def _knowing_writer(store: EventStore) -> Iterator[Any]:
    """A writer whose connection knows the head: its next append takes the lock in its INSERT."""
    with store.writer() as writer:
        writer.append("round:r1", _round("r1"), 0)
        writer.append("round:r2", _round("r2"), 0)  # reads the head: from here it knows it
        yield writer


def test_an_append_onto_the_known_head_gives_the_note_after_the_same_wait(
    url: str, notes: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The append that takes the lock in its INSERT waits as BEGIN IMMEDIATE does: the note
    after LOCK_NOTE_AFTER (not twice that), one line at the timeout, nothing written."""
    monkeypatch.setenv(ENV_LOCK_TIMEOUT, "3.5")
    store = EventStore.from_url(url)
    for writer in _knowing_writer(store):
        held = Held(url)
        try:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="another ppss process has held the write"):
                writer.append("round:r3", _round("r3"), 0)
            took = time.monotonic() - started
        finally:
            held.release()
        assert 3.3 < took < 8, took
        assert len(notes) == 1
        assert LOCK_NOTE_AFTER - 0.3 < notes[0] - started < LOCK_NOTE_AFTER + 1.5
        assert store.count() == 2
        writer.append("round:r3", _round("r3"), 0)  # the lock gone: at once, no note
    assert (store.count(), len(notes)) == (3, 1)
    store.close()


def test_an_append_onto_the_known_head_goes_through_when_the_lock_is_released(
    url: str, notes: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_LOCK_TIMEOUT, "20")
    store = EventStore.from_url(url)
    for writer in _knowing_writer(store):
        held = Held(url)
        timer = threading.Timer(3.0, held.release)
        timer.start()
        try:
            started = time.monotonic()
            result = writer.append("round:r3", _round("r3"), 0)
            took = time.monotonic() - started
        finally:
            timer.join()
        assert 2.8 < took < 10, took
        assert len(notes) == 1
        assert (result.first_position, store.count()) == (3, 3)
    store.close()

"""The scheduler signs a checkpoint once a day (issue 12): once per Stockholm day, whoever
runs and however often, on both backends; `ppss audit verify --public-key` accepts them."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events import Metadata, NewEvent, RoundOpened
from ppss_workflow.checkpoints import Checkpoint, check_checkpoints, generate_key, read_checkpoints
from ppss_workflow.daily_signing import sign_daily
from ppss_workflow.demo import load_demo
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.e2e.cli import ppss


def _append_round(store: EventStore, rid: str) -> None:
    event = RoundOpened(round_id=rid, title="Runda", policy_name="ppss-2014", policy_version=1,
                        budget_sek=1_000_000, period_start=date(2014, 1, 1),
                        period_end=date(2014, 12, 31))  # fmt: skip
    meta = Metadata(actor="samordnare@example.org", role="coordinator")
    store.append(f"round:{rid}", [NewEvent(event, datetime(2014, 1, 2, tzinfo=UTC), meta)], 0)


def test_one_checkpoint_per_stockholm_day(store: EventStore) -> None:
    key = Ed25519PrivateKey.generate()
    # 23:30 UTC on 10 March 2014 is already 11 March in Stockholm.
    morning = datetime(2014, 3, 10, 23, 30, tzinfo=UTC)
    assert sign_daily(store, key, morning) is None  # an empty store: nothing to sign
    _append_round(store, "r1")
    first = sign_daily(store, key, morning)
    assert isinstance(first, Checkpoint)
    assert first.position == 1
    _append_round(store, "r2")
    # Later the same Stockholm day, with a new head: still the one checkpoint of the day.
    assert sign_daily(store, key, morning + timedelta(hours=20)) is None
    next_day = morning + timedelta(hours=24)  # 11 March 23:30 UTC: 12 March in Stockholm
    second = sign_daily(store, key, next_day)
    assert second is not None
    assert second.position == 2
    # A day on which nothing was appended: the head is signed already, nothing new.
    assert sign_daily(store, key, next_day + timedelta(days=1)) is None
    assert [c.position for c in read_checkpoints(store)] == [1, 2]
    found, problem = check_checkpoints(store, key.public_key(), store.head().position)
    assert (len(found), problem) == (2, None)


def test_many_schedulers_at_once_sign_once(store: EventStore) -> None:
    key = Ed25519PrivateKey.generate()
    _append_round(store, "r1")
    now = datetime(2014, 3, 11, 9, 0, tzinfo=UTC)
    barrier = threading.Barrier(6)
    results: list[Checkpoint | None] = []

    def run() -> None:
        barrier.wait()
        results.append(sign_daily(store, key, now))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 6
    assert sum(r is not None for r in results) == 1
    assert len(read_checkpoints(store)) == 1


def test_scheduler_run_signs_once_a_day_across_restarts(tmp_path: Path) -> None:
    key = tmp_path / "audit.key"
    public = generate_key(key)
    with scratch_store() as store:
        load_demo(store)
        url = store.engine.url.render_as_string(hide_password=False)
        args = ("scheduler", "run", "--once", "--outbox", str(tmp_path / "out"),
                "--sign-with", str(key), "--database", url)  # fmt: skip
        first = ppss(*args, home=tmp_path)
        assert first.code in (0, 1), first.err  # 1: a reminder failed (no address); fine
        assert "Traceback" not in first.err
        assert "Signerade dagens kontrollpunkt" in first.out
        again = ppss(*args, home=tmp_path)  # a restart, the same day
        assert "Traceback" not in again.err
        assert "Signerade dagens kontrollpunkt" not in again.out
        assert len(read_checkpoints(store)) == 1
        verified = ppss("audit", "verify", "--public-key", public, "--database", url,
                        home=tmp_path)  # fmt: skip
        assert verified.code == 0, verified.err
        missing = ppss(*args[:5], "--sign-with", str(tmp_path / "nope.key"), "--database", url,
                       home=tmp_path)  # fmt: skip
        assert missing.code != 0
        assert next(ln for ln in missing.err.splitlines() if ln.strip()).startswith(
            "ppss: fel: kan inte läsa nyckeln"
        )
        assert "Traceback" not in missing.err

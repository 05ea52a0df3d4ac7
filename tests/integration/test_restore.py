"""The restore drill, on both backends: the demo with documents exported as one archive,
imported into an empty store, verified, and each document downloaded byte for byte; and
the pieces around it (a SQLite backup while served, document bytes no event points to)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ppss_workflow.db import documents
from ppss_workflow.demo import COORDINATOR, district_actor, load_demo
from ppss_workflow.documents import DatabaseContentStore, attach, prune_documents
from ppss_workflow.errors import WorkflowError
from ppss_workflow.handlers import Commands
from ppss_workflow.scratch import scratch_url
from ppss_workflow.store import EventStore
from tests.conftest import StepClock, base_url_for
from tests.e2e.cli import assert_one_line_error, ppss
from tests.integration.test_documents import PDF, T2_DAY

#: A second document: a PNG (its signature and a header chunk).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))


def _url(store: EventStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _attach(store: EventStore, content: bytes, name: str, district: str) -> str:
    outcome, sha = attach(
        Commands(store, clock=lambda: T2_DAY),
        district_actor(district),
        round_id="sst-2018",
        district=district,
        attached_to="t2-report",
        name=name,
        content=content,
    )
    assert outcome.already is None
    return sha


def _documents(store: EventStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(documents)).scalar() or 0)


def test_the_restore_drill(
    backend: str, store: EventStore, clock: StepClock, tmp_path: Path
) -> None:
    """Export the demo with two documents as one archive; import it into an empty store;
    `audit verify` passes (documents included) and both documents come back byte for byte.
    The store records at the real time (as a live one does): an import refuses an event
    recorded before the day it happened."""
    clock.now = datetime.now(UTC)
    load_demo(store)
    files = {
        _attach(store, PDF, "T2-uppfoljning-2018.pdf", "Skärholmen"): PDF,
        _attach(store, PNG, "bild.png", "Skärholmen"): PNG,
    }
    archive = tmp_path / "backup.zip"
    made = ppss("export", "--archive", str(archive), "--database", _url(store), home=tmp_path)
    assert made.code == 0, made.err
    with zipfile.ZipFile(archive) as zf:
        assert {n for n in zf.namelist() if n.startswith("documents/")} == {
            f"documents/{sha}" for sha in files
        }
    with scratch_url(base_url_for(backend)) as target:
        restored = ppss("import", str(archive), "--as", "coordinator", "--database", target,
                        home=tmp_path)  # fmt: skip
        assert restored.code == 0, restored.err
        assert "händelser, 2 dokument; slutet " in restored.out
        verified = ppss("audit", "verify", "--database", target, home=tmp_path)
        assert verified.code == 0, verified.err + verified.out
        for n, (sha, content) in enumerate(files.items()):
            out = tmp_path / f"got-{n}"
            got = ppss("document", "get", sha, "-o", str(out), "--as", "coordinator",
                       "--database", target, home=tmp_path)  # fmt: skip
            assert got.code == 0, got.err
            assert out.read_bytes() == content
            assert hashlib.sha256(out.read_bytes()).hexdigest() == sha


def test_an_archive_with_a_changed_document_restores_nothing(tmp_path: Path) -> None:
    """A document in the archive that does not match its hash: the import is refused in one
    line and leaves no store behind (all or nothing)."""
    source = tmp_path / "source.sqlite3"
    store = EventStore.from_url(f"sqlite:///{source}")
    from ppss_workflow.schema import upgrade  # noqa: PLC0415

    upgrade(store.engine)
    load_demo(store)
    sha = _attach(store, PDF, "T2.pdf", "Skärholmen")
    store.close()
    archive = tmp_path / "backup.zip"
    assert ppss("export", "--archive", str(archive), "--database", str(source),
                home=tmp_path).code == 0  # fmt: skip
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(forged, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == f"documents/{sha}":
                data = data.replace(b"595", b"596")
            zout.writestr(item, data)
    target = tmp_path / "copy.sqlite3"
    run = ppss("import", str(forged), "--as", "coordinator", "--database", str(target),
               home=tmp_path)  # fmt: skip
    assert_one_line_error(run, "stämmer inte med sin kontrollsumma")
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == []


def test_a_sqlite_backup_while_the_store_is_written_is_consistent(tmp_path: Path) -> None:
    """`ppss db backup` copies the store while another thread keeps appending: the copy
    opens, passes its integrity check and verifies as a chain of its own."""
    source = tmp_path / "live.sqlite3"
    store = EventStore.from_url(f"sqlite:///{source}")
    from ppss_workflow.schema import upgrade  # noqa: PLC0415

    upgrade(store.engine)
    load_demo(store)
    stop = threading.Event()

    def keep_writing() -> None:
        commands = Commands(store, clock=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))
        from policies.commands import SetDeadline  # noqa: PLC0415

        n = 0
        while not stop.is_set() and n < 200:
            n += 1
            due = datetime(2026, 12, 1, tzinfo=UTC).date() + timedelta(days=n)
            commands.execute(
                COORDINATOR,
                SetDeadline(round_id="sst-2018", code="extra", due_on=due, reason=f"n{n}"),
            )

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        copy = tmp_path / "copy.sqlite3"
        run = ppss("db", "backup", str(copy), "--database", str(source), home=tmp_path)
    finally:
        stop.set()
        writer.join()
        store.close()
    assert run.code == 0, run.err
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    verified = ppss("audit", "verify", "--database", str(copy), home=tmp_path)
    assert verified.code == 0, verified.err + verified.out
    again = ppss("db", "backup", str(copy), "--database", str(source), home=tmp_path)
    assert_one_line_error(again, "finns redan")


def test_bytes_no_event_points_to_are_pruned_after_the_grace_period(store: EventStore) -> None:
    """A refused attach keeps no bytes; bytes left by an attach stopped part-way stay for
    the grace period and are removed after it; attached documents are never removed."""
    load_demo(store)
    kept = _attach(store, PDF, "T2.pdf", "Skärholmen")
    try:
        attach(
            Commands(store, clock=lambda: T2_DAY),
            district_actor("Ingenstans"),
            round_id="sst-2018",
            district="Ingenstans",  # no application on record: refused by the decision
            attached_to="t2-report",
            name="bild.png",
            content=PNG,
        )
    except WorkflowError:
        pass
    else:  # pragma: no cover - the round's rules changed
        raise AssertionError("the attach was expected to be refused")
    assert _documents(store) == 1  # the refused attach left nothing
    orphan = hashlib.sha256(b"orphan").hexdigest()
    DatabaseContentStore(store).put(orphan, "image/png", b"orphan")  # a stopped attach
    assert prune_documents(store, grace=timedelta(days=7)) == []
    later = datetime.now(UTC) + timedelta(days=8)
    assert prune_documents(store, grace=timedelta(days=7), now=later) == [orphan]
    assert _documents(store) == 1
    assert DatabaseContentStore(store).get(kept) == PDF

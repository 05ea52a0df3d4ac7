"""Storage faults as a user meets them: a store on a small disk that fills up, or that turns
read-only. Each command says the cause in one line, exits non-zero and leaves nothing
partial; the store verifies afterwards. The disk is a tmpfs the test mounts (root only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from ppss_workflow.demo import load_demo
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore
from tests.e2e.cli import assert_one_line_error, ppss

MAIL = {
    "PPSS_REMINDER_COORDINATOR_EMAIL": "samordnare@example.org",
    "PPSS_REMINDER_DISTRICT_EMAIL": "distrikt@example.org",
}

MOUNT = shutil.which("mount") or ""
UMOUNT = shutil.which("umount") or ""


class Disk:
    """A tmpfs of a given size at ``path``: can be filled, resized, or made read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mount(self, size: str) -> None:
        subprocess.run([MOUNT, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)],
                       check=True, capture_output=True)  # fmt: skip

    def remount(self, options: str) -> None:
        subprocess.run([MOUNT, "-o", f"remount,{options}", str(self.path)], check=True)

    def fill(self) -> Path:
        """Take every free block (a file that grows until the disk is full)."""
        filler = self.path / "filler"
        with suppress(OSError), filler.open("wb", buffering=0) as f:
            while True:
                f.write(b"\0" * 4096)
        return filler

    def files(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.name != "filler")


@pytest.fixture
def disk() -> Iterator[Disk]:
    if os.geteuid() != 0 or not MOUNT:
        pytest.skip("mounting a small tmpfs needs root (as in CI's container)")
    folder = Path(tempfile.mkdtemp(prefix="ppss-disk-"))
    d = Disk(folder)
    try:
        d.mount("256k")
    except subprocess.CalledProcessError as exc:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {exc.stderr!r}")
    try:
        yield d
    finally:
        subprocess.run([UMOUNT, str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _demo_file(path: Path) -> Path:
    store = EventStore.from_url(f"sqlite:///{path}")
    upgrade(store.engine)
    load_demo(store)
    store.close()
    return path


def test_the_demo_on_a_full_disk_leaves_no_store_and_a_rerun_works(
    disk: Disk, tmp_path: Path
) -> None:
    """`ppss demo` that runs out of disk: one line naming the full disk, no store left
    (not one with 1 event that a rerun refuses); with room, the rerun fills the store."""
    target = disk.path / "demo.sqlite3"
    run = ppss("demo", "--database", str(target), home=tmp_path)
    assert_one_line_error(run, "disken är full", str(target))
    assert disk.files() == []
    disk.remount("size=8m")
    again = ppss("demo", "--database", str(target), home=tmp_path)
    assert again.code == 0, again.err
    assert ppss("audit", "verify", "--database", str(target), home=tmp_path).code == 0


def test_an_import_on_a_full_disk_leaves_no_store(disk: Disk, tmp_path: Path) -> None:
    """`ppss import` into a new store on a disk too small for it: one line, no file left."""
    source = _demo_file(tmp_path / "source.sqlite3")
    export = tmp_path / "all.jsonl"
    assert ppss("export", "-o", str(export), "--database", str(source), home=tmp_path).code == 0
    target = disk.path / "copy.sqlite3"
    run = ppss("import", str(export), "--as", "coordinator", "--database", str(target),
               home=tmp_path)  # fmt: skip
    assert_one_line_error(run, "disken är full", str(target))
    assert disk.files() == []


def test_the_scheduler_on_a_full_then_read_only_store(disk: Disk, tmp_path: Path) -> None:
    """`ppss scheduler run --once` on a full disk, then on a read-only one: one line each
    ("disken är full", "databasen är skrivskyddad"), no e-mail out without its record;
    with the disk back, the run sends and records each reminder, and the chain verifies."""
    disk.remount("size=8m")
    store = disk.path / "s.sqlite3"
    assert ppss("demo", "--database", str(store), home=tmp_path).code == 0
    outbox = tmp_path / "out"
    scheduler = ("scheduler", "run", "--once", "--outbox", str(outbox), "--database", str(store))
    filler = disk.fill()
    full = ppss(*scheduler, home=tmp_path, env=MAIL)
    assert_one_line_error(full, "disken är full")
    filler.unlink()
    disk.remount("ro")
    read_only = ppss(*scheduler, home=tmp_path, env=MAIL)
    assert_one_line_error(read_only, "databasen är skrivskyddad")
    assert not outbox.exists() or list(outbox.iterdir()) == []  # nothing sent unrecorded
    disk.remount("rw")
    ok = ppss(*scheduler, home=tmp_path, env=MAIL)
    assert ok.code == 0, ok.err
    assert len(list(outbox.iterdir())) >= 1
    verified = ppss("audit", "verify", "--database", str(store), home=tmp_path)
    assert verified.code == 0, verified.err
    due = ppss("reminders", "--database", str(store), home=tmp_path)
    again = ppss(*scheduler, home=tmp_path, env=MAIL)
    assert again.code == 0
    assert "Skickade 0 " in again.out, again.out + due.out


def test_an_xlsx_export_on_a_full_disk_is_one_line(disk: Disk, tmp_path: Path) -> None:
    """The workbook does not fit: one line naming the full disk, no "Exception ignored"
    from a half-written zip, and no file left."""
    source = _demo_file(tmp_path / "source.sqlite3")
    disk.remount("size=24k")
    run = ppss("export", "-f", "xlsx", "-o", str(disk.path / "all.xlsx"), "--database",
               str(source), home=tmp_path)  # fmt: skip
    assert_one_line_error(run, "disken är full")
    assert "Exception ignored" not in run.err
    assert disk.files() == []


def test_an_append_onto_a_changed_head_is_refused_and_the_board_warns(tmp_path: Path) -> None:
    """The newest row changed behind the store's back: a command refuses in one line (exit
    7, telling to run verify) and writes nothing; the board shows a warning."""
    source = _demo_file(tmp_path / "s.sqlite3")
    import sqlite3  # noqa: PLC0415

    conn = sqlite3.connect(source)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET data = data || ' ' "
                 "WHERE position = (SELECT max(position) FROM events)")  # fmt: skip
    conn.commit()
    count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    run = ppss("round", "deadline", "--as", "coordinator", "--round", "sst-2018", "--code",
               "extra", "--due", "2026-12-30", "--on", "2026-11-23", "--reason", "x",
               "--database", str(source), home=tmp_path)  # fmt: skip
    assert run.code == 7, run
    assert_one_line_error(run, "ppss audit verify")
    conn = sqlite3.connect(source)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == count
    conn.close()
    board = ppss("board", "--round", "sst-2018", "--database", str(source), home=tmp_path)
    assert "ppss audit verify" in board.out + board.err


def test_a_store_in_a_folder_that_cannot_be_written_is_one_line(disk: Disk, tmp_path: Path) -> None:
    """A new store asked for in a read-only folder: `ppss demo` and `ppss db upgrade` say
    "mappen går inte att skriva i" in one line (not "unable to open database file")."""
    disk.remount("ro")
    target = disk.path / "new.sqlite3"
    for args in (("demo",), ("db", "upgrade")):
        run = ppss(*args, "--database", str(target), home=tmp_path)
        assert_one_line_error(run, "mappen går inte att skriva i", str(target))
        assert "unable to open" not in run.err
    assert disk.files() == []

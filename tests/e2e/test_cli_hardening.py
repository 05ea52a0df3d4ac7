"""Careless and hostile use of the command line (issue 12): plain paths, a file that is not a
store, a role that may not append, an import that fails, Ctrl-C while starting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.demo_template import demo_copy_url, demo_file
from tests.e2e.cli import assert_one_line_error, ppss
from tests.poll import wait_for_line, wait_until


def test_a_plain_path_is_a_sqlite_store(tmp_path: Path) -> None:
    made = ppss("db", "upgrade", "--database", "plain.sqlite3", home=tmp_path)
    assert made.code == 0, made.err
    where = Path.cwd() / "plain.sqlite3"
    try:
        assert where.exists()
        assert f"sqlite:///{where}" in made.out
        by_env = ppss("db", "status", home=tmp_path, env={"PPSS_DATABASE_URL": str(where)})
        assert by_env.code == 0, by_env.err
        assert "$PPSS_DATABASE_URL" in by_env.out
    finally:
        where.unlink(missing_ok=True)


def test_a_file_that_is_not_a_store_is_one_line(tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    other.write_text("not a database at all\n" * 100)
    run = ppss("board", "--round", "x", "--database", str(other), home=tmp_path)
    assert_one_line_error(run, "är ingen SQLite-databas")


def _demo(tmp_path: Path) -> str:
    """The demo in a SQLite file (a copy of the session's recording; ``ppss demo`` itself is
    tested in test_cli_store and test_cli_round_2016)."""
    return demo_file(tmp_path / "demo.sqlite3")


def test_an_auditor_cannot_dispatch_reminders_or_import(tmp_path: Path) -> None:
    url = _demo(tmp_path)
    before = ppss("events", "count", "--database", url, home=tmp_path)
    run = ppss("scheduler", "run", "--once", "--outbox", str(tmp_path / "out"),
               "--database", url, home=tmp_path,
               env={"PPSS_ROLE": "auditor", "PPSS_LANG": "en"})  # fmt: skip
    assert_one_line_error(run, "the auditor role may not dispatch reminders")
    assert not (tmp_path / "out").exists()
    export = tmp_path / "all.jsonl"
    assert ppss("export", "-o", str(export), "--database", url, home=tmp_path).code == 0
    target = tmp_path / "copy.sqlite3"
    refused = ppss("import", str(export), "--as", "auditor", "--database", str(target),
                   home=tmp_path, env={"PPSS_LANG": "en"})  # fmt: skip
    assert_one_line_error(refused, "the auditor role may not import a history")
    assert not target.exists()
    after = ppss("events", "count", "--database", url, home=tmp_path)
    assert before.out == after.out


def test_a_failed_import_leaves_no_store_behind_and_a_blank_line_is_no_row(
    tmp_path: Path,
) -> None:
    with demo_copy_url() as url:
        export = tmp_path / "all.jsonl"
        assert ppss("export", "-o", str(export), "--database", url, home=tmp_path).code == 0
    lines = export.read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    row = json.loads(lines[5])
    row["data"] = row["data"].replace("0", "9", 1)
    broken.write_text("\n".join([*lines[:5], json.dumps(row), *lines[6:]]) + "\n")
    target = tmp_path / "copy.sqlite3"
    failed = ppss("import", str(broken), "--database", str(target), home=tmp_path)
    assert failed.code != 0
    assert "Traceback" not in failed.err
    assert not target.exists()
    assert not list(tmp_path.glob("copy.sqlite3*"))
    trailing = tmp_path / "trailing.jsonl"
    trailing.write_text(export.read_text() + "\n\n")
    ok = ppss("import", str(trailing), "--database", str(target), home=tmp_path)
    assert ok.code == 0, ok.err


def test_ctrl_c_while_starting_is_one_line(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PPSS_", "XDG_"))}
    environment["XDG_DATA_HOME"] = str(tmp_path)
    script = Path(sys.executable).with_name("ppss")
    child = subprocess.Popen(
        [str(script), "board", "--round", "x"], env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # While it still imports its libraries: past Python's own start-up (the site module, which
    # no program can guard), i.e. once a compiled library of ours is loaded, and on a loaded
    # machine not a moment earlier.
    maps = Path(f"/proc/{child.pid}/maps")
    wait_until(lambda: "pydantic_core" in maps.read_text(), "pydantic_core loaded", interval=0.002)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert "Traceback" not in err
    assert child.returncode == 130, err
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    assert "interrupted" in err


def test_control_characters_in_names_and_reasons_are_refused(tmp_path: Path) -> None:
    url = _demo(tmp_path)
    before = ppss("events", "count", "--database", url, home=tmp_path).out
    escape = ppss("disburse", "--round", "ppss-2014", "--district", "Farsta", "--amount", "1",
                  "--reference", "R\x1b[2J", "--as", "coordinator", "--database", url,
                  home=tmp_path)  # fmt: skip
    assert_one_line_error(escape, "payment_reference", "control character '\\x1b'")
    bell = ppss("round", "deadline", "--round", "ppss-2014", "--code", "t2", "--due",
                "2014-06-01", "--reason", "bad\x07bell", "--as", "coordinator", "--database",
                url, home=tmp_path)  # fmt: skip
    assert_one_line_error(bell, "reason", "printable characters only")
    assert ppss("events", "count", "--database", url, home=tmp_path).out == before


def _interrupt_when(
    args: list[str], ready: str, env: dict[str, str], tmp_path: Path
) -> tuple[int, str]:
    """Start ``ppss ARGS``, wait until its standard output shows ``ready`` (it is at work),
    send it a real SIGINT; its exit code and standard error."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PPSS_", "XDG_"))}
    environment.update({"XDG_DATA_HOME": str(tmp_path), "COLUMNS": "200", **env})
    script = Path(sys.executable).with_name("ppss")
    child = subprocess.Popen([str(script), *args], env=environment, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout is not None
        wait_for_line(child.stdout, ready, timeout=120)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    return child.returncode, err


def test_ctrl_c_in_a_running_scheduler_is_one_line(tmp_path: Path) -> None:
    """A real SIGINT to `ppss scheduler run` after its first dispatch (the loop at work): a
    clean stop (exit 0), said in one line, no traceback."""
    url = _demo(tmp_path)
    env = {"PPSS_REMINDER_COORDINATOR_EMAIL": "samordnare@example.org",
           "PPSS_REMINDER_DISTRICT_EMAIL": "kontakt@example.org"}  # fmt: skip
    code, err = _interrupt_when(
        ["scheduler", "run", "--interval", "3600", "--outbox", str(tmp_path / "out"),
         "--database", url], "Skickade ", env, tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.strip()] == [
        "ppss: schemaläggaren stoppad; inget halvskrivet (varje tillägg är odelbart)"
    ]


def test_ctrl_c_in_a_long_command_is_one_line(tmp_path: Path) -> None:
    """A real SIGINT to a long command mid-work (a benchmark writing a scratch store):
    exit 130, one line, no traceback (Typer alone would exit 130 in silence)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PPSS_", "XDG_"))}
    environment["XDG_DATA_HOME"] = str(tmp_path)
    private = tmp_path / "tmp"
    private.mkdir()
    environment["TMPDIR"] = str(private)
    script = Path(sys.executable).with_name("ppss")
    child = subprocess.Popen([str(script), "bench", "store", "-n", "2000000"], env=environment,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        # At work once its scratch store (a ppss-* folder in its own TMPDIR) holds appended
        # events: the SQLite write-ahead log has grown past its header.
        def appending() -> bool:
            return any(wal.stat().st_size > 32 for wal in private.glob("ppss-*/store.sqlite3-wal"))

        wait_until(appending, "the benchmark appending to its scratch store", timeout=120)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.strip()] == [
        "ppss: interrupted; nothing half-written (appends are atomic)"
    ]

"""`ppss db`, `ppss events` and `ppss bench` as a new user runs them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from events import registry
from policies.state import STOCKHOLM
from ppss_workflow.demo_now import round_id_for
from ppss_workflow.schema import head_revision
from ppss_workflow.scratch import scratch_url
from tests.conftest import pg_url
from tests.e2e.cli import assert_one_line_error, ppss


def test_db_upgrade_creates_default_sqlite_store_without_configuration(tmp_path: Path) -> None:
    """With no flag and no environment, the store is a SQLite file in the per-user data folder."""
    run = ppss("db", "upgrade", home=tmp_path)
    assert run.code == 0, run.err
    store_file = tmp_path / "ppss-workflow" / "ppss.sqlite3"
    assert store_file.exists()
    assert f"uppgraderades från version ingen till {head_revision()}" in run.out

    again = ppss("db", "upgrade", home=tmp_path)
    assert again.code == 0
    assert "har programmets schema" in again.out

    status = ppss("db", "status", home=tmp_path)
    assert status.code == 0
    assert head_revision() in status.out
    assert "(förval)" in status.out


def test_db_upgrade_on_postgresql_url(tmp_path: Path) -> None:
    """The same command creates the store on PostgreSQL when given a URL."""
    with scratch_url(pg_url()) as url:
        run = ppss("db", "upgrade", "--database", url, home=tmp_path)
        assert run.code == 0, run.err
        assert f"till {head_revision()}" in run.out
        env_run = ppss("db", "status", home=tmp_path, env={"PPSS_DATABASE_URL": url})
        assert env_run.code == 0, env_run.err
        assert "$PPSS_DATABASE_URL" in env_run.out
    assert not (tmp_path / "ppss-workflow" / "ppss.sqlite3").exists()


def test_bad_database_urls_give_one_line_errors(tmp_path: Path) -> None:
    """A malformed, unsupported or unreachable store is one line of advice and a non-zero exit."""
    assert_one_line_error(
        ppss("db", "upgrade", "--database", "://not-a-url", home=tmp_path),
        "kan inte läsa databasadressen",
    )
    assert_one_line_error(
        ppss("db", "upgrade", "--database", "mysql://localhost/x", home=tmp_path),
        "databasen 'mysql'",
    )
    assert_one_line_error(
        ppss("db", "upgrade", "--database", "postgresql://127.0.0.1:1/none", home=tmp_path),
        "kan inte öppna",
    )
    missing = tmp_path / "no" / "such" / "folder" / "x.sqlite3"
    assert_one_line_error(
        ppss("db", "upgrade", "--database", f"sqlite:///{missing}", home=tmp_path), "kan inte öppna"
    )


def test_events_schema_lists_every_type_with_its_version(tmp_path: Path) -> None:
    """Auditors get one JSON Schema document naming every event type and schema_version."""
    run = ppss("events", "schema", home=tmp_path)
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert set(doc["events"]) == set(registry.types())
    assert doc["events"]["DisbursementMade"]["schema_version"] == 2
    amount = doc["$defs"]["GrantAwarded"]["properties"]["amount_sek"]
    assert amount["type"] == "integer"
    assert amount["minimum"] == 0


STORE_FIGURES = (
    "append_1_per_command_eps",
    "append_10_per_command_eps",
    "bulk_import_eps",
    "replay_eps",
    "raw_txn_per_event_eps",
    "raw_chain_txn_per_event_eps",
    "raw_insert_eps",
    "raw_read_decode_eps",
    "append_1_vs_raw_txn",
    "bulk_import_vs_raw_insert",
    "replay_vs_raw_read_decode",
)


def test_bench_store_prints_the_figures_as_json(tmp_path: Path) -> None:
    """The benchmark prints one JSON object with every figure the issue asks for, each
    measure beside its raw floor; the old, misleading figures are gone."""
    run = ppss("bench", "store", "--events", "300", "--format", "json", home=tmp_path)
    assert run.code == 0, run.err
    figures = json.loads(run.out)
    for key in STORE_FIGURES:
        assert figures[key] > 0, key
    assert (figures["backend"], figures["events"], figures["append_events"]) == ("sqlite", 300, 300)
    assert "raw_sqlite_insert_eps" not in figures
    assert "append_per_command_eps" not in figures
    assert "raw_copy_eps" not in figures
    table = ppss("bench", "store", "--events", "200", home=tmp_path)
    assert table.code == 0, table.err
    assert "raw_txn_per_event_eps" in table.out
    assert_one_line_error(ppss("bench", "store", "--events", "5", home=tmp_path), "för få")


def test_bench_store_on_postgresql(tmp_path: Path) -> None:
    """On PostgreSQL (a scratch schema) the benchmark adds the COPY floor."""
    run = ppss("bench", "store", "-n", "300", "-f", "json", "--database", pg_url(), home=tmp_path)
    assert run.code == 0, run.err
    figures = json.loads(run.out)
    assert figures["backend"] == "postgresql"
    for key in (*STORE_FIGURES, "raw_copy_eps", "bulk_import_vs_raw_copy"):
        assert figures[key] > 0, key


def test_bench_verify_reports_time_and_memory(tmp_path: Path) -> None:
    """The verify benchmark fills a scratch store, verifies it and reports speed and memory."""
    run = ppss("bench", "verify", "--events", "500", "--format", "json", home=tmp_path)
    assert run.code == 0, run.err
    figures = json.loads(run.out)
    assert figures["verified"] is True
    assert figures["checked"] == 500
    assert figures["verify_eps"] > 0
    assert figures["peak_rss_mib_after_verify"] > 0


def test_demo_runs_with_no_store_configured(tmp_path: Path) -> None:
    """`ppss demo` alone uses its own file in the data folder, replaced on each run, shows
    the board of the round running now and says how to point other commands at it; a store
    given and not empty is refused."""
    first = ppss("demo", home=tmp_path)
    assert first.code == 0, first.err
    demo_file = tmp_path / "ppss-workflow" / "demo.sqlite3"
    assert demo_file.exists()
    current = round_id_for(datetime.now(STOCKHOLM).date())
    assert f"Tavla för {current}" in first.out
    assert "600\u00a0000 kr" in first.out  # Farsta's first instalment, payable today
    assert f"board --round {current} --database {demo_file}" in first.out
    again = ppss("demo", home=tmp_path)
    assert again.code == 0, again.err
    assert again.out.count("Farsta") == first.out.count("Farsta")
    assert_one_line_error(
        ppss("demo", "--database", f"sqlite:///{demo_file}", home=tmp_path),
        "innehåller redan",
        "demon fylls bara i en tom databas",
    )

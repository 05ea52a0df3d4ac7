"""`ppss audit`, `ppss export` and `ppss import` as an auditor runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from policies.commands import Annul
from ppss_workflow.demo import COORDINATOR
from ppss_workflow.handlers import Actor, Commands
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import StepClock, base_url_for
from tests.demo_template import demo_copy, demo_copy_url
from tests.e2e.cli import Run, assert_one_line_error, ppss
from tests.factories import awarded
from tests.integration.test_audit import (
    filled,
    pay_farsta_twice,
    record_late_approval,
    swap,
    tampered,
)

#: A second coordinator, who confirms a payment's annulment (four eyes).
SECOND = Actor("coordinator", "ekonom@example.org")


def url_of(store: EventStore) -> str:
    """The store's URL with its password and PostgreSQL search_path, for `--database`."""
    return store.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """The demo rounds in a scratch store (a copy of the session's recording; tests only
    read it)."""
    with demo_copy_url() as url:
        yield url


def table_rows(out: str) -> list[list[str]]:
    """The body rows of the tables in ``out``, each a list of its cells' text (a cell
    wrapped over several lines joined again with spaces)."""
    rows: list[list[list[str]]] = []
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells[0] or not rows:
            rows.append([[c] for c in cells])
        else:
            for parts, c in zip(rows[-1], cells, strict=True):
                parts.append(c)
    return [[" ".join(p for p in parts if p) for parts in row] for row in rows]


def assert_finding(run: Run, *needles: str) -> None:
    """A broken chain: exit 7, the finding in one line on stderr (beside the structured log
    event `audit_tamper_found`, which monitoring reads), no traceback."""
    assert run.code == 7, run
    assert "Traceback" not in run.err
    (finding,) = [line for line in run.err.splitlines() if line.startswith("ppss: audit:")]
    for needle in needles:
        assert needle in finding, finding
    assert "audit_tamper_found" in run.err


def test_audit_verify_names_the_first_bad_position(backend: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL, after two rows are swapped behind the store's back, `ppss
    audit verify` exits 7 naming position 2 and its stream (untouched stores pass below and
    in tests/integration/test_audit.py)."""
    with scratch_store(base_url_for(backend)) as store:
        tampered(filled(store), swap)
        run = ppss("audit", "verify", "--database", url_of(store), home=tmp_path)
    assert_finding(run, "kedjan är bruten vid position 2 (ström project:r:c)")


def test_audit_verify_from_and_expect_head(tmp_path: Path) -> None:
    """--from P verifies P onwards (an untouched store passes); --expect-head with the head
    printed earlier fails once the last row is cut off, which the chain cannot see."""
    with scratch_store() as store:
        head = f"9:{filled(store).head().hash}"
        part = ppss("audit", "verify", "--from", "5", "--format", "json",
                    "--database", url_of(store), home=tmp_path)  # fmt: skip
        assert part.code == 0, part.err
        assert json.loads(part.out) | {"head_hash": ""} == {
            "ok": True, "checked": 5, "first_position": 5, "head_position": 9, "head_hash": "",
            "bad_position": None, "bad_stream": None, "kind": None, "problem": None,
            "after_expected_head": 0,
        }  # fmt: skip
        tampered(store, lambda conn: conn.execute(text("DELETE FROM events WHERE position = 9")))
        cut = ppss("audit", "verify", "--expect-head", head, "--database", url_of(store),
                   home=tmp_path)  # fmt: skip
    assert_finding(
        cut, "position 9", "databasen slutar på position 8", "händelser har tagits bort från slutet"
    )


def test_expect_head_notices_events_added_after_it(tmp_path: Path) -> None:
    """--expect-head names the head: an event appended after it fails verify (exit 7,
    "1 events after the expected head"), and an import of an export that goes on past it is
    refused; --allow-growth accepts both and says how many events follow."""
    with scratch_store() as store:
        head = f"9:{filled(store).head().hash}"
        store.append("project:r:d", [awarded()], 0)
        url = url_of(store)
        grown = ppss("audit", "verify", "--expect-head", head, "--database", url, home=tmp_path)
        assert_finding(grown, "position 10", "efter det väntade slutet 9 finns fler händelser (1)",
                       "--allow-growth")  # fmt: skip
        allowed = ppss("audit", "verify", "--expect-head", head, "--allow-growth",
                       "--database", url, home=tmp_path)  # fmt: skip
        assert allowed.code == 0, allowed.err
        assert "1 händelser efter det väntade slutet 9 (tillåtet med --allow-growth)" in allowed.out
        exported = tmp_path / "all.jsonl"
        assert ppss("export", "-o", str(exported), "--database", url, home=tmp_path).code == 0
    target = f"sqlite:///{tmp_path}/copy.sqlite3"
    refused = ppss("import", str(exported), "--expect-head", head, "--database", target,
                   home=tmp_path)  # fmt: skip
    assert_one_line_error(
        refused, "1 händelser efter den väntade senaste positionen 9", "--allow-growth"
    )
    assert not list(tmp_path.glob("copy.sqlite3*"))


def test_replay_as_of_and_known_at_through_the_cli(clock: StepClock, tmp_path: Path) -> None:
    """The approval of 10 March, recorded on 24 March: replayed as of 15 March the world
    board pays Farsta and lists the late record; known at 15 March it blocks and lists the
    approval as not yet recorded."""
    with scratch_store(clock=clock) as store:
        record_late_approval(store, clock)
        world = ppss("audit", "replay", "--round", "r14", "--as-of", "2014-03-15",
                     "--format", "json", "--database", url_of(store), home=tmp_path)  # fmt: skip
        known = ppss("audit", "replay", "--round", "r14", "--as-of", "2014-03-15", "--known-at",
                     "2014-03-15T23:59+01:00", "--database", url_of(store),
                     home=tmp_path)  # fmt: skip
    assert world.code == 0, world.err
    body = json.loads(world.out)
    assert [(r["district"], r["payable_sek"]) for r in body["board"]] == [("Farsta", 500_000)]
    (late,) = body["recorded_late"]
    assert (late["type"], late["days_late"]) == ("PlanApproved", 14)
    assert late["occurred_at"] == "2014-03-10T00:00:00+01:00"
    assert body["not_yet_known"] == []
    assert known.code == 0, known.err
    assert "som registret kände till det 2014-03-15 23:59" in known.out
    assert "Godkänd verksamhetsplan" in known.out  # plan_approved, named in Swedish
    assert "men var inte registrerat 2014-03-15 23:59: utelämnat (1)" in known.out
    assert "Arbetsplanen godkänd" in known.out  # the event, named in words


def test_explain_shows_rule_verdicts_and_deciding_events(demo_url: str, tmp_path: Path) -> None:
    """Explain as JSON for the blocked Rinkeby-Kista: every line names the pinned rule, and
    the blocking absence is traced to the coordinator's record of it."""
    run = ppss("audit", "explain", "--round", "ppss-2014", "--district", "Rinkeby-Kista",
               "--as-of", "2014-10-01", "-f", "json", "--database", demo_url,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    body = json.loads(run.out)
    assert (body["policy"], body["policy_version"]) == ("ppss-2014", 2)
    lines = {line["subject"]: line for line in body["lines"]}
    assert {line["rule"] for line in body["lines"]} == {"ppss-2014 v2"}
    payable = lines["payable"]
    assert (payable["status"], payable["reason"]) == (
        "0 kr",
        "blocked by network meetings and training",
    )
    assert payable["reason_code"] == "payable.blocked"
    absence = payable["evidence"][-1]
    assert absence["type"] == "NetworkAbsenceRecorded"
    # On the meeting's day, at its time or when recorded that day: never at midnight.
    assert absence["occurred_at"].startswith("2014-09-17T")
    assert absence["occurred_at"] != "2014-09-17T00:00:00+02:00"
    assert (absence["actor"], absence["role"]) == (COORDINATOR.name, "coordinator")


def test_export_import_export_through_the_cli(demo_url: str, tmp_path: Path) -> None:
    """Export the demo, import it into a new store, export again: the files are identical,
    and the copy verifies against the head in the export's header."""
    target = f"sqlite:///{tmp_path}/target.sqlite3"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert ppss("export", "-o", str(first), "--database", demo_url, home=tmp_path).code == 0
    imported = ppss("import", str(first), "--database", target, home=tmp_path)
    assert imported.code == 0, imported.err
    assert ppss("export", "-o", str(second), "--database", target, home=tmp_path).code == 0
    assert second.read_bytes() == first.read_bytes()
    header = json.loads(first.read_bytes().splitlines()[0])
    verified = ppss("audit", "verify", "--expect-head",
                    f"{header['head_position']}:{header['head_hash']}",
                    "--database", target, home=tmp_path)  # fmt: skip
    assert verified.code == 0, verified.err
    assert f"Slutets position {header['head_position']}, slutets hash" in verified.out


def test_history_shows_an_annulment_beside_what_it_annuls(tmp_path: Path) -> None:
    """A payment recorded by mistake is annulled (asked for, then confirmed by a second
    person; Skarpnäck's, since no repayment relied on it): history shows every event's global
    position and event id, and marks both the annulled payment and its annulment."""
    with demo_copy() as store:
        payment = next(r for r in store.read_stream("project:ppss-2014:skarpnack")
                       if r.event_type == "DisbursementMade")  # fmt: skip
        annul = Annul(
            round_id="ppss-2014",
            district="Skarpnäck",
            event_id=payment.event_id,
            reason="Dubbelregistrerad",
            money_never_left=True,
        )
        Commands(store).execute(COORDINATOR, annul)  # asks
        Commands(store).execute(SECOND, annul)  # a second person confirms
        args = ("audit", "history", "--round", "ppss-2014", "--district", "Skarpnäck",
                "--database", url_of(store))  # fmt: skip
        run = ppss(*args, "--format", "json", home=tmp_path)
        table = ppss(*args, home=tmp_path)
        stored = {r.position: r.event_key for r in store.read_stream("project:ppss-2014:skarpnack")}
    assert run.code == 0, run.err
    after = json.loads(run.out)
    assert {e["position"]: e["event_id"] for e in after} == stored
    marked = next(e for e in after if e["position"] == payment.position)
    assert marked["event_id"] == str(payment.event_id)
    annulment = after[-1]
    # The demo was entered today for 2014, so every row is also marked as recorded late.
    assert marked["note"].startswith(f"ANNULLED by #{annulment['position']}: Dubbelregistrerad;")
    assert marked["annulled_by"] == annulment["position"]
    assert annulment["type"] == "EventAnnulled"
    assert (annulment["annuls"], annulment["note"]) == (
        payment.position,
        f"annuls #{payment.position}",
    )
    assert all(e["annulled_by"] is None for e in after if e is not marked)
    assert table.code == 0, table.err
    rows = {row[1]: row for row in table_rows(table.out)}  # by event id, shown in whole
    assert {int(row[0]): event_id for event_id, row in rows.items()} == stored
    assert rows[str(payment.event_id)][-1].startswith(
        f"MAKULERAD av #{annulment['position']}: Dubbelregistrerad;"
    )
    assert rows[annulment["event_id"]][-1] == f"makulerar #{payment.position}"


def test_replay_marks_what_was_annulled_as_of_known_at(clock: StepClock, tmp_path: Path) -> None:
    """A duplicate payment of March 2014, annulled today: replayed as the world was on 31
    March it is left out and marked annulled (in every list it appears in); known the evening
    before the annulment was recorded, it counts and is not marked."""
    with scratch_store(clock=clock) as store:
        _, duplicate, annulment = pay_farsta_twice(store, clock)
        args = ("audit", "replay", "--round", "r14", "--as-of", "2014-03-31",
                "--database", url_of(store))  # fmt: skip
        world = ppss(*args, "--format", "json", home=tmp_path)
        known = ppss(*args, "--known-at", "2026-11-22", "--format", "json", home=tmp_path)
        table = ppss(*args, home=tmp_path)
        known_table = ppss(*args, "--known-at", "2026-11-22", home=tmp_path)
        event_id = str(store.find(position=duplicate).event_id)  # type: ignore[union-attr]
    assert world.code == 0, world.err
    body = json.loads(world.out)
    assert [(r["district"], r["disbursed_sek"]) for r in body["board"]] == [("Farsta", 250_000)]
    (annulled,) = body["annulled"]
    assert (annulled["position"], annulled["event_id"]) == (duplicate, event_id)
    assert annulled["annulled_by"] == annulment
    (late,) = body["recorded_late"]
    assert (late["position"], late["days_late"], late["annulled_by"]) == (duplicate, 4, annulment)

    assert known.code == 0, known.err
    then = json.loads(known.out)
    assert [r["disbursed_sek"] for r in then["board"]] == [500_000]
    assert then["annulled"] == []
    (late,) = then["recorded_late"]
    assert (late["position"], late["annulled_by"]) == (duplicate, None)

    assert table.code == 0, table.err
    assert "men makulerat (enligt det registrerade): utelämnat (1)" in table.out
    rows = [row for row in table_rows(table.out) if event_id in row]
    assert len(rows) == 2  # left out as annulled, and recorded late
    assert all((row[0], row[-1]) == (str(duplicate), f"MAKULERAD av #{annulment}") for row in rows)
    assert known_table.code == 0, known_table.err
    assert "men makulerat (som det var känt 2026-11-22 23:59): utelämnat: inga." in known_table.out
    (row,) = [row for row in table_rows(known_table.out) if event_id in row]
    assert (row[0], row[-1]) == (str(duplicate), "")


BAD_INPUT = [
    (["audit", "replay", "--round", "nope", "--as-of", "2014-03-15"], "nope"),
    (["audit", "explain", "--round", "ppss-2014", "--district", "Farsta", "--as-of", "15/3"],
     "--as-of '15/3' är inget datum"),
    (["audit", "replay", "--round", "ppss-2014", "--as-of", "2013-01-01"],
     "omgång ppss-2014 hade inte öppnats 2013-01-01: den öppnades 2013-05-02"),
    (["import", "missing.jsonl"], "filen missing.jsonl finns inte"),
    (["disburse", "--round", "ppss-2014", "--district", "Farsta", "--amount", "1",
      "--reference", "X", "--as", "auditor"], "rollen revisor får inte"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "needle"), BAD_INPUT)
def test_bad_audit_input_is_one_line_and_writes_nothing(
    demo_url: str, tmp_path: Path, args: list[str], needle: str
) -> None:
    """An unknown round, a bad date, a date before the round, a missing file, or an auditor
    trying to pay: one line on stderr, a non-zero exit, and the store unchanged."""
    store = EventStore.from_url(demo_url)
    before = store.head()
    assert_one_line_error(ppss(*args, "--database", demo_url, home=tmp_path), needle)
    assert store.head() == before
    store.close()


def test_a_malformed_export_is_refused_in_one_line(demo_url: str, tmp_path: Path) -> None:
    """An export with a broken line is refused naming the line, and no store is left
    behind."""
    source = tmp_path / "spoiled.jsonl"
    store = EventStore.from_url(demo_url)
    header = json.dumps({"ppss_export": 1, "scope": "all", "head_position": store.count(),
                         "head_hash": store.head().hash})  # fmt: skip
    store.close()
    source.write_text(header + "\n{not json\n", encoding="utf-8")
    target = f"sqlite:///{tmp_path}/t.sqlite3"
    assert_one_line_error(
        ppss("import", str(source), "--database", target, home=tmp_path),
        "rad 2 kan inte läsas in: den är inte JSON",
    )
    assert not list(tmp_path.glob("t.sqlite3*"))

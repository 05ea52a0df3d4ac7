"""Governance on the CLI as a user runs it, on both backends (issue 21, must show 4): the
coordinator grants a steering-group member tied to a district (``ppss users grant EMAIL
--role steering_group --tied-to DISTRICT``); that member's plan decision for their own
district is refused in one Swedish line naming the rule (jäv), exit non-zero, nothing
written; another member decides it with the diary number and the minutes, and
``ppss audit explain`` shows the decisions as records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from openpyxl import load_workbook

from ppss_workflow.store import EventStore
from tests.conftest import base_url_for
from tests.demo_template import demo_copy_url, demo_file
from tests.e2e.cli import assert_one_line_error, ppss

ROUND = ("--round", "ppss-2014", "--district", "Farsta")
MEMBER = "ledamot@farsta.example.org"
OTHER = "forvaltningschef@utbildningsforvaltningen.example.org"
STREAM = "project:ppss-2014:farsta"


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The demo (its 2014 round, with the steering group's grants) on the backend."""
    if backend == "sqlite":
        yield demo_file(tmp_path / "demo.sqlite3")
        return
    with demo_copy_url(base_url_for(backend)) as copied:
        yield copied


def _count(url: str) -> int:
    store = EventStore.from_url(url)
    try:
        return store.count()
    finally:
        store.close()


def _kinds(url: str) -> list[str]:
    store = EventStore.from_url(url)
    try:
        return [r.event_type for r in store.read_stream(STREAM)]
    finally:
        store.close()


def test_a_recusal_is_refused_on_the_cli(url: str, tmp_path: Path) -> None:
    db = ("--database", url)
    granted = ppss("users", "grant", MEMBER, "--role", "steering_group", "--tied-to", "Farsta",
                   "--as", "coordinator", *db, home=tmp_path)  # fmt: skip
    assert granted.code == 0, granted.err
    listed = ppss("users", "list", "--as", "coordinator", *db, home=tmp_path)
    assert MEMBER in listed.out
    assert "stadsdelsdirektor@farsta.example.org" in listed.out  # the demo's own director
    # Only a steering-group member is tied to a district.
    assert_one_line_error(
        ppss("users", "grant", "x@farsta.example.org", "--role", "district:Farsta", "--tied-to",
             "Farsta", "--as", "coordinator", *db, home=tmp_path),
        "--tied-to",
    )  # fmt: skip
    submitted = ppss("plan", "submit", *ROUND, "--plan", "plan-c", "--summary", "Tillägg",
                     "--on", "2014-12-01", "--as", "district:Farsta", *db,
                     home=tmp_path)  # fmt: skip
    assert submitted.code == 0, submitted.err

    before = _count(url)
    for verb, extra in (("approve", ()), ("reject", ("--reason", "Saknar budget"))):
        refused = ppss("plan", verb, *ROUND, "--plan", "plan-c", "--meeting-on", "2014-12-05",
                       *extra, "--as", "steering_group", "--actor", MEMBER, *db,
                       home=tmp_path)  # fmt: skip
        assert_one_line_error(refused, "jäv:", MEMBER, "knuten till Farsta")
        assert refused.code == 5  # a rule of the round (ConditionNotMet)
    # The demo's Farsta director is tied too (the demo records the seed's steering group).
    director = ppss("plan", "approve", *ROUND, "--plan", "plan-c", "--meeting-on", "2014-12-05",
                    "--as", "steering_group", "--actor", "stadsdelsdirektor@farsta.example.org",
                    *db, home=tmp_path)  # fmt: skip
    assert_one_line_error(director, "jäv:")
    assert _count(url) == before  # nothing written

    decided = ppss("plan", "approve", *ROUND, "--plan", "plan-c", "--meeting-on", "2014-12-05",
                   "--diary-number", "SG 12/2014", "--minutes", "Styrgruppens protokoll, § 9",
                   "--as", "steering_group", "--actor", OTHER, *db, home=tmp_path)  # fmt: skip
    assert decided.code == 0, decided.err
    assert _kinds(url)[-1] == "PlanApproved"

    explained = ppss("audit", "explain", *ROUND, "--format", "json", *db, home=tmp_path)
    assert explained.code == 0, explained.err
    decisions = orjson.loads(explained.out)["decisions"]
    allocation_award = next(d for d in decisions if d["kind"] == "award")
    assert allocation_award["decided_by"] == "Socialnämnden"
    assert allocation_award["decided_on"] == "2014-02-04"
    assert allocation_award["diary_number"] == "1.5.1-0000/2014"
    latest = decisions[-1]
    assert (latest["kind"], latest["plan_id"]) == ("plan_approved", "plan-c")
    assert (latest["diary_number"], latest["minutes_ref"]) == (
        "SG 12/2014",
        "Styrgruppens protokoll, § 9",
    )
    table = ppss("audit", "explain", *ROUND, *db, home=tmp_path)
    assert table.code == 0, table.err
    assert "Diarienummer" in table.out
    assert "1.5.1-0000/2014" in table.out
    assert "SG 12/2014" in table.out


def test_the_board_export_has_the_decisions_as_records(tmp_path: Path) -> None:
    """``ppss board -f xlsx`` has a sheet of the round's decisions beside the board."""
    url = demo_file(tmp_path / "demo.sqlite3")
    out = tmp_path / "tavla.xlsx"
    run = ppss("board", "--round", "ppss-2014", "-f", "xlsx", "-o", str(out), "--database", url,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    book = load_workbook(out)
    assert book.sheetnames == ["Tavla ppss-2014", "Beslut ppss-2014"]
    sheet = book["Beslut ppss-2014"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    heading = rows.index(next(r for r in rows if r[0] == "Stadsdel"))
    assert rows[heading][3:7] == ["Beslutat av", "Beslutsdatum", "Diarienummer", "Protokoll"]
    farsta = [r for r in rows[heading + 1 :] if r[0] == "Farsta"]
    award = next(r for r in farsta if r[1] == "Beviljat bidrag")
    assert award[2] == 1_134_896
    assert award[3:7] == [
        "Socialnämnden",
        datetime(2014, 2, 4),
        "1.5.1-0000/2014",
        "Socialnämndens protokoll 2014-02-04, § 7",
    ]
    plan = next(r for r in farsta if str(r[1]).startswith("Arbetsplanen godkänd"))
    assert plan[3] == "styrgruppen"
    assert plan[5] == "ej registrerat"  # the demo's plan decisions have minutes, no dnr

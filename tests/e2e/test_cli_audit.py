"""`ppss audit verify`, `ppss export` and `ppss import` as an auditor runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import base_url_for
from tests.e2e.cli import assert_one_line_error, ppss
from tests.integration.test_audit import TAMPERING, drop_triggers, filled


@pytest.mark.parametrize("how", list(TAMPERING))
def test_audit_verify_names_the_first_bad_position(backend: str, how: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL, each kind of tampering fails `ppss audit verify` at its row."""
    tamper, position, stream = TAMPERING[how]
    with scratch_store(base_url_for(backend)) as store:
        url = store.engine.url.render_as_string(hide_password=False)
        filled(store)
        clean = ppss("audit", "verify", "--database", url, home=tmp_path)
        assert clean.code == 0, clean.err
        assert "Chain verified: 9 events" in clean.out
        drop_triggers(store)
        with store.engine.begin() as conn:
            tamper(conn)
        run = ppss("audit", "verify", "--database", url, home=tmp_path)
    assert run.code == 7
    assert f"chain broken at position {position}" in run.err
    if how != "delete":
        assert f"(stream {stream})" in run.err
    assert "Traceback" not in run.err


def test_export_import_export_through_the_cli(tmp_path: Path) -> None:
    """Export the demo, import it into a new store, export again: the files are identical,
    the copy verifies, and importing into a store that has events is refused."""
    source = f"sqlite:///{tmp_path}/source.sqlite3"
    target = f"sqlite:///{tmp_path}/target.sqlite3"
    assert ppss("demo", "--database", source, home=tmp_path).code == 0
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert ppss("export", "-o", str(first), "--database", source, home=tmp_path).code == 0
    imported = ppss("import", str(first), "--database", target, home=tmp_path)
    assert imported.code == 0, imported.err
    assert ppss("export", "-o", str(second), "--database", target, home=tmp_path).code == 0
    assert second.read_bytes() == first.read_bytes()
    assert ppss("audit", "verify", "--database", target, home=tmp_path).code == 0
    assert_one_line_error(
        ppss("import", str(first), "--database", target, home=tmp_path), "already holds events"
    )
    partial = tmp_path / "round.jsonl"
    assert ppss("export", "--round", "sst-2018", "-o", str(partial), "--database", source,
                home=tmp_path).code == 0  # fmt: skip
    assert_one_line_error(
        ppss("import", str(partial), "--database", f"sqlite:///{tmp_path}/t2.sqlite3",
             home=tmp_path),
        "cannot be imported",
    )  # fmt: skip


def test_xlsx_export_has_events_and_boards_in_kronor(tmp_path: Path) -> None:
    """The workbook has an events sheet and a board per round with a kronor number format."""
    source = f"sqlite:///{tmp_path}/source.sqlite3"
    assert ppss("demo", "--database", source, home=tmp_path).code == 0
    book_path = tmp_path / "ppss.xlsx"
    run = ppss("export", "--format", "xlsx", "-o", str(book_path), "--database", source,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    book = load_workbook(book_path)
    assert book.sheetnames == ["Händelser", "Tavla ppss-2014", "Tavla sst-2018"]
    events = book["Händelser"]
    store = EventStore.from_url(source)
    assert events.max_row == store.count() + 1
    store.close()
    board = book["Tavla ppss-2014"]
    farsta = next(row for row in board.iter_rows(min_row=2) if row[0].value == "Farsta")
    assert farsta[1].value == 1_159_896
    assert farsta[1].number_format == '#,##0 "kr"'


def test_history_shows_an_annulment_beside_what_it_annuls(tmp_path: Path) -> None:
    """A payment recorded by mistake is annulled: history marks both, the board drops it."""
    url = f"sqlite:///{tmp_path}/s.sqlite3"
    assert ppss("demo", "--database", url, home=tmp_path).code == 0
    history = ppss("audit", "history", "--round", "ppss-2014", "--district", "Farsta",
                   "--format", "json", "--database", url, home=tmp_path)  # fmt: skip
    payment = next(e for e in json.loads(history.out) if e["type"] == "DisbursementMade")
    store = EventStore.from_url(url)
    (event_id,) = [r.event_key for r in store.read_stream("project:ppss-2014:farsta")
                   if r.position == payment["position"]]  # fmt: skip
    store.close()
    annul = ppss("annul", "--round", "ppss-2014", "--district", "Farsta", "--event", event_id,
                 "--reason", "Dubbelregistrerad", "--as", "coordinator", "--database", url,
                 home=tmp_path)  # fmt: skip
    assert annul.code == 0, annul.err
    after = json.loads(ppss("audit", "history", "--round", "ppss-2014", "--district", "Farsta",
                            "--format", "json", "--database", url, home=tmp_path).out)  # fmt: skip
    marked = next(e for e in after if e["position"] == payment["position"])
    annulment = after[-1]
    # The demo was entered today for 2014, so every row is also marked as recorded late.
    assert marked["note"].startswith(f"ANNULLED by #{annulment['position']}: Dubbelregistrerad;")
    assert annulment["type"] == "EventAnnulled"
    assert annulment["note"] == f"annuls #{payment['position']}"
    assert_one_line_error(
        ppss("annul", "--round", "ppss-2014", "--district", "Farsta", "--event", event_id,
             "--reason", "Igen", "--as", "coordinator", "--database", url, home=tmp_path),
        "already annulled",
    )  # fmt: skip

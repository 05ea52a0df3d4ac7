"""Exports a spreadsheet opens safely, and `-o` that never replaces what it should not.

Names and reasons come from districts: a name that a spreadsheet would run as a formula is
written as text, and a control character never reaches a cell raw.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from events import ApplicationSubmitted, Metadata, NewEvent
from policies.commands import Apply, OpenRound
from policies.state import start_of_day
from ppss_workflow.demo import COORDINATOR, Story, district_actor
from ppss_workflow.export import cell_text
from ppss_workflow.scratch import scratch_store
from tests.e2e.cli import assert_one_line_error, ppss

FORMULAS = ['=HYPERLINK("http://example.org","click")', "@SUM(A1:A2)", "+cmd|' /C calc'!A0", "-1+2"]


def test_cell_text_quotes_formulas_and_replaces_control_characters() -> None:
    for formula in FORMULAS:
        assert cell_text(formula) == "'" + formula
        assert cell_text(formula, quote=False) == formula
    assert cell_text("\tx") == "'\tx"
    assert cell_text("Farsta") == "Farsta"
    assert cell_text("a\x00b\x1b[2Jc") == "a\ufffdb\ufffd[2Jc"
    assert cell_text("rad 1\nrad 2") == "rad 1\nrad 2"


@pytest.fixture
def hostile_url() -> Iterator[str]:
    """A round with districts named like formulas, and one (as an old import might hold) with
    a NUL and an ESC sequence in its name."""
    with scratch_store() as store:
        story = Story(store, date(2014, 1, 10))
        story.do(
            COORDINATOR,
            OpenRound(
                round_id="r", title="Runda", budget_sek=1_000_000, period_start=date(2014, 1, 1),
                period_end=date(2014, 12, 31), policy="ppss-2014", policy_version=1,
                on=date(2014, 1, 2),
            ),
        )  # fmt: skip
        for name in FORMULAS:
            story.do(district_actor(name), Apply(round_id="r", district=name, on=date(2014, 1, 5),
                                                 application=_application(name)))  # fmt: skip
        bad = "Farsta\x00\x1b[2J"
        store.append(
            "project:r:farsta-2j",
            [NewEvent(ApplicationSubmitted(round_id="r", project_id="farsta-2j",
                                           **_application(bad)),  # type: ignore[arg-type]
                      start_of_day(date(2014, 1, 5)),
                      Metadata(actor="import", role="coordinator"))],
            0,
        )  # fmt: skip
        yield store.engine.url.render_as_string(hide_password=False)


def _application(name: str) -> dict[str, object]:
    return {
        "district": name,
        "school_count": 2,
        "applied_sek": 100_000,
        "period_start": date(2014, 1, 1),
        "period_end": date(2014, 12, 31),
    }


def test_xlsx_has_no_formula_and_no_raw_control_character(hostile_url: str, tmp_path: Path) -> None:
    out = tmp_path / "export.xlsx"
    run = ppss("export", "-f", "xlsx", "-o", str(out), "--database", hostile_url, home=tmp_path)
    assert run.code == 0, run.err
    book = load_workbook(out)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for formula in FORMULAS:
        assert formula in texts  # shown as the text it is
    assert not [t for t in texts if "\x00" in t or "\x1b" in t]
    assert "Farsta\ufffd\ufffd[2J" in texts


def test_board_csv_quotes_formulas(hostile_url: str, tmp_path: Path) -> None:
    run = ppss("board", "--round", "r", "-f", "csv", "--database", hostile_url, home=tmp_path)
    assert run.code == 0, run.err
    districts = [row[1] for row in csv.reader(io.StringIO(run.out))][1:]
    for formula in FORMULAS:
        assert "'" + formula in districts
    assert not [d for d in districts if d.startswith(("=", "+", "-", "@"))]


def test_csv_for_swedish_excel(hostile_url: str, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    run = ppss("export", "-f", "csv-sv", "-o", str(out), "--database", hostile_url, home=tmp_path)
    assert run.code == 0, run.err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["position", "stream_id", "version"]
    assert len(rows) == 1 + 1 + len(FORMULAS) + 1  # header, round, applications, the NUL one
    stdout = ppss("export", "-f", "csv-sv", "-o", "-", "--database", hostile_url, home=tmp_path)
    assert stdout.code == 0, stdout.err
    assert not (tmp_path / "-").exists()


def test_output_never_replaces_what_it_should_not(hostile_url: str, tmp_path: Path) -> None:
    target = tmp_path / "real.jsonl"
    target.write_text("keep me")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    args = ("export", "--database", hostile_url)

    assert_one_line_error(ppss(*args, "-o", str(link), home=tmp_path), "symbolisk länk")
    assert_one_line_error(ppss(*args, "-o", str(link), "--force", home=tmp_path), "symbolisk länk")
    assert link.is_symlink()
    assert target.read_text() == "keep me"

    assert_one_line_error(ppss(*args, "-o", str(target), home=tmp_path), "--force")
    assert target.read_text() == "keep me"
    assert_one_line_error(ppss(*args, "-o", "/dev/null", "--force", home=tmp_path),
                          "är ingen vanlig fil")  # fmt: skip
    assert_one_line_error(ppss(*args, "-o", str(tmp_path), "--force", home=tmp_path),
                          "är ingen vanlig fil")  # fmt: skip
    assert_one_line_error(ppss(*args, "-o", str(tmp_path / "no" / "x.jsonl"), home=tmp_path),
                          "finns inte")  # fmt: skip

    forced = ppss(*args, "-o", str(target), "--force", home=tmp_path)
    assert forced.code == 0, forced.err
    assert target.read_text().startswith('{"head_hash"')

    stdout = ppss(*args, "-o", "-", home=tmp_path)
    assert stdout.code == 0
    assert stdout.out.startswith('{"head_hash"')
    assert not (tmp_path / "-").exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["real.jsonl", "link.jsonl", *_homes(tmp_path)])


def _homes(tmp_path: Path) -> list[str]:
    return [p.name for p in tmp_path.iterdir() if p.name not in ("real.jsonl", "link.jsonl")]

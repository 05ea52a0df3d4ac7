"""Every exported table as a Swedish office opens it: xlsx read back with python-calamine (a
reader nobody on the project wrote), CSV decoded as a Swedish Excel decodes a double-clicked
file (a UTF-8 byte order mark, else Windows-1252; ``;`` between cells; decimal comma)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from policies.commands import Apply
from ppss_workflow.demo import SKARHOLMEN_2018, Story, district_actor, open_round_2018
from ppss_workflow.export import board_table, export_xlsx
from ppss_workflow.i18n import STATUS_NAMES
from ppss_workflow.indicators import as_csv, as_csv_sv, read_report, write_xlsx
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import scratch_store
from ppss_workflow.sheets import CELL_LIMIT, Column, Table, write_csv_sv, xlsx_bytes
from tests.e2e.cli import ppss

CODES = (*STATUS_NAMES, "repayment_settled", "year_end_account", "accounted", "network")


def swedish_excel_rows(data: bytes) -> list[list[str]]:
    """The cells as a Swedish Excel splits a double-clicked .csv."""
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def swedish_number(cell: str) -> float:
    """A number as a Swedish locale reads it (decimal comma, no dot)."""
    assert "." not in cell, cell
    return float(cell.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def sheet_rows(data: bytes, name: str) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return list(book.get_sheet_by_name(name).to_python())


def test_the_board_workbook(demo_reads: Reads) -> None:
    out = io.BytesIO()
    export_xlsx(demo_reads, out, round_id="ppss-2014")
    rows = sheet_rows(out.getvalue(), "Tavla ppss-2014")
    header, *body, totals = rows
    assert header[:3] == ["Stadsdel", "Beviljat", "Utbetalt"]
    assert len(body) == 8
    for row in body:
        assert all(isinstance(v, float) for v in row[1:4]), row
        assert all(isinstance(v, float) for v in row[4:7]), row  # supervision, apart
        assert isinstance(row[11], date) or row[11] == "", row
        for cell in (row[8], row[10], row[12]):
            assert cell not in CODES, cell
            assert "_" not in cell, cell
    farsta = next(r for r in body if r[0] == "Farsta")
    assert farsta[10] == "återbetalning krävs"
    assert farsta[11] == date(2015, 3, 31)
    assert (farsta[1], farsta[4]) == (1_134_896, 25_000)
    assert totals[0] == "Summa"
    assert totals[1] == sum(r[1] for r in body)
    assert totals[9] == sum(r[9] for r in body)
    assert (totals[1], totals[4]) == (10_000_000, 150_000)  # seed 000's 10 mkr, apart

    sheet = load_workbook(io.BytesIO(out.getvalue()))["Tavla ppss-2014"]
    assert sheet.freeze_panes == "B2"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"
    assert str(sheet.page_setup.fitToWidth) == "1"
    assert str(sheet.page_setup.fitToHeight) == "0"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.center.text == demo_reads.round("ppss-2014").title
    assert sheet["B2"].number_format.startswith("#,##0")
    assert sheet["L4"].number_format == "yyyy-mm-dd"
    for letter, heading in zip("ABCDEFGHIJKLM", header, strict=True):
        assert sheet.column_dimensions[letter].width >= len(heading), heading


def test_the_board_csv_for_a_swedish_excel(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    assert ppss("demo", "--database", url, home=tmp_path).code == 0
    run = ppss("board", "--round", "ppss-2014", "-f", "csv-sv", "--database", url,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    data = run.out.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    header, *body, totals = swedish_excel_rows(data)
    assert len(header) == 13
    assert all(len(r) == 13 for r in body)
    assert "Älvsjö" in [r[0] for r in body]
    assert totals[0] == "Summa"
    assert swedish_number(totals[1]) == sum(swedish_number(r[1]) for r in body)
    assert not any(cell in CODES for r in body for cell in r)

    book = tmp_path / "tavla.xlsx"
    made = ppss("board", "--round", "ppss-2014", "-f", "xlsx", "-o", str(book), "--database",
                url, home=tmp_path)  # fmt: skip
    assert made.code == 0, made.err
    header, *rows, sums = sheet_rows(book.read_bytes(), "Tavla ppss-2014")
    assert [r[0] for r in rows] == [r[0] for r in body]
    assert sums[1] == swedish_number(totals[1])
    assert ppss("board", "--round", "ppss-2014", "-f", "xlsx", "--database", url,
                home=tmp_path).code != 0  # fmt: skip


def test_indicators_are_numbers(demo_reads: Reads, tmp_path: Path) -> None:
    report = read_report(demo_reads, "ppss-2014")
    path = tmp_path / "ind.xlsx"
    write_xlsx(report, path)
    header, *rows = sheet_rows(path.read_bytes(), "Indikatorer")
    by_name = {r[0]: r for r in rows if r and r[0]}
    assert by_name["Älvsjö"][1:4] == [6.0, "<5", ".."]
    numbers = [v for r in rows[:9] for v in r[1:] if isinstance(v, float)]
    assert len(numbers) > 30
    assert any(v < 0 for v in numbers)  # a negative change is a number, not text
    sheet = load_workbook(path)["Indikatorer"]
    assert sheet.print_title_rows == "$1:$1"
    for column, heading in zip("ABCDEFGHIJK", header, strict=True):
        assert sheet.column_dimensions[column].width >= min(len(heading), 22) - 1, heading

    sv = swedish_excel_rows(as_csv_sv(report))
    changes = [r[8] for r in sv[1:9] if r[8].startswith("-")]
    assert changes
    for cell in changes:
        assert swedish_number(cell) < 0
    reach = [r[3] for r in sv[1:9] if "," in r[3]]
    assert reach
    plain = list(csv.reader(io.StringIO(as_csv(report))))
    assert not any(cell.startswith("'") for r in plain for cell in r)


def test_a_cut_cell_says_so_and_formulas_stay_text(tmp_path: Path) -> None:
    long = "x" * 59_000
    table = Table("t", (Column("Text"), Column("Tal", "decimal")),
                  [(long, -4.0), ("=SUM(A1:A9)", 2.5), ("-ja", None)])  # fmt: skip
    data = xlsx_bytes([("Blad", table)])
    rows = sheet_rows(data, "Blad")
    cut = rows[1][0]
    assert len(cut) == CELL_LIMIT
    assert "59000" in cut[-120:].replace("\u00a0", "").replace(" ", "")
    assert "avkortad" in cut[-120:]
    assert rows[1][1] == -4.0
    assert rows[2][0] == "=SUM(A1:A9)"  # text, not a formula
    out = io.BytesIO()
    write_csv_sv(table, out)
    sv = swedish_excel_rows(out.getvalue())
    assert sv[1][1] == "-4,0"
    assert sv[2][0] == "'=SUM(A1:A9)"
    assert sv[3][0] == "'-ja"


def test_a_long_application_is_cut_with_a_mark() -> None:
    """An application of some 60 kB (fifteen long budget lines): its event's data cell is cut
    to what Excel holds, and the cell says so and where the whole text is."""
    lines = tuple({"label": f"Kostnadspost {i}: " + "beskrivning " * 330, "amount_sek": 0}
                  for i in range(15))  # fmt: skip
    application = {**SKARHOLMEN_2018, "budget_lines": SKARHOLMEN_2018["budget_lines"] + lines}
    with scratch_store() as store:
        story = Story(store)
        open_round_2018(story)
        story.on(date(2017, 12, 29)).do(
            district_actor("Skärholmen"),
            Apply(round_id="sst-2018", district="Skärholmen", application=application),
        )
        out = io.BytesIO()
        export_xlsx(Reads(store), out)
    rows = sheet_rows(out.getvalue(), "Händelser")
    (cut,) = [c for r in rows for c in r if isinstance(c, str) and len(c) > 30_000]
    assert len(cut) == CELL_LIMIT
    assert "avkortad" in cut[-100:]
    assert "jsonl" in cut[-100:]


@pytest.mark.parametrize("rows", [[]])
def test_an_empty_board_still_has_its_totals(rows: list[Any]) -> None:
    table = board_table(rows, "tom")
    data = xlsx_bytes([("Tavla", table)])
    _, totals = sheet_rows(data, "Tavla")
    assert totals[0] == "Summa"
    assert totals[1] == 0

"""The follow-up per school, term and gender from the CLI, on the demo: `ppss indicators --by
school` and `--by term` with small numbers suppressed, `ppss report school` refusing counts
that cannot be, and the December report and the closing analysis written as xlsx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.cli import assert_one_line_error, ppss


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("school-follow-up")
    url = f"sqlite:///{folder}/demo.sqlite3"
    run = ppss("demo", "--database", url, home=folder)
    assert run.code == 0, run
    return url, folder


def _json(url: str, home: Path, *args: str) -> dict[str, Any]:
    run = ppss("indicators", "--round", "ppss-2014", *args, "-f", "json", "--database", url,
               home=home)  # fmt: skip
    assert run.code == 0, run
    data: dict[str, Any] = json.loads(run.out)
    return data


def test_indicators_by_school_for_one_term_with_suppression(demo: tuple[str, Path]) -> None:
    """Per school, HT2014 (the latest term): its total adds that term only (89 enrolled, not
    the spring's 75 as well); Älvsjö's 4 pupils are "<5", and a cell that would give away
    Tätorpsskolan's 7 from the total is hidden."""
    url, home = demo
    data = _json(url, home, "--by", "school")
    assert (data["term"], data["threshold"]) == ("HT2014", 5)
    rows = {tuple(r["labels"]): r for r in data["rows"]}
    total = next(r for r in data["rows"] if r["total"])
    assert (total["enrolled"], total["enrolled_girls"], total["enrolled_boys"]) == (89, 40, 49)
    assert total["target_group"] == 153
    solberga = rows[("Älvsjö", "Solbergaskolan")]
    assert solberga["enrolled"] is None
    assert solberga["shown_as"]["enrolled"] == "<5"
    assert solberga["reach_percent"] is None  # nothing made from a suppressed count
    hidden = [r for r in data["rows"] if r["shown_as"]["enrolled"] == ".."]
    assert hidden, "complementary suppression hides another school's count"
    grimsta = rows[("Hässelby-Vällingby", "Grimstaskolan")]
    assert (grimsta["enrolled"], grimsta["reach_percent"]) == (14, 70.0)
    assert data["suppressed_cells"] > 0
    spring = _json(url, home, "--by", "school", "--term", "VT2014")
    assert next(r for r in spring["rows"] if r["total"])["enrolled"] == 75


def test_indicators_by_term_never_add_terms(demo: tuple[str, Path]) -> None:
    """Per term: one line for VT2014 and one for HT2014, no total across terms; subjects
    passed by gender."""
    url, home = demo
    data = _json(url, home, "--by", "term")
    assert [r["labels"] for r in data["rows"]] == [["VT2014"], ["HT2014"]]
    assert not any(r["total"] for r in data["rows"])
    spring, autumn = data["rows"]
    assert (spring["enrolled"], autumn["enrolled"]) == (75, 89)
    assert (spring["subjects_passed_percent_girls"], autumn["subjects_passed_percent_girls"]) == (
        50.0,
        75.0,
    )
    table = ppss("indicators", "--round", "ppss-2014", "--by", "term", "--database", url,
                 home=home)  # fmt: skip
    assert table.code == 0, table
    assert "VT2014" in table.out
    assert "HT2014" in table.out
    assert "<5" in ppss("indicators", "--round", "ppss-2014", "--by", "school", "--database",
                        url, home=home).out  # fmt: skip


def test_a_by_that_does_not_exist_is_one_line(demo: tuple[str, Path]) -> None:
    url, home = demo
    run = ppss("indicators", "--round", "ppss-2014", "--by", "pupil", "--database", url,
               home=home)  # fmt: skip
    assert_one_line_error(run, "fel:", "district, school eller term")


def _school(url: str, home: Path, *args: str) -> Any:
    return ppss(
        "report", "school", "--round", "ppss-2014", "--district", "Skärholmen",
        "--school", "Bredängsskolan", "--term", "HT2014", *args,
        "--as", "district:Skärholmen", "--on", "2015-01-20", "--database", url, home=home,
    )  # fmt: skip


def test_report_school_records_and_refuses_what_cannot_be(demo: tuple[str, Path]) -> None:
    """35 pupils enrolled of a target group of 20, or girls and boys above their total, are
    refused in one Swedish line and nothing is written; plausible counts are recorded."""
    url, home = demo
    too_many = _school(url, home, "--target-group", "20", "--enrolled", "35")
    assert_one_line_error(too_many, "fel:", "35 inskrivna elever i Bredängsskolan",
                          "fler än målgruppen (20)")  # fmt: skip
    parts = _school(url, home, "--target-group", "20/10/10", "--enrolled", "12/8/6")
    assert_one_line_error(parts, "fel:", "flickor och pojkar (14) är fler än totalt (12)")
    bad = _school(url, home, "--target-group", "20", "--enrolled", "tolv")
    assert_one_line_error(bad, "fel:", "TOTALT/FLICKOR/POJKAR")
    ok = _school(url, home, "--target-group", "20/10/10", "--enrolled", "12/5/7",
                 "--subjects-graded", "96/40/56", "--subjects-passed", "60/30/30")  # fmt: skip
    assert ok.code == 0, ok
    again = _school(url, home, "--target-group", "20/10/10", "--enrolled", "12/5/7",
                    "--subjects-graded", "96/40/56", "--subjects-passed", "60/30/30")  # fmt: skip
    assert again.code == 0, again
    assert "Redan registrerat" in again.out
    data = _json(url, home, "--by", "school")
    rows = {tuple(r["labels"]): r for r in data["rows"]}
    assert rows[("Skärholmen", "Bredängsskolan")]["enrolled"] == 12


def _sheet_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book}


def test_the_december_report_and_the_analysis_as_xlsx(demo: tuple[str, Path]) -> None:
    """The delrapport and the closing analysis are workbooks with Swedish headings, numbers
    as numbers and the marks as text; an existing file is not overwritten."""
    url, home = demo
    december = home / "delrapport.xlsx"
    run = ppss("report", "december", "--round", "ppss-2014", "--output", str(december),
               "--database", url, home=home)  # fmt: skip
    assert run.code == 0, run
    sheets = _sheet_values(december)
    assert len(sheets) == 3
    schools = next(v for k, v in sheets.items() if k.startswith("1"))
    headings = next(r for r in schools if r and r[0] == "Stadsdel")
    assert "Inskrivna" in headings
    assert "Räckvidd %" in headings or any("Räckvidd" in str(h) for h in headings)
    grimsta = next(r for r in schools if r and r[1] == "Grimstaskolan")
    assert grimsta[headings.index("Inskrivna")] == 14
    solberga = next(r for r in schools if r and r[1] == "Solbergaskolan")
    assert solberga[headings.index("Inskrivna")] == "<5"
    districts = next(v for k, v in sheets.items() if k.startswith("2"))
    heads = next(r for r in districts if r and r[0] == "Stadsdel")
    farsta = next(r for r in districts if r and r[0] == "Farsta")
    assert isinstance(farsta[heads.index("Förbrukat enligt redovisningen (kr)")], int)
    assert isinstance(farsta[heads.index("Kostnad per inskriven elev (kr)")], int)
    again = ppss("report", "december", "--round", "ppss-2014", "--output", str(december),
                 "--database", url, home=home)  # fmt: skip
    assert_one_line_error(again, "fel:", "finns redan")
    closing = home / "analys.xlsx"
    run = ppss("report", "analysis", "--round", "ppss-2014", "-o", str(closing),
               "--database", url, home=home)  # fmt: skip
    assert run.code == 0, run
    compared = next(v for k, v in _sheet_values(closing).items() if k.startswith("1"))
    line = next(r for r in compared if r and r[0] == "Hässelby-Vällingby"
                and r[1] == "Godkända ämnen %")  # fmt: skip
    assert line[2:] == ("VT2014", 42.7, "HT2014", 67.9, 25.2)
    screen = ppss("report", "analysis", "--round", "ppss-2014", "--database", url, home=home)
    assert screen.code == 0, screen
    assert "Jämförande analys ppss-2014" in screen.out

"""`ppss indicators` on the demo: the numbers, the suppressed cells, and the chart written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.cli import assert_one_line_error, ppss


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("indicators")
    url = f"sqlite:///{folder}/demo.sqlite3"
    run = ppss("demo", "--database", url, home=folder)
    assert run.code == 0, run
    return url, folder


def _rows(run_out: str) -> dict[str | None, dict[str, object]]:
    data = json.loads(run_out)
    return {row["district"]: row for row in data["rows"]}


def test_the_2014_indicators_with_small_numbers_suppressed(demo: tuple[str, Path]) -> None:
    url, home = demo
    run = ppss("indicators", "--round", "ppss-2014", "-f", "json", "--database", url, home=home)
    assert run.code == 0, run
    data = json.loads(run.out)
    assert data["threshold"] == 5
    assert data["suppressed_cells"] == 11
    rows = _rows(run.out)
    farsta, alvsjo, eav = rows["Farsta"], rows["Älvsjö"], rows["Enskede-Årsta-Vantör"]
    total = rows[None]
    # The numbers: Farsta reached 14 of 16 (87.5 %), absence down from 820 to 610 hours.
    assert (farsta["target_group"], farsta["reached"], farsta["reach_percent"]) == (16, 14, 87.5)
    assert farsta["attendance_change_percent"] == -25.6
    assert farsta["cost_per_pupil_reached_sek"] == 73_921
    assert (total["target_group"], total["reached"], total["reach_percent"]) == (148, 124, 83.8)
    # Älvsjö reached 4 pupils: shown as <5, and nothing made from it is shown.
    assert alvsjo["reached"] is None
    assert alvsjo["shown_as"]["reached"] == "<5"  # type: ignore[index]
    assert alvsjo["reach_percent"] is None
    assert alvsjo["cost_per_pupil_reached_sek"] is None
    # Enskede-Årsta-Vantör's 10 is hidden too: else 124 minus the rest would give Älvsjö's 4.
    assert eav["reached"] is None
    assert eav["shown_as"]["reached"] == ".."  # type: ignore[index]
    # Drop-outs: 1, 2 and 3 are each <5; the total stays, and 17 - 11 = 6 has many splits.
    small = [r["district"] for r in rows.values() if r["shown_as"]["dropouts"] == "<5"]  # type: ignore[index]
    assert sorted(small) == ["Farsta", "Skarpnäck", "Spånga-Tensta"]  # type: ignore[type-var]
    assert total["dropouts"] == 17
    assert "4" not in {str(r["reached"]) for r in rows.values()}


def test_the_table_says_what_the_marks_mean_and_the_chart_is_written(
    demo: tuple[str, Path],
) -> None:
    url, home = demo
    svg, png = home / "ppss-2014.svg", home / "ppss-2014.png"
    run = ppss(
        "indicators", "--round", "ppss-2014", "--chart", str(svg), "--database", url,
        home=home,
    )  # fmt: skip
    assert run.code == 0, run
    assert "Älvsjö" in run.out
    assert "<5" in run.out
    assert "11 celler" in run.out
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert "Skrev diagrammet (25 staplar)" in run.out  # 32 values, 7 suppressed not drawn
    run = ppss(
        "indicators", "--round", "sst-2018", "--chart", str(png), "--database", url, home=home
    )
    assert run.code == 0, run
    assert png.read_bytes().startswith(b"\x89PNG")


def test_csv_and_xlsx_carry_the_same_suppression(demo: tuple[str, Path]) -> None:
    url, home = demo
    run = ppss("indicators", "--round", "ppss-2014", "-f", "csv", "--database", url, home=home)
    assert run.code == 0, run
    alvsjo = next(line for line in run.out.splitlines() if line.startswith("Älvsjö"))
    assert alvsjo.split(",")[1:4] == ["6", "<5", ".."]
    book = home / "ind.xlsx"
    run = ppss(
        "indicators", "--round", "ppss-2014", "-f", "xlsx", "-o", str(book), "--database", url,
        home=home,
    )  # fmt: skip
    assert run.code == 0, run
    sheet = load_workbook(book).active
    assert sheet is not None
    cells = {row[0]: row[1:4] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert cells["Älvsjö"] == (6, "<5", "..")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--round", "ppss-2014", "-f", "pdf"), "använd table, json, csv, csv-sv eller xlsx"),
        (("--round", "ppss-2014", "-f", "xlsx"), "behöver --output"),
        (("--round", "ppss-2014", "--chart", "x.gif"), ".svg- eller .png-fil"),
        (("--round", "nope"), "nope"),
    ],
)
def test_bad_options_are_one_line(
    demo: tuple[str, Path], args: tuple[str, ...], needle: str
) -> None:
    url, home = demo
    assert_one_line_error(ppss("indicators", *args, "--database", url, home=home), needle)

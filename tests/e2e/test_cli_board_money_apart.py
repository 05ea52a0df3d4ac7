"""The 2014 board keeps the grant and the supervision money apart (issue 21), as seed 000 does:
"I budgeten för 2014 avsattes 10 mkr" for the projects, and the supervision money from
"forsknings- och utvecklingsmedel ... totalt 200 000 kr", 25 000 kr a project."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tests.e2e.cli import ppss

NBSP = "\u00a0"


def test_the_2014_board_shows_grant_and_supervision_apart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    demo = ppss("demo", "--database", url, home=tmp_path)
    assert demo.code == 0, demo.err
    # Once the awards and the supervision money are paid out (30 April 2014).
    board = ppss(
        "board", "--round", "ppss-2014", "--as-of", "2014-04-30", "--database", url, home=tmp_path
    )
    assert board.code == 0, board.err
    out = re.sub(r"[ \n]+", " ", board.out)
    # The grant's total is the 10 mkr of seed 000 to the krona, the supervision money apart.
    assert f"Beviljat 10{NBSP}000{NBSP}000 kr," in out, out
    assert (
        f"Handledningsmedel, utöver bidraget: beviljat 150{NBSP}000 kr, utbetalt "
        f"150{NBSP}000 kr, kan betalas ut nu 0 kr."
    ) in out, out
    assert f"10{NBSP}150{NBSP}000" not in out
    assert "Handledning" in board.out
    # Farsta: the decided 1 134 896 kr (not 1 159 896 kr), and 25 000 kr of supervision.
    as_csv = ppss(
        "board", "--round", "ppss-2014", "--as-of", "2014-04-30", "-f", "csv",
        "--database", url, home=tmp_path,
    )  # fmt: skip
    assert as_csv.code == 0, as_csv.err
    rows = {r["district"]: r for r in csv.DictReader(io.StringIO(as_csv.out))}
    farsta = rows["Farsta"]
    assert (farsta["awarded_sek"], farsta["supervision_granted_sek"]) == ("1134896", "25000")
    assert farsta["supervision_disbursed_sek"] == "25000"
    assert sum(int(r["awarded_sek"]) for r in rows.values()) == 10_000_000
    supervision = sum(int(r["supervision_granted_sek"]) for r in rows.values())
    assert supervision == 6 * 25_000 <= 200_000
    assert f"1{NBSP}159{NBSP}896" not in board.out

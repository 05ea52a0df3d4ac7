"""The 2016 continuation round as a user meets it: `ppss demo`, then its board in Swedish."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.cli import ppss

NBSP = "\u00a0"


def test_the_2016_round_opens_and_runs_through_the_demo(tmp_path: Path) -> None:
    """The demo records the 2016 round; its board shows eight districts, 13 000 000 kr
    awarded and paid, and in Swedish what is still missing."""
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    demo = ppss("demo", "--database", url, home=tmp_path)
    assert demo.code == 0, demo.err
    assert "Tavla för ppss-2016" in demo.out
    board = ppss("board", "--round", "ppss-2016", "--database", url, home=tmp_path)
    assert board.code == 0, board.err
    out = board.out
    assert "Tavla för ppss-2016" in out
    for district in ("Farsta", "Rinkeby-Kista", "Skärholmen", "Älvsjö", "Spånga-Tensta"):
        assert district in out
    assert f"812{NBSP}500 kr" in out  # Älvsjö: one school at 13 mnkr ÷ 16
    assert (
        f"8 projekt, 0 får betalas ut nu. Beviljat 13{NBSP}000{NBSP}000 kr, utbetalt "
        f"13{NBSP}000{NBSP}000 kr, kan betalas ut nu 0 kr, att återbetala 0 kr."
    ) in re.sub(r"[ \n]+", " ", out)
    # Farsta's year-end account is missing; Skärholmen's autumn follow-up too (blocks nothing).
    assert "Farsta: Redovisning och kostnadsbeskrivning" in out
    assert "Höstens uppföljning" in out
    for english in ("autumn", "follow up", "year-end", "awarded"):
        assert english not in out.lower()

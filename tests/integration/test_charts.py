"""The indicators chart as people (and screen readers) read it: an SVG whose words are
text, with a ``<title>`` and a ``<desc>``; suppressed cells marked and named in a legend; an
empty panel saying "inga uppgifter"; a true zero marked; Swedish numbers; whole-number
ticks for counts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ppss_workflow.indicators import draw_chart, read_report
from ppss_workflow.readmodels import Reads

SVG = "{http://www.w3.org/2000/svg}"


def texts(path: Path) -> tuple[ET.Element, list[str]]:
    root = ET.parse(path).getroot()  # noqa: S314 - our own file
    found = ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]
    return root, [t for t in found if t]


def test_the_svg_is_text_with_title_and_description(demo_reads: Reads, tmp_path: Path) -> None:
    path = tmp_path / "ppss-2014.svg"
    assert draw_chart(read_report(demo_reads, "ppss-2014"), path) == 25
    root, words = texts(path)
    assert root[0].tag == f"{SVG}title"
    assert root[0].text == "Uppföljning ppss-2014"
    assert root[1].tag == f"{SVG}desc"
    assert "dolda celler" in (root[1].text or "")
    assert "Oplanerade avbrott" in words
    assert "60\u00a0000" in words  # thousands grouped as Swedish writes them
    assert not [w for w in words if re.fullmatch(r"−?\d+\.\d+|\d{5,}", w)], words
    legend = [w for w in words if "visas inte (för få elever)" in w]
    assert legend
    assert ".." in legend[0]
    assert "<5" in legend[0]
    assert "0" in words  # a true zero is marked, not left blank
    assert any("verklig nolla" in w for w in words)


def test_empty_panels_say_so_and_counts_tick_whole(demo_reads: Reads, tmp_path: Path) -> None:
    path = tmp_path / "ppss-2016.svg"
    draw_chart(read_report(demo_reads, "ppss-2016"), path)
    _, words = texts(path)
    assert words.count("inga uppgifter") == 2
    ticks = [w for w in words if re.fullmatch(r"−?[\d\u00a0]+(,\d)?", w)]
    assert ticks
    assert not [t for t in ticks if "," in t and t.startswith("0")], ticks

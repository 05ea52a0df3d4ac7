"""`ppss bench import`: a history made as for `ppss bench board` (each event with its
recorder's role, the reminders the dispatcher's rule had due) is exported and imported by
`ppss import` in a child process; the figures come back as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import assert_one_line_error, ppss


def test_a_bench_board_history_imports_and_the_figures_are_reported(tmp_path: Path) -> None:
    run = ppss("bench", "import", "--events", "300", "--format", "json", home=tmp_path)
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["events"] >= 300
    assert result["import_s"] > 0
    assert abs(result["import_eps"] * result["import_s"] - result["events"]) < 0.02 * 300
    assert 10 < result["peak_rss_mb"] < 2000


def test_too_few_events_to_measure_is_one_line(tmp_path: Path) -> None:
    run = ppss("bench", "import", "--events", "10", home=tmp_path)
    assert_one_line_error(run, "--events 10 är för få")

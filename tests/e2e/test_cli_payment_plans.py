"""`ppss payment-plan` and `ppss report accept|return` as a user types them, on the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppss_workflow.cli._common import open_store
from tests.e2e.cli import assert_one_line_error, ppss

ROUND = ["--round", "sst-2018"]
COORD = ["--as", "coordinator"]


def head(url: str) -> int:
    store, _ = open_store(url)
    try:
        return store.head().position
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    home = tmp_path_factory.mktemp("plans")
    url = f"sqlite:///{home / 'demo.sqlite3'}"
    assert ppss("demo", "--database", url, home=home).code == 0
    return url, home


def test_the_demo_plan_shows_on_the_board_in_explain_and_in_show(demo: tuple[str, Path]) -> None:
    url, home = demo
    shown = ppss("payment-plan", "show", *ROUND, "--database", url, home=home)
    assert shown.code == 0, shown.err
    assert "Delbetalningar i sst-2018" in shown.out
    assert "frigjord: uppföljningen vid T2 godkändes 2018-09-20" in shown.out
    board = ppss("board", *ROUND, "--database", url, home=home)
    assert board.code == 0, board.err
    assert "delbetalning 2 (50\u00a0%, 700\u00a0000 kr) frigjord" in board.out  # in Swedish
    explained = ppss(
        "audit", "explain", *ROUND, "--district", "Skärholmen", "--database", url, home=home
    )
    assert explained.code == 0, explained.err
    assert "delbetalning 2" in explained.out
    assert "Redovisning godkänd" in explained.out  # ReportAccepted, named in Swedish


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--instalment", "60%:t3_accepted", "--instalment", "40%"], ["t3 accepted cannot"]),
        (["--instalment", "150%"], ["not a whole percent from 1 to 100"]),
        (["--instalment", "60%", "--instalment", "30%"], ["must add up to 100"]),
        (["--instalment", "lots"], ["the share is a percent (60%) or whole kronor"]),
    ],
)
def test_a_bad_plan_is_one_line_and_writes_nothing(
    demo: tuple[str, Path], args: list[str], needles: list[str]
) -> None:
    url, home = demo
    before = head(url)
    run = ppss("payment-plan", "set", *ROUND, *COORD, *args, "--database", url, home=home,
               env={"PPSS_LANG": "en"})  # fmt: skip
    assert_one_line_error(run, *needles)
    assert head(url) == before


def test_a_return_without_a_reason_or_by_a_district_is_one_line(demo: tuple[str, Path]) -> None:
    url, home = demo
    base = ["report", "return", *ROUND, "--district", "Skärholmen"]
    no_reason = ppss(*base, "--report", "final_financial_report", *COORD, "--database", url,
                     home=home)  # fmt: skip
    assert_one_line_error(no_reason, "behöver --reason")
    unknown = ppss(*base, "--report", "t9", "--reason", "x", *COORD, "--database", url, home=home)
    assert_one_line_error(unknown, "--report 't9': använd någon av")
    district = ppss(*base, "--report", "final_financial_report", "--reason", "x",
                    "--as", "district:Skärholmen", "--database", url, home=home,
                    env={"PPSS_LANG": "en"})  # fmt: skip
    assert_one_line_error(district, "may not review reports")

"""``ppss withdraw``: the command table's Withdraw has its CLI command. A district withdraws
its own application (back-dated with ``--on``), once; another district may not; each refusal
is one line with the exit code of its kind and nothing written."""

from __future__ import annotations

from pathlib import Path

from ppss_workflow.store import EventStore
from tests.e2e.cli import assert_one_line_error
from tests.e2e.test_cli_bad_input import attempt, demo_file, store

__all__ = ["demo_file", "store"]  # the fixtures, shared with the bad-input tests

WITHDRAW = ("withdraw", "--round", "ppss-2014", "--district", "Farsta", "--reason",
            "Projektet avbryts", "--on", "2014-12-01")  # fmt: skip


def _types(url: str) -> list[str]:
    events = EventStore.from_url(url)
    try:
        return [r.event_type for r in events.read_stream("project:ppss-2014:farsta")]
    finally:
        events.close()


def test_a_district_withdraws_its_own_application_once(store: str, tmp_path: Path) -> None:
    other = attempt(store, tmp_path, *WITHDRAW, "--as", "district:Skarpnäck")
    assert_one_line_error(other)
    assert other.code == 6  # not authorised
    assert "ApplicationWithdrawn" not in _types(store)

    done = attempt(store, tmp_path, *WITHDRAW, "--as", "district:Farsta")
    assert done.code == 0, done.err
    assert _types(store).count("ApplicationWithdrawn") == 1

    again = attempt(store, tmp_path, *WITHDRAW, "--as", "district:Farsta")
    assert_one_line_error(again)
    assert again.code == 5  # a rule of the round: the application is withdrawn already
    assert _types(store).count("ApplicationWithdrawn") == 1

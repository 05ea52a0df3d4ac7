"""Loose ends of issue 24 at the command line: a deadline already past needs --on; the
contact list shows the addresses given in the application."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppss_workflow.demo import load_demo
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore
from tests.e2e.cli import assert_one_line_error, ppss


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    store = EventStore.from_url(f"sqlite:///{path}")
    upgrade(store.engine)
    load_demo(store)
    store.close()
    return path


def test_a_deadline_already_past_needs_on(demo_file: Path, tmp_path: Path) -> None:
    """`ppss round deadline --due` a passed day: refused in one line, nothing written; with
    --on (the day it was decided) it is recorded."""
    before = ppss("events", "count", "--database", str(demo_file), home=tmp_path).out
    args = ("round", "deadline", "--as", "coordinator", "--round", "sst-2018", "--code",
            "extra", "--due", "2018-12-20", "--reason", "Sen",
            "--database", str(demo_file))  # fmt: skip
    refused = ppss(*args, home=tmp_path)
    assert_one_line_error(refused, "2018-12-20", "--on")
    assert refused.code == 2
    assert ppss("events", "count", "--database", str(demo_file), home=tmp_path).out == before
    dated = ppss(*args, "--on", "2018-12-01", home=tmp_path)
    assert dated.code == 0, dated.err


def test_the_contact_list_includes_the_applications_addresses(
    demo_file: Path, tmp_path: Path
) -> None:
    """The 2018 application gives four addresses; each is listed, marked as from it."""
    run = ppss("contact", "list", "--round", "sst-2018", "--database", str(demo_file),
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    for address in ("ekonomichef@skarholmen.example.org", "avdelningschef@skarholmen.example.org",
                    "enhetschef@skarholmen.example.org", "grundskolechef@example.org"):  # fmt: skip
        assert address in run.out
    assert "i ansökan" in run.out

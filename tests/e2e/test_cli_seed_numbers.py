"""Each seed number end to end through `ppss` (issue 21): a round opened with another number
is refused in one Swedish line naming the document's number, and nothing is written; opened
with none, it has the document's number."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ppss_workflow.store import EventStore
from tests.e2e.cli import Run, assert_one_line_error, ppss

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store (schema only), made once; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("empty")
    path = folder / "empty.sqlite3"
    run = ppss("db", "upgrade", "--database", f"sqlite:///{path}", home=folder)
    assert run.code == 0, run.err
    return path


@pytest.fixture
def url(empty_store: Path, tmp_path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{empty_store}{suffix}").exists():
            shutil.copy(f"{empty_store}{suffix}", tmp_path / f"store.sqlite3{suffix}")
    return f"sqlite:///{tmp_path}/store.sqlite3"


def run(url: str, home: Path, *args: str) -> Run:
    return ppss(*args, "--database", url, home=home)


def events(url: str) -> list[tuple[str, dict[str, Any]]]:
    store = EventStore.from_url(url)
    try:
        return [(r.event_type, r.event.model_dump(mode="json")) for r in store.read_all()]
    finally:
        store.close()


def open_round(url: str, home: Path, policy: str, on: str, *more: str) -> Run:
    return run(url, home, "round", "open", "--round", policy, "--title", "Omgång",
               "--policy", policy, "--as", "coordinator", "--on", on, *more)  # fmt: skip


def refused_and_nothing_written(url: str, home: Path, done: Run, *needles: str) -> None:
    assert_one_line_error(done, *needles)
    assert done.err.startswith("ppss: fel: "), done.err
    assert events(url) == []


def opened(url: str) -> dict[str, Any]:
    ((kind, data),) = events(url)
    assert kind == "RoundOpened"
    return data


# -- 2014 (seed 000) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "number", "field", "expected"),
    [
        ("--budget", "10000001", f"10{NBSP}000{NBSP}000 kr", "budget_sek", 10_000_000),
        ("--supervision-pool", "0", f"200{NBSP}000 kr", "supervision_pool_sek", 200_000),
        ("--supervision-cap", "30000", f"25{NBSP}000 kr", "supervision_cap_sek", 25_000),
    ],
    ids=["budget", "supervision-pool", "supervision-cap"],
)
def test_a_2014_number_other_than_the_decisions_is_refused_and_none_gives_it(
    url: str, tmp_path: Path, option: str, value: str, number: str, field: str, expected: int
) -> None:
    done = open_round(url, tmp_path, "ppss-2014", "2013-05-02", option, value)
    refused_and_nothing_written(url, tmp_path, done, number, "beslutet 2014-02-04")
    assert open_round(url, tmp_path, "ppss-2014", "2013-05-02").code == 0
    round_opened = opened(url)
    assert round_opened[field] == expected
    assert round_opened["policy_version"] == 2


def test_the_2014_period_is_the_year_2014(url: str, tmp_path: Path) -> None:
    done = open_round(url, tmp_path, "ppss-2014", "2013-05-02",
                      "--start", "2015-01-01", "--end", "2015-12-31")  # fmt: skip
    refused_and_nothing_written(url, tmp_path, done, "medlen gäller år 2014")
    assert open_round(url, tmp_path, "ppss-2014", "2013-05-02").code == 0
    data = opened(url)
    assert (data["period_start"], data["period_end"]) == ("2014-01-01", "2014-12-31")


def _application(path: Path, **fields: Any) -> Path:
    path.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    return path


def test_only_a_2013_pilot_district_may_apply_for_the_2014_money(url: str, tmp_path: Path) -> None:
    """Bromma is refused in one line naming the rule; Farsta with its 3 schools is taken."""
    assert open_round(url, tmp_path, "ppss-2014", "2013-05-02").code == 0
    form = {"school_count": 2, "applied_sek": 900_000,
            "period_start": "2014-01-01", "period_end": "2014-12-31"}  # fmt: skip
    bromma = _application(tmp_path / "bromma.json", district="Bromma", **form)
    done = run(url, tmp_path, "apply", "--round", "ppss-2014", "--file", str(bromma),
               "--as", "coordinator", "--on", "2013-05-31")  # fmt: skip
    assert_one_line_error(done, "Bromma är inte en av de stadsdelsförvaltningar som inledde "
                          "pilotprojekt 2013")  # fmt: skip
    assert [kind for kind, _ in events(url)] == ["RoundOpened"]
    farsta = _application(
        tmp_path / "farsta.json", district="Farsta", **{**form, "school_count": 3}
    )
    done = run(url, tmp_path, "apply", "--round", "ppss-2014", "--file", str(farsta),
               "--as", "coordinator", "--on", "2013-05-31")  # fmt: skip
    assert done.code == 0, done.err
    assert [kind for kind, _ in events(url)] == ["RoundOpened", "ApplicationSubmitted"]


# -- 2016 (seed 003) -----------------------------------------------------------------------


def test_the_2016_budget_is_thirteen_million(url: str, tmp_path: Path) -> None:
    done = open_round(url, tmp_path, "ppss-2016", "2015-12-17", "--budget", "12000000")
    refused_and_nothing_written(url, tmp_path, done, f"13{NBSP}000{NBSP}000 kr", "totalt 13 mnkr")
    assert open_round(url, tmp_path, "ppss-2016", "2015-12-17").code == 0
    data = opened(url)
    assert (data["budget_sek"], data["period_start"], data["period_end"]) == (
        13_000_000,
        "2016-01-01",
        "2016-12-31",
    )


# -- 2018 (seed 002) -----------------------------------------------------------------------


def test_the_2018_application_deadline_is_29_december_2017(url: str, tmp_path: Path) -> None:
    done = open_round(url, tmp_path, "sst-2018", "2017-11-15", "--budget", "13000000",
                      "--application-deadline", "2018-01-15")  # fmt: skip
    refused_and_nothing_written(url, tmp_path, done, "2017-12-29", "ansökningsblanketten")
    assert open_round(url, tmp_path, "sst-2018", "2017-11-15", "--budget", "13000000").code == 0
    assert opened(url)["application_deadline"] == "2017-12-29"


def test_the_2018_final_report_is_due_30_november_2018(url: str, tmp_path: Path) -> None:
    done = open_round(url, tmp_path, "sst-2018", "2017-11-15", "--budget", "13000000",
                      "--final-report", "2018-12-15")  # fmt: skip
    refused_and_nothing_written(url, tmp_path, done, "2018-11-30", "inte 2018-12-15")
    assert open_round(url, tmp_path, "sst-2018", "2017-11-15", "--budget", "13000000").code == 0
    deadlines = opened(url)["deadlines"]
    assert [(d["code"], d["due_on"]) for d in deadlines] == [
        ("final_financial_report", "2018-11-30")
    ]


def test_the_2018_form_with_an_own_contribution_is_taken(url: str, tmp_path: Path) -> None:
    """100 000 kr own + 1 400 000 kr applied = 1 500 000 kr = the cost lines: taken from
    an application file; cost lines of 1 400 000 kr are refused in one line."""
    assert open_round(url, tmp_path, "sst-2018", "2017-11-15", "--budget", "13000000").code == 0
    form: dict[str, Any] = {
        "district": "Skärholmen",
        "school_count": 4,
        "applied_sek": 1_400_000,
        "total_budget_sek": 1_500_000,
        "period_start": "2018-01-01",
        "period_end": "2018-12-31",
        "signatures": [
            {"role": "administration_director", "signed_on": "2017-12-27"},
            {"role": "finance_director", "signed_on": "2017-12-28"},
            {"role": "head_of_department", "signed_on": "2017-12-28"},
        ],
        "substance": {"target_group_size": {"low": 50}, "pupils_to_reach": {"low": 20, "high": 30}},
    }
    own = {"label": "Egen insats", "amount_sek": 100_000, "own_contribution": True}
    short = _application(tmp_path / "short.json", **form, budget_lines=[
        own, {"label": "Personalkostnader", "amount_sek": 1_400_000}])  # fmt: skip
    done = run(url, tmp_path, "apply", "--round", "sst-2018", "--file", str(short),
               "--as", "coordinator", "--on", "2017-12-28")  # fmt: skip
    assert_one_line_error(done, "budgeten går inte ihop")
    whole = _application(tmp_path / "whole.json", **form, budget_lines=[
        own, {"label": "Personalkostnader", "amount_sek": 1_300_000},
        {"label": "Övriga kostnader", "amount_sek": 200_000}])  # fmt: skip
    done = run(url, tmp_path, "apply", "--round", "sst-2018", "--file", str(whole),
               "--as", "coordinator", "--on", "2017-12-28")  # fmt: skip
    assert done.code == 0, done.err
    kind, data = events(url)[-1]
    assert kind == "ApplicationSubmitted"
    assert data["total_budget_sek"] == 1_500_000
    assert data["substance"]["pupils_to_reach"] == {"low": 20, "high": 30}

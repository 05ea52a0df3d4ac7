"""``ppss bench load`` (issue 23, must show 6, short): two servers on one PostgreSQL store,
simulated people for a bounded time, the money and the chain checked afterwards."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import pg_url
from tests.e2e.cli import assert_one_line_error, ppss


@pytest.mark.postgres
def test_bench_load_runs_people_against_two_servers_and_verifies(tmp_path: Path) -> None:
    run = ppss(
        "bench", "load", "--people", "4", "--seconds", "3", "--projects", "10",
        "--format", "json", "--database", pg_url(), home=tmp_path, timeout=600,
    )  # fmt: skip
    assert run.code == 0, run.err
    result = orjson.loads(run.out)
    for key in ("requests_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "verified"):
        assert key in result, key
    assert result["servers"] == 2
    assert result["errors"] == 0, result["first_error"]
    assert result["verified"] is True
    assert result["requests"] > 0
    assert result["requests_per_s"] > 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["payments_recorded"] > 0  # commands were given and recorded, not only reads
    # By kind of request: every answer counted once, under its kind, with its percentiles.
    kinds = result["by_kind"]
    assert set(kinds) <= {"board", "project", "own_project", "pay"}
    assert {"own_project", "pay"} <= set(kinds)  # districts read, coordinators paid
    assert sum(k["requests"] for k in kinds.values()) == result["requests"]
    assert kinds["pay"]["requests"] == result["payments"]
    for k in kinds.values():
        assert 0 < k["p50_ms"] <= k["p95_ms"] <= k["p99_ms"]
    assert result["server_cpu_ms_per_request"] > 0  # Linux: read from /proc
    assert result["client_cpu_ms_per_request"] > 0


def test_bench_load_needs_postgresql(tmp_path: Path) -> None:
    assert_one_line_error(
        ppss("bench", "load", "--people", "2", "--seconds", "1", home=tmp_path), "PostgreSQL"
    )


@pytest.mark.parametrize(
    ("option", "value"), [("--people", "0"), ("--seconds", "0"), ("--projects", "2")]
)
def test_bench_load_refuses_unbounded_or_empty_runs(
    tmp_path: Path, option: str, value: str
) -> None:
    run = ppss("bench", "load", option, value, "--database", "postgresql://127.0.0.1/x",
               home=tmp_path)  # fmt: skip
    assert_one_line_error(run)

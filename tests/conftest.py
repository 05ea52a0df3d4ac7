"""Shared fixtures: a scratch store per test on every backend, and the PostgreSQL switch."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from structlog.typing import EventDict

from ppss_workflow.demo import Story
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import MEMORY, scratch_store, scratch_url
from ppss_workflow.store import EventStore
from tests.demo_template import STEP_START, close_templates, demo_copy
from tests.logs import all_logs

# The processes the suite starts (``ppss`` as a user runs it, servers, the scheduler) keep
# their compiled bytecode even where the environment says not to write it
# (PYTHONDONTWRITEBYTECODE, set on some machines): otherwise each of the suite's hundreds of
# ``ppss`` processes compiles every module of ours again, about 0.4 s of CPU each. Nothing
# tested depends on it; ``__pycache__/`` is ignored by git.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

PG_ENV = "PPSS_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def pg_url() -> str:
    """The test server's URL; skips the test (saying why) when none is configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://127.0.0.1/test)")
    return url


def base_url_for(backend: str) -> str | None:
    """The scratch stores' ``base_url`` for a backend: ``sqlite`` (a file), ``memory`` (an
    in-memory SQLite store) or ``postgresql``."""
    if backend == "memory":
        return MEMORY
    return pg_url() if backend == "postgresql" else None


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    name: str = request.param
    if name == "postgresql":
        pg_url()
    return name


class StepClock:
    """A store clock that the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or STEP_START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def store(backend: str, clock: StepClock) -> Iterator[EventStore]:
    """An empty, upgraded store on the backend under test, removed afterwards."""
    with scratch_store(base_url_for(backend), clock=clock) as s:
        yield s


@pytest.fixture
def empty_url(backend: str) -> Iterator[str]:
    """A URL to an empty database (no schema) on the backend under test."""
    with scratch_url(base_url_for(backend)) as url:
        yield url


#: "Today" in the tests that read the demo: the day this suite was written against.
TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def story() -> Iterator[Story]:
    """Commands on an empty in-memory scratch store, each given on the story's day."""
    with scratch_store(MEMORY) as s:
        yield Story(s)


@pytest.fixture(scope="module")
def demo_reads() -> Iterator[Reads]:
    """The demo rounds (a copy of the session's recording: tests only read them), read today."""
    with demo_copy() as s:
        yield Reads(s, clock=lambda: TODAY)


@pytest.fixture
def logs() -> Iterator[list[EventDict]]:
    """Every log event the test makes, whatever an earlier test configured (see
    :func:`tests.logs.all_logs`)."""
    with all_logs() as captured:
        yield captured


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The recorded demo templates (tests/demo_template.py) go when the session ends."""
    close_templates()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many texts the Swedish checker (tests/swedish.py) read in this process, per kind
    (under pytest-xdist the workers' counts are not gathered: run the sweep with ``-n 0``)."""
    from tests.swedish import COUNTS  # noqa: PLC0415 - only for the summary

    if COUNTS:
        said = ", ".join(f"{kind} {count}" for kind, count in sorted(COUNTS.items()))
        terminalreporter.write_line(f"Swedish texts checked: {said} ({sum(COUNTS.values())})")

"""The demo recorded once per test process, and a throw-away copy of it for each test.

Recording the demo takes seconds (every command through the engine); copying a recorded
store takes milliseconds (``ppss_workflow.scratch.scratch_copy``). So each recipe is
recorded once per process and backend (under pytest-xdist: once per worker) into a
template store, and every test that asks gets its own copy: tests that write change only
their copy, tests that read see exactly what a fresh recording would give. The templates
are removed when the session ends (``close_templates``, from ``tests/conftest.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from policies.commands import RecordNetwork
from ppss_workflow.db import create_store_engine, normalise_url
from ppss_workflow.demo import COORDINATOR, load_demo
from ppss_workflow.handlers import Commands
from ppss_workflow.schema import upgrade
from ppss_workflow.scratch import scratch_copy, scratch_url
from ppss_workflow.store import EventStore

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Recipe:
    """How a template is recorded: its name (the cache key), the commands, the store's clock."""

    name: str
    record: Callable[[EventStore], None]
    #: The store clock while recording (its recorded_at times); None: the real clock.
    clock: Clock | None = None


#: The demo's three rounds, as ``ppss demo`` records them.
DEMO = Recipe("demo", load_demo)

#: The web tests' day: the 2014 round still open (see tests/web/conftest.py).
WEB_NOW = datetime(2014, 12, 15, 11, 0, tzinfo=UTC)


def _web_demo(store: EventStore) -> None:
    """The demo, and after it an exemption for Rinkeby-Kista (so it may be paid)."""
    load_demo(store)
    Commands(store, lambda: WEB_NOW).execute(
        COORDINATOR,
        RecordNetwork(
            round_id="ppss-2014",
            district="Rinkeby-Kista",
            session_id="natverk-2",
            outcome="exemption",
            note="Beviljad i efterhand",
        ),
    )


#: What the web tests' ``demo_store`` holds.
WEB_DEMO = Recipe("web-demo", _web_demo)

#: Where the suite's step clock (``tests.conftest.StepClock``) starts.
STEP_START = datetime(2014, 3, 14, 9, 0, tzinfo=UTC)

#: The demo recorded on a step clock that was not moved: every event recorded at STEP_START,
#: as ``load_demo`` on the ``store`` fixture gives.
DEMO_ON_STEP_CLOCK = Recipe("demo-on-step-clock", load_demo, clock=lambda: STEP_START)

_templates: dict[tuple[str | None, Recipe], str] = {}
_cleanup = ExitStack()


def demo_template(base_url: str | None = None, recipe: Recipe = DEMO) -> str:
    """The URL of ``recipe`` recorded on ``base_url``'s backend (None: SQLite), recorded on
    first use in this process. Never hand it to a test to write in: copy it."""
    key = (base_url, recipe)
    if key not in _templates:
        url = _cleanup.enter_context(scratch_url(base_url))
        engine = create_store_engine(url)
        try:
            upgrade(engine)
            store = EventStore(engine, clock=recipe.clock) if recipe.clock else EventStore(engine)
            recipe.record(store)
        finally:
            engine.dispose()
        _templates[key] = url
    return _templates[key]


@contextmanager
def demo_copy_url(base_url: str | None = None, recipe: Recipe = DEMO) -> Iterator[str]:
    """A URL to a fresh copy of ``recipe``'s template, removed afterwards."""
    with scratch_copy(demo_template(base_url, recipe)) as url:
        yield url


@contextmanager
def demo_copy(
    base_url: str | None = None, *, recipe: Recipe = DEMO, clock: Clock | None = None
) -> Iterator[EventStore]:
    """An EventStore on a fresh copy of ``recipe``'s template (its own: write freely), with
    ``clock`` for what the test records; removed afterwards."""
    with demo_copy_url(base_url, recipe) as url:
        engine = create_store_engine(url)
        try:
            yield EventStore(engine, clock=clock) if clock else EventStore(engine)
        finally:
            engine.dispose()


def demo_file(path: Path, recipe: Recipe = DEMO) -> str:
    """``recipe``'s SQLite template copied to the file ``path`` (for a ``ppss`` child process:
    it cannot open an in-memory store); its URL. The test's folder removes it."""
    url = f"sqlite:///{path}"
    source = sqlite3.connect(normalise_url(demo_template(None, recipe)).database or "")
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return url


def close_templates() -> None:
    """Remove every template this process recorded (at the end of the session)."""
    _cleanup.close()
    _templates.clear()

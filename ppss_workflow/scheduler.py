"""The reminder scheduler: an APScheduler 3 process that dispatches on start and on an interval."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import DBAPIError

from ppss_workflow.errors import WorkflowError
from ppss_workflow.faults import one_line
from ppss_workflow.logs import get_logger
from ppss_workflow.reminders import Dispatcher, DispatchReport

__all__ = ["dispatch_once", "run_scheduler"]

_log = get_logger(__name__)


def dispatch_once(
    dispatcher: Dispatcher,
    on_report: Callable[[DispatchReport], None] | None = None,
    daily: Callable[[], None] | None = None,
) -> DispatchReport | None:
    """One scheduled dispatch. A storage fault (a full disk, a read-only store, a lost
    connection) is one log line, ``dispatch_failed``, and the next run tries again: nothing
    was sent without its record. Returns the report, or None after a fault."""
    try:
        report = dispatcher.run()
    except (WorkflowError, DBAPIError, OSError) as exc:
        said = str(exc) if isinstance(exc, WorkflowError) else one_line(exc)
        _log.error("dispatch_failed", error=said)
        return None
    _log.info("dispatch_done", sent=len(report.sent), failed=len(report.failed),
              skipped=len(report.skipped))  # fmt: skip
    if on_report:
        on_report(report)
    if daily:
        daily()
    return report


def run_scheduler(
    make_dispatcher: Callable[[], Dispatcher],
    *,
    interval_seconds: int,
    on_report: Callable[[DispatchReport], None] | None = None,
    daily: Callable[[], None] | None = None,
) -> None:
    """Dispatch now and then every ``interval_seconds`` until stopped (Ctrl-C or SIGTERM).

    One job, never two at once (``max_instances=1``), and runs missed while the machine slept
    are folded into one (``coalesce``): the dispatch itself catches up on what is due.
    ``daily`` runs after each dispatch (the daily checkpoint: it acts once per day).
    """
    dispatcher = make_dispatcher()

    def job() -> None:
        dispatch_once(dispatcher, on_report, daily)

    scheduler = BlockingScheduler(timezone="Europe/Stockholm")
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=interval_seconds),
        id="dispatch",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval_seconds,
    )
    _log.info("scheduler_started", interval_seconds=interval_seconds, worker=dispatcher.worker)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        _log.info("scheduler_stopped")
        with contextlib.suppress(Exception):  # not running any more is fine
            scheduler.shutdown(wait=False)

"""Reminder dispatch: find what is due, claim it in the database, send it, record it once."""

from __future__ import annotations

import os
import smtplib
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from functools import partial
from typing import Any
from uuid import uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from events import (
    ApplicationSubmitted,
    Metadata,
    NewEvent,
    ReminderAbandoned,
    ReminderFailed,
    ReminderSent,
)
from policies.base import Policy
from policies.contacts import contact_book, recipient_for
from policies.registry import policy_for
from policies.reminders import DueReminder, due_reminders
from policies.state import (
    ProjectState,
    RoundState,
    as_of,
    fold_project,
    fold_round,
    stockholm_day,
)
from ppss_workflow.db import WRITE, reminder_claims
from ppss_workflow.errors import ConcurrencyError
from ppss_workflow.faults import storage_fault
from ppss_workflow.logs import get_logger
from ppss_workflow.notify import (
    DigestItem,
    Notifier,
    ReminderSettings,
    automatic,
    digest_key,
    render_digest,
    reply_address,
    sender_address,
)
from ppss_workflow.projections import ModelUnavailable, Projector
from ppss_workflow.readmodels import group_streams
from ppss_workflow.store import AppendRequest, EventStore, Statement

__all__ = [
    "ABANDON_AFTER",
    "DEFAULT_POOL",
    "DispatchReport",
    "Dispatcher",
    "backoff",
    "list_due",
    "permanent",
]

_log = get_logger(__name__)
_REMINDER_EVENTS = (ReminderSent, ReminderFailed, ReminderAbandoned)


@dataclass(frozen=True, slots=True)
class _Project:
    round: RoundState
    state: ProjectState
    policy: Policy


def _projects(store: EventStore, now: datetime, round_id: str | None) -> Iterator[_Project]:
    """Every project as the world was at ``now`` (annulments applied whatever their date, as
    in every as-of view) — but with every reminder already recorded, whenever it was
    recorded, so a back-filling run never sends one twice."""
    round_ids = (
        [round_id]
        if round_id
        else sorted({r.stream_id.split(":", 1)[1] for r in store.read_streams("round:")})
    )
    for rid in round_ids:
        rnd = fold_round(as_of(store.read_stream(f"round:{rid}"), now))
        if rnd is None:
            continue
        policy = policy_for(rnd)
        events = store.read_streams(f"project:{rid}:")
        seen = {r.position for r in as_of(events, now)}
        kept = [r for r in events if r.position in seen or isinstance(r.event, _REMINDER_EVENTS)]
        for stream_id, history in group_streams(kept).items():
            yield _Project(rnd, fold_project(stream_id, history), policy)


def list_due(
    store: EventStore,
    now: datetime,
    round_id: str | None = None,
    *,
    model: Projector | None = None,
) -> list[DueReminder]:
    """Every reminder due at ``now`` and not yet sent, over one round or all.

    With ``model`` (``now`` being its clock's present), from the read model; otherwise, for
    an instant in the past or the future, folded from the events as the world was then.
    """
    if model is not None:
        try:
            return model.due(now, round_id)
        except ModelUnavailable:
            pass  # a login that may not keep the model: fold, as for any other instant
    due = [
        reminder
        for p in _projects(store, now, round_id)
        for reminder in due_reminders(p.policy, p.round, p.state, now)
    ]
    return sorted(due, key=lambda d: (d.moment, d.project, d.obligation))


@dataclass(slots=True)
class DispatchReport:
    """What one dispatch run did, by reminder key."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Given up after permanent refusals (one ReminderAbandoned each; never tried again).
    abandoned: list[str] = field(default_factory=list)
    #: No address to send to: a configuration matter, reported once per run, not recorded.
    unaddressed: list[str] = field(default_factory=list)
    #: The digests sent: one per recipient and day (``digest/DAY/ADDRESS``).
    digests: list[str] = field(default_factory=list)


#: SMTP connections open at once during a run (``PPSS_SMTP_POOL``).
DEFAULT_POOL = 4
#: Permanent refusals (a 5xx from the server) a reminder gets before it is abandoned.
ABANDON_AFTER = 3
#: The wait before retrying a failed reminder: doubled per attempt, at most a day.
FIRST_BACKOFF = timedelta(minutes=5)
MAX_BACKOFF = timedelta(days=1)


def backoff(attempt: int) -> timedelta:
    """How long a reminder waits after its ``attempt``-th failure: 5 min, 10, 20 ... 1 day."""
    wait: timedelta = FIRST_BACKOFF * (2 ** max(0, attempt - 1))
    return min(wait, MAX_BACKOFF)


def permanent(exc: BaseException) -> bool:
    """A refusal that trying again will not change: the server's 5xx for this message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


class Dispatcher:
    """Claims each due reminder in the database before sending it, so that any number of
    dispatchers send it once. A failed send is retried on a later run, after a wait that
    doubles per attempt; one the server refuses for good (5xx) is abandoned after
    ``ABANDON_AFTER`` attempts, with one ``ReminderAbandoned`` event and a note to the
    coordinators, so the history stops growing. A reminder with no address to go to is a
    configuration matter: reported once per run, nothing recorded.

    Sends go out over ``pool`` connections at once (``PPSS_SMTP_POOL``, default 4), each with
    the notifier's own timeout, so one slow server or message cannot stall a run. The claim
    in the database is what makes each reminder go once, so workers need nothing more.

    The one window left: a process that dies after the server accepted a message but
    before it recorded the send will send it again when its lease runs out. The message
    then carries the same Message-ID, so mail clients show it once.
    """

    def __init__(
        self,
        store: EventStore,
        notifier: Notifier,
        settings: ReminderSettings | None = None,
        *,
        sender: str | None = None,
        clock: Callable[[], datetime] | None = None,
        lease: timedelta = timedelta(minutes=5),
        worker: str | None = None,
        pool: int = DEFAULT_POOL,
    ) -> None:
        if pool < 1:
            raise ValueError("pool must be at least 1")
        self.store = store
        self.pool = pool
        self.notifier = notifier
        self.settings = settings or ReminderSettings()
        self.sender = sender_address(self.settings, sender)
        self._titles: dict[str, str] = {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self.lease = lease
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"

    def run(self, as_of: datetime | None = None, round_id: str | None = None) -> DispatchReport:
        """One dispatch: every reminder due at ``as_of`` (default: now, from the read model),
        gathered into one digest per recipient for the day."""
        report = DispatchReport()
        due: list[tuple[DueReminder, Callable[[], ProjectState]]] = []
        if as_of is None:
            now = self._clock()
            model = Projector(self.store, self._clock)
            for reminder in list_due(self.store, now, round_id, model=model):
                due.append((reminder, partial(self._state, reminder.stream_id)))
        else:
            now = as_of
            for p in _projects(self.store, as_of, round_id):
                for reminder in due_reminders(p.policy, p.round, p.state, as_of):
                    due.append((reminder, partial(_given, p.state)))
        day = stockholm_day(now)
        groups: dict[str, list[DueReminder]] = {}
        for reminder, state in due:
            try:
                to = self._address(reminder, state())
            except LookupError:
                report.unaddressed.append(reminder.key)
                continue
            groups.setdefault(to, []).append(reminder)
        self._send_all(day, list(groups.items()), report)
        self._unaddressed(report)
        return report

    def _send_all(
        self, day: date, digests: list[tuple[str, list[DueReminder]]], report: DispatchReport
    ) -> None:
        """Each recipient's digest on one of ``pool`` workers; the report in the order the
        recipients came."""
        if self.pool == 1 or len(digests) < 2:
            for to, reminders in digests:
                self._dispatch(to, day, reminders, report)
            return
        parts = [DispatchReport() for _ in digests]
        try:
            with ThreadPoolExecutor(self.pool, thread_name_prefix="ppss-send") as pool:
                done = [pool.submit(self._dispatch, to, day, reminders, part)
                        for (to, reminders), part in zip(digests, parts, strict=True)]  # fmt: skip
                try:
                    for future in done:
                        future.result()
                except BaseException:
                    # What has not started stays due for the next run; what is under way
                    # finishes (each send within its timeout) and is recorded.
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        finally:
            for part in parts:  # what did happen is reported, even if one raised
                report.sent += part.sent
                report.failed += part.failed
                report.skipped += part.skipped
                report.abandoned += part.abandoned
                report.unaddressed += part.unaddressed
                report.digests += part.digests

    def _unaddressed(self, report: DispatchReport) -> None:
        if report.unaddressed:
            _log.warning(
                "reminders_unaddressed",
                count=len(report.unaddressed),
                fix="set PPSS_REMINDER_COORDINATOR_EMAIL / PPSS_REMINDER_DISTRICT_EMAIL, "
                "or give a contact e-mail in the application",
            )

    def _state(self, stream_id: str) -> ProjectState:
        return fold_project(stream_id, self.store.read_stream(stream_id))

    def _title(self, stream_id: str) -> str:
        round_id = stream_id.split(":")[1]
        if round_id not in self._titles:
            rnd = fold_round(self.store.read_stream(f"round:{round_id}"))
            self._titles[round_id] = rnd.title if rnd is not None else round_id
        return self._titles[round_id]

    # -- one digest ----------------------------------------------------------------------------

    def _dispatch(
        self, to: str, day: date, reminders: list[DueReminder], report: DispatchReport
    ) -> None:
        """One e-mail to ``to`` for ``day``: claimed once per recipient and day, so a second
        run (or a second dispatcher) the same day sends nothing; each reminder in it is then
        recorded as sent (or failed) on its own project's stream."""
        key = digest_key(to, day)
        keys = [r.key for r in reminders]
        log = _log.bind(digest=key, keys=len(keys))
        claim = self._claim(key, reminders[0].stream_id)
        if claim is None:
            report.skipped.extend(keys)
            return
        attempt, abandoned = claim
        if abandoned:
            # A run stopped after claiming: whether its e-mail went is not known, so it goes
            # again (with the same Message-ID: a mail client shows it once).
            self._settle(reminders, ReminderFailed, None, attempt=attempt - 1,
                         reason="the dispatcher stopped after claiming, before the send "
                                "was recorded; sent again")  # fmt: skip
            log.warning("reminder_failed", attempt=attempt - 1, reason="abandoned claim")
        log.info("reminder_claimed", attempt=attempt, worker=self.worker)
        contact = self.settings.coordinator_email or "samordnaren (se ansökan)"
        try:
            message = render_digest(
                [DigestItem(r, self._title(r.stream_id)) for r in reminders],
                to=to,
                sender=self.sender,
                contact=contact,
                day=day,
                language=self.settings.language,
                public_url=self.settings.public_url,
                sent_at=self._clock(),
                reply_to=reply_address(self.settings),
            )
            self.notifier.send(message)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}".strip()[:500] or "send failed"
            if permanent(exc) and attempt >= ABANDON_AFTER:
                self._settle(reminders, ReminderAbandoned, self._finish(key, "abandoned", reason),
                             attempts=attempt, reason=reason)  # fmt: skip
                for reminder in reminders:
                    log.warning("reminder_abandoned", key=reminder.key, attempts=attempt,
                                reason=reason, recipient_role=reminder.recipient_role)  # fmt: skip
                    report.abandoned.append(reminder.key)
                self._tell_coordinators(reminders[0], to, reason)
                return
            finish = self._finish(key, "failed", reason, retry_after=backoff(attempt))
            self._settle(reminders, ReminderFailed, finish, attempt=attempt, reason=reason)
            for reminder in reminders:
                log.warning("reminder_failed", key=reminder.key, attempt=attempt, reason=reason,
                            permanent=permanent(exc))  # fmt: skip
                report.failed.append(reminder.key)
            return
        # Sent means recorded: the claim says "sent" in the transaction that records the
        # ReminderSent events, or neither happens (the next run sends it again, same id).
        self._settle(reminders, ReminderSent, self._finish(key, "sent", None),
                     attempt=attempt, channel=self.notifier.channel)  # fmt: skip
        for reminder in reminders:
            log.info("reminder_sent", key=reminder.key, attempt=attempt,
                     channel=self.notifier.channel, project=reminder.project,
                     recipient_role=reminder.recipient_role)  # fmt: skip
            report.sent.append(reminder.key)
        report.digests.append(key)
        log.info("reminder_digest_sent", to=to, attempt=attempt)

    def _tell_coordinators(self, reminder: DueReminder, to: str, reason: str) -> None:
        """Best effort: the coordinators learn that a reminder could not be delivered."""
        coordinator = self.settings.coordinator_email
        if not coordinator or coordinator == to:
            return
        note = EmailMessage()
        note["From"] = self.sender
        note["To"] = coordinator
        note["Subject"] = f"Påminnelse kunde inte levereras: {reminder.district}"
        note["Date"] = format_datetime(self._clock())
        automatic(note)
        note["X-PPSS-Reminder-Key"] = f"{reminder.key}/abandoned"
        note.set_content(
            f"Påminnelsen om {reminder.obligation} (förfallodag {reminder.due_on}) till "
            f"{to} för {reminder.district} avvisades av e-postservern och skickas inte igen.\n"
            f"Svar från servern: {reason}\n\nKontrollera adressen i ansökan."
        )
        try:
            self.notifier.send(note)
        except Exception as exc:
            _log.warning("reminder_abandoned_note_failed", key=reminder.key, reason=str(exc))

    def _address(self, reminder: DueReminder, state: ProjectState) -> str:
        if reminder.recipient_role == "coordinator":
            address = self.settings.coordinator_email
            setting = "PPSS_REMINDER_COORDINATOR_EMAIL"
        else:
            application: ApplicationSubmitted | None = (
                state.application.event if state.application else None
            )
            chosen = recipient_for(reminder.obligation, contact_book(state.history), application)
            address = chosen.email if chosen else self.settings.district_email
            setting = (
                "ppss contact set, a contact e-mail in the application, "
                "or PPSS_REMINDER_DISTRICT_EMAIL"
            )
        if not address:
            raise LookupError(f"no address for the {reminder.recipient_role}: set {setting}")
        return address

    # -- the claim table ---------------------------------------------------------------------

    def _claim(self, key: str, stream_id: str) -> tuple[int, bool] | None:
        """Take the digest: (attempt number, was an abandoned claim), or None if not ours."""
        now = self._clock()
        row = {
            "key": key, "stream_id": stream_id, "status": "claimed",
            "attempts": 1, "claimed_by": self.worker, "lease_until": now + self.lease,
            "updated_at": now, "last_error": None,
        }  # fmt: skip
        try:
            with self._write() as conn:
                conn.execute(insert(reminder_claims).values(**row))
            return 1, False
        except IntegrityError:
            pass
        with self._write() as conn:
            current = conn.execute(
                select(reminder_claims.c.status, reminder_claims.c.attempts,
                       reminder_claims.c.lease_until).where(reminder_claims.c.key == key)
            ).one()  # fmt: skip
            retry = current.status == "failed" and current.lease_until <= now
            abandoned = current.status == "claimed" and current.lease_until < now
            if not (retry or abandoned):
                return None  # sent, or another dispatcher holds a live claim
            taken = conn.execute(
                update(reminder_claims)
                .where(reminder_claims.c.key == key,
                       reminder_claims.c.status == current.status,
                       reminder_claims.c.attempts == current.attempts)
                .values(status="claimed", attempts=current.attempts + 1, claimed_by=self.worker,
                        lease_until=now + self.lease, updated_at=now)
            )  # fmt: skip
            if taken.rowcount != 1:
                return None
            return current.attempts + 1, abandoned

    def _finish(
        self, key: str, status: str, error: str | None, *, retry_after: timedelta | None = None
    ) -> Statement:
        """The claim's new state, as a statement for the transaction that records it."""
        now = self._clock()
        lease = ", lease_until = ?" if retry_after is not None else ""
        params: tuple[Any, ...] = (status, error, now)
        if retry_after is not None:
            params += (now + retry_after,)  # a failed claim waits this long
        return Statement(
            f"UPDATE reminder_claims SET status = ?, last_error = ?, updated_at = ?{lease} "  # noqa: S608 - constant text
            "WHERE key = ? AND claimed_by = ?",
            (*params, key, self.worker),
        )

    def _write(self) -> Any:
        try:
            conn = self.store.engine.connect()
        except DBAPIError as exc:
            raise storage_fault(exc, self.store.url) or exc from exc
        conn.execution_options(**WRITE)
        return _Transaction(conn, self.store.url)

    def _settle(self, reminders: list[DueReminder],
                kind: type[ReminderSent] | type[ReminderFailed] | type[ReminderAbandoned],
                claim: Statement | None, **fields: Any) -> None:  # fmt: skip
        """Append each reminder's event to its project's stream and set the digest's claim,
        in one transaction (retried on concurrent appends): all of it is recorded, or none."""
        meta = Metadata(actor=f"scheduler:{self.worker}", role="scheduler")
        also = (claim,) if claim is not None else ()
        conflict: ConcurrencyError | None = None
        by_stream: dict[str, list[DueReminder]] = {}
        for reminder in reminders:
            by_stream.setdefault(reminder.stream_id, []).append(reminder)
        for _ in range(20):
            now = self._clock()
            requests = [
                AppendRequest(
                    stream_id,
                    [NewEvent(kind(key=r.key, obligation=r.obligation, step=r.step,
                                   due_on=r.due_on, recipient_role=r.recipient_role, **fields),
                              now, meta)
                     for r in items],
                    self.store.stream_version(stream_id),
                )
                for stream_id, items in sorted(by_stream.items())
            ]  # fmt: skip
            try:
                self.store.append_many(requests, also=also)
                return
            except ConcurrencyError as exc:
                conflict = exc
        assert conflict is not None
        raise conflict


def _given(state: ProjectState) -> ProjectState:
    return state


class _Transaction:
    """``with``: one short write transaction (BEGIN IMMEDIATE on SQLite), closed after."""

    def __init__(self, conn: Any, url: str) -> None:
        self.conn = conn
        self.url = url

    def __enter__(self) -> Any:
        try:
            self.conn.begin()
        except DBAPIError as exc:
            self.conn.close()
            raise storage_fault(exc, self.url) or exc from exc
        return self.conn

    def __exit__(self, kind: object, exc: BaseException | None, *rest: object) -> None:
        try:
            if kind is None:
                self.conn.commit()
            else:
                self.conn.rollback()
        except DBAPIError as failed:
            # A claim that cannot be written (a full disk, a read-only store, a lost
            # connection): one line naming the cause; nothing was claimed.
            raise storage_fault(failed, self.url) or failed from failed
        finally:
            self.conn.close()
        if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
            fault = storage_fault(exc, self.url)
            if fault is not None:
                raise fault from exc

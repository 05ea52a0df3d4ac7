"""`ppss reminders`, `ppss scheduler run` and `ppss calendar`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from policies.state import end_of_day
from ppss_workflow.cli import calendar_cmds
from ppss_workflow.cli._common import DatabaseOption, open_store, out_console, words
from ppss_workflow.cli.workflow_cmds import AsOpt, acting_role
from ppss_workflow.config import default_data_dir
from ppss_workflow.errors import (
    CLI_DATE_OR_INSTANT,
    CLI_FORMAT_CHOICE,
    CLI_NEEDS_UTC_OFFSET,
    REMINDER_SETTINGS,
    ConfigurationError,
    InvalidCommand,
)
from ppss_workflow.i18n import N_
from ppss_workflow.logs import get_logger
from ppss_workflow.notify import (
    Notifier,
    OutboxNotifier,
    ReminderSettings,
    SmtpNotifier,
    SmtpSettings,
)
from ppss_workflow.readmodels import Reads
from ppss_workflow.reminders import Dispatcher, DispatchReport, list_due

__all__ = ["calendar", "register", "reminders", "scheduler_app"]

_log = get_logger(__name__)
scheduler_app = typer.Typer(help="Schemaläggaren för påminnelser.", no_args_is_help=True)


def parse_moment(value: str | None, option: str) -> datetime | None:
    """A date means the end of that Stockholm day; an instant needs its UTC offset."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return end_of_day(date.fromisoformat(value))
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(
            f"{option} {value!r}: use a date (2015-01-13) or an instant (2015-01-13T08:00+01:00)",
            reason=CLI_DATE_OR_INSTANT(
                option=option, typed=value, day="2015-01-13", instant="2015-01-13T08:00+01:00"
            ),
        ) from None
    if moment.tzinfo is None:
        raise InvalidCommand(
            f"{option} {value!r} needs a UTC offset, e.g. +01:00",
            reason=CLI_NEEDS_UTC_OFFSET(option=option, typed=value),
        )
    return moment


def reminders(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Dag eller tidpunkt (annars nu).")
    ] = None,
    round_id: Annotated[str | None, typer.Option("--round", "-r")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table eller json")] = "table",
    database: DatabaseOption = None,
) -> None:
    """Vilka påminnelser som ska gå ut och inte har skickats än."""
    if fmt not in ("table", "json"):
        raise InvalidCommand(
            f"--format {fmt!r}: use table or json",
            reason=CLI_FORMAT_CHOICE(typed=fmt, allowed="table", last="json"),
        )
    store, _ = open_store(database)
    try:
        reads = Reads(store)
        asked = parse_moment(as_of, "--as-of")
        if round_id:
            reads.round(round_id)  # an unknown round is an error, not an empty list
        # Now: from the read model. Another instant: folded as the world was then.
        now = asked or reads.now()
        due = list_due(store, now, round_id, model=None if asked else reads.model)
    finally:
        store.close()
    if fmt == "json":
        typer.echo(orjson.dumps([
            {"key": d.key, "project": d.project, "district": d.district,
             "obligation": d.obligation, "due_on": d.due_on.isoformat(), "step": d.step,
             "recipient_role": d.recipient_role, "send_at": d.moment.isoformat(),
             "final": d.final, "blocks": d.blocks}
            for d in due
        ], option=orjson.OPT_INDENT_2).decode())  # fmt: skip
        return
    tr = words()
    table = Table(title=tr.t("Reminders to send at %(when)s", when=tr.moment(now)))
    for column in (N_("District"), N_("About"), N_("Last day"), N_("When"), N_("To")):
        table.add_column(tr.gettext(column))
    for d in due:
        table.add_row(d.district or d.project, tr.condition(d.obligation), tr.date(d.due_on),
                      tr.step(d.step), tr.role(d.recipient_role))  # fmt: skip
    out_console.print(table)


def _notifier(outbox: Path | None, settings: ReminderSettings, smtp: SmtpSettings) -> Notifier:
    folder = outbox or settings.outbox
    if folder is None and smtp.host:
        return SmtpNotifier(smtp)
    folder = folder or default_data_dir() / "outbox"
    _log.info("outbox_in_use", folder=str(folder), hint="set PPSS_SMTP_HOST to send e-mail")
    return OutboxNotifier(folder)


@scheduler_app.command("run")
def scheduler_run(
    once: Annotated[
        bool, typer.Option("--once", help="Ett utskick, sedan avsluta (för cron).")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Med --once: skicka som vid denna tidpunkt.")
    ] = None,
    interval: Annotated[int, typer.Option("--interval", help="Sekunder mellan körningarna.")] = 300,
    outbox: Annotated[Path | None, typer.Option("--outbox", help="Skriv .eml-filer hit.")] = None,
    round_id: Annotated[str | None, typer.Option("--round", "-r")] = None,
    database: DatabaseOption = None,
    acting: AsOpt = None,
    sign_with: Annotated[
        Path | None,
        typer.Option(
            "--sign-with",
            envvar="PPSS_SIGN_WITH",
            help="Privat nyckel (`ppss audit keygen`): signera en kontrollpunkt av kedjans "
            "slut en gång om dagen.",
        ),
    ] = None,
) -> None:
    """Skicka påminnelser som ska gå ut: var och en en gång, hur det än kraschar eller om en
    andra schemaläggare körs."""
    acting_role(acting, "dispatch reminders")
    key = None
    if sign_with is not None:
        from ppss_workflow.checkpoints import load_private_key  # noqa: PLC0415 - cryptography only here

        key = load_private_key(sign_with)
    if as_of and not once:
        raise InvalidCommand("--as-of goes with --once (a running scheduler uses the clock)")
    if interval < 1:
        raise InvalidCommand("--interval must be at least 1 second")
    try:
        settings, smtp = ReminderSettings(), SmtpSettings()
    except ValueError as exc:
        raise ConfigurationError(
            f"reminder settings: {str(exc).splitlines()[0]}",
            reason=REMINDER_SETTINGS(cause=str(exc).splitlines()[0]),
        ) from None
    notifier = _notifier(outbox, settings, smtp)
    store, _ = open_store(database)
    moment = parse_moment(as_of, "--as-of")

    def report(result: DispatchReport) -> None:
        tr = words()
        out_console.print(
            tr.t(
                "Sent %(sent)d in %(mails)d e-mails (one per recipient and day), failed "
                "%(failed)d (tried again later), given up %(abandoned)d, already handled or "
                "waiting %(skipped)d.",
                sent=len(result.sent),
                mails=len(result.digests),
                failed=len(result.failed),
                abandoned=len(result.abandoned),
                skipped=len(result.skipped),
            )
        )
        if result.unaddressed:
            out_console.print(
                tr.t(
                    "%(count)d reminders have no address to go to: set "
                    "PPSS_REMINDER_COORDINATOR_EMAIL and PPSS_REMINDER_DISTRICT_EMAIL, or give a "
                    "contact e-mail in the application.",
                    count=len(result.unaddressed),
                )
            )

    def daily() -> None:
        if key is None:
            return
        from ppss_workflow.daily_signing import sign_daily  # noqa: PLC0415

        signed = sign_daily(store, key, datetime.now(UTC))
        if signed is not None:
            out_console.print(
                words().t(
                    "Signed today's checkpoint: position %(position)d, hash %(hash)s.",
                    position=signed.position,
                    hash=signed.hash,
                )
            )

    def make() -> Dispatcher:
        return Dispatcher(store, notifier, settings, sender=smtp.from_address, pool=smtp.pool)

    try:
        if once:
            result = make().run(as_of=moment, round_id=round_id)
            report(result)
            daily()
            if result.failed:
                raise typer.Exit(1)
            return
        from ppss_workflow.scheduler import run_scheduler  # noqa: PLC0415 - APScheduler only here

        run_scheduler(make, interval_seconds=interval, on_report=report, daily=daily)
        # Stopped (Ctrl-C, SIGTERM): a clean stop, said in one line.
        typer.echo(
            "ppss: "
            + words().gettext("scheduler stopped; nothing half-written (appends are atomic)"),
            err=True,
        )
    finally:
        store.close()


def calendar(
    round_id: Annotated[str | None, typer.Option("--round", "-r")] = None,
    district: Annotated[str | None, typer.Option("--district")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    database: DatabaseOption = None,
) -> None:
    """Deadlines as iCalendar (.ics): subscribe to it, or import it."""
    store, _ = open_store(database)
    try:
        wf = Reads(store)
        if round_id:
            wf.round(round_id)
        from ppss_workflow.calendar_feed import deadline_calendar  # noqa: PLC0415 - icalendar only here

        cal = deadline_calendar(wf, round_id=round_id, district=district)
    finally:
        store.close()
    data = cal.to_ical()
    if output:
        output.write_bytes(data)
    else:
        typer.echo(data.decode(), nl=False)


def register(app: typer.Typer) -> None:
    app.command("reminders")(reminders)
    calendar_cmds.register(app, calendar)
    app.add_typer(scheduler_app, name="scheduler")

"""The lifecycle commands: rounds, applications, plans, network, money, reports, the board."""

from __future__ import annotations

import csv
import getpass
import io
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from uuid import UUID

import orjson
import typer
from rich.table import Table

from events import ROLES
from policies.allocation import AllocationInputError, DistrictRequest, allocate
from policies.base import fmt_sek
from ppss_workflow.cli._common import DatabaseOption, open_store, out_console
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.store import AppendResult
from ppss_workflow.workflow import Actor, BoardRow, InvalidCommand, Workflow, end_of_day, slug

__all__ = ["actor_from", "register", "render_board"]

T = TypeVar("T")

RoundOpt = Annotated[str, typer.Option("--round", "-r", help="Round id, e.g. ppss-2014.")]
DistrictOpt = Annotated[str, typer.Option("--district", help="District name, e.g. Farsta.")]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="PPSS_ROLE",
        help="Acting role: coordinator, steering_group, district:NAME, auditor, scheduler.",
    ),
]
ActorOpt = Annotated[
    str | None,
    typer.Option("--actor", envvar="PPSS_ACTOR", help="Who acts (default: your user name)."),
]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="Date it happened, YYYY-MM-DD (default: today).")
]
AmountOpt = Annotated[int, typer.Option("--amount", help="Whole kronor.")]


def _date(value: str | None, option: str = "--on") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(f"{option} {value!r} is not a date: use YYYY-MM-DD") from None


def _req_date(value: str, option: str) -> date:
    parsed = _date(value, option)
    assert parsed is not None
    return parsed


def actor_from(acting: str | None, name: str | None) -> Actor:
    """``--as district:Farsta`` -> Actor(role=district, district=farsta)."""
    if not acting:
        raise ConfigurationError(
            "say which role you act in: --as coordinator (or steering_group, "
            "district:NAME, auditor, scheduler), or set PPSS_ROLE"
        )
    role, _, district = acting.partition(":")
    if role not in ROLES or role == "system":
        raise ConfigurationError(
            f"unknown role {role!r}: use coordinator, steering_group, district:NAME, "
            "auditor or scheduler"
        )
    if role == "district" and not district:
        raise ConfigurationError("a district acts for one district: --as district:NAME")
    who = name or os.environ.get("USER") or getpass.getuser()
    return Actor(role, who, slug(district) if district else None)


def _run(database: str | None, action: Callable[[Workflow], T]) -> T:
    store, _ = open_store(database)
    try:
        return action(Workflow(store))
    finally:
        store.close()


def _done(result: AppendResult | list[AppendResult], what: str) -> None:
    results = result if isinstance(result, list) else [result]
    positions = ", ".join(
        f"{r.stream_id} v{r.stream_version} (position {r.first_position})" for r in results
    )
    out_console.print(f"Recorded: {what} — {positions}")


# -- the board -----------------------------------------------------------------------------


class _Fmt:
    table = "table"
    json = "json"
    csv = "csv"


def board(
    round_id: RoundOpt,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The board as it was at the end of this date.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv")] = "table",
    database: DatabaseOption = None,
) -> None:
    """One row per project: may it be paid now, how much, and if not, why not."""
    if fmt not in ("table", "json", "csv"):
        raise InvalidCommand(f"--format {fmt!r}: use table, json or csv")
    day = _date(as_of, "--as-of")
    rows = _run(database, lambda wf: wf.board(round_id, as_of=end_of_day(day) if day else None))
    render_board(rows, f"Board for {round_id}" + (f" as of {day}" if day else ""), fmt)


def render_board(rows: list[BoardRow], title: str, fmt: str) -> None:
    """The board as a Rich table (with blocking reasons), JSON or CSV."""
    if fmt == "json":
        typer.echo(orjson.dumps([r.as_json() for r in rows], option=orjson.OPT_INDENT_2).decode())
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "project",
                "district",
                "awarded_sek",
                "disbursed_sek",
                "payable_sek",
                "may_be_paid",
                "blocking",
                "repayment_due_sek",
                "status",
                "next_deadline",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.project,
                    r.district,
                    r.awarded_sek,
                    r.disbursed_sek,
                    r.payable_sek,
                    "yes" if r.may_be_paid else "no",
                    " ".join(r.blocking),
                    r.repayment_due_sek,
                    r.status,
                    f"{r.next_deadline[0]} {r.next_deadline[1]}" if r.next_deadline else "",
                ]
            )
        typer.echo(buffer.getvalue(), nl=False)
        return
    table = Table(title=title)
    for column, justify in [
        ("District", "left"),
        ("Awarded", "right"),
        ("Paid", "right"),
        ("Payable now", "right"),
        ("May be paid", "center"),
        ("Blocking", "left"),
        ("Repayment due", "right"),
        ("Status", "left"),
        ("Next deadline", "left"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            r.district,
            fmt_sek(r.awarded_sek),
            fmt_sek(r.disbursed_sek),
            fmt_sek(r.payable_sek),
            "[green]yes[/]" if r.may_be_paid else "[red]no[/]",
            ", ".join(r.blocking) or "–",
            fmt_sek(r.repayment_due_sek) if r.repayment_due_sek else "–",
            r.status,
            f"{r.next_deadline[0]} {r.next_deadline[1]}" if r.next_deadline else "–",
        )
    out_console.print(table)
    for r in rows:
        reasons = [f"{c.code}: {c.reason}" for c in r.assessment.conditions if c.blocking]
        if reasons:
            out_console.print(f"[bold]{r.district}[/]: " + "; ".join(reasons))


# -- allocation ---------------------------------------------------------------------------


def allocate_command(
    input_file: Annotated[Path, typer.Option("--input", "-i", help="JSON input (see README).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    round_id: Annotated[
        str | None, typer.Option("--round", "-r", help="With --record: the round.")
    ] = None,
    record: Annotated[bool, typer.Option("--record", help="Record the decision.")] = False,
    decided_by: Annotated[str, typer.Option("--decided-by")] = "Socialnämnden",
    decided_on: Annotated[str | None, typer.Option("--decided-on", help="YYYY-MM-DD")] = None,
    decision_ref: Annotated[str | None, typer.Option("--decision-ref")] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Share a total between districts by the 2014 rule (per school, then the remainder)."""
    try:
        spec = orjson.loads(input_file.read_bytes())
    except FileNotFoundError:
        raise InvalidCommand(f"no file {input_file}") from None
    except orjson.JSONDecodeError as exc:
        raise InvalidCommand(f"{input_file} is not JSON: {exc}") from None
    try:
        districts = [
            DistrictRequest(d["name"], d["schools"], d["applied_sek"]) for d in spec["districts"]
        ]
        result = allocate(
            spec["total_sek"],
            districts,
            exclude=spec.get("exclude", ()),
            min_excess_sek=spec.get("min_excess_sek", 0),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidCommand(
            f"{input_file} lacks {exc}: it needs total_sek and districts "
            "[{name, schools, applied_sek}]"
        ) from None
    except AllocationInputError as exc:
        raise InvalidCommand(str(exc)) from None
    if record:
        if not (round_id and decided_on and decision_ref):
            raise InvalidCommand("--record needs --round, --decided-on and --decision-ref")
        actor = actor_from(acting, actor_name)
        on = _req_date(decided_on, "--decided-on")
        results = _run(
            database,
            lambda wf: wf.record_allocation(
                actor,
                round_id,
                result,
                decided_by=decided_by,
                decided_on=on,
                decision_ref=decision_ref,
            ),
        )
        _done(results, "allocation decision and awards")
    if fmt == "json":
        typer.echo(orjson.dumps(result.to_json_dict()).decode())
        return
    table = Table(title=f"Allocation: {fmt_sek(result.per_school_sek)} per school")
    for column in ("District", "Schools", "Applied", "Base", "Share", "Allocated"):
        table.add_column(column, justify="left" if column == "District" else "right")
    for a in result.allocations:
        table.add_row(
            a.name,
            str(a.schools),
            fmt_sek(a.applied_sek),
            fmt_sek(a.base_sek),
            fmt_sek(a.share_sek),
            fmt_sek(a.allocated_sek),
        )
    table.add_row(
        "Total",
        "",
        "",
        "",
        fmt_sek(result.remainder_sek),
        fmt_sek(result.total_allocated_sek),
        style="bold",
    )
    out_console.print(table)
    if result.unallocated_sek:
        out_console.print(f"Unallocated: {fmt_sek(result.unallocated_sek)}")


# -- lifecycle commands --------------------------------------------------------------------

round_app = typer.Typer(
    help="Open, close and set deadlines of funding rounds.", no_args_is_help=True
)
plan_app = typer.Typer(help="Work plans and the steering group's decisions.", no_args_is_help=True)
network_app = typer.Typer(help="Network sessions and participation.", no_args_is_help=True)
supervision_app = typer.Typer(help="Supervision money (2014).", no_args_is_help=True)
report_app = typer.Typer(
    help="Follow-ups, financial reports, year-end accounts.", no_args_is_help=True
)
repayment_app = typer.Typer(help="Money paid back.", no_args_is_help=True)


@round_app.command("open")
def round_open(
    round_id: RoundOpt,
    title: Annotated[str, typer.Option("--title")],
    budget: Annotated[int, typer.Option("--budget", help="Whole kronor.")],
    start: Annotated[str, typer.Option("--start", help="Period start YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Period end YYYY-MM-DD.")],
    policy: Annotated[str, typer.Option("--policy", help="ppss-2014 or sst-2018")],
    application_deadline: Annotated[str | None, typer.Option("--application-deadline")] = None,
    supervision_pool: Annotated[int, typer.Option("--supervision-pool")] = 0,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Open a round with its budget, period and (pinned) policy."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.open_round(
                actor,
                round_id=round_id,
                title=title,
                budget_sek=budget,
                period_start=_req_date(start, "--start"),
                period_end=_req_date(end, "--end"),
                policy=policy,
                supervision_pool_sek=supervision_pool,
                application_deadline=_date(application_deadline, "--application-deadline"),
                on=_date(on),
            ),
        ),
        f"round {round_id} opened",
    )


@round_app.command("deadline")
def round_deadline(
    round_id: RoundOpt,
    code: Annotated[str, typer.Option("--code", help="t2, final_financial_report, ...")],
    due: Annotated[str, typer.Option("--due", help="YYYY-MM-DD")],
    reason: Annotated[str, typer.Option("--reason")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Set a round deadline, or move one (the old date stays in history)."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.set_deadline(
                actor, round_id, code, _req_date(due, "--due"), reason, on=_date(on)
            ),
        ),
        f"deadline {code}",
    )


@round_app.command("ladder")
def round_ladder(
    round_id: RoundOpt,
    steps: Annotated[
        str,
        typer.Option(
            "--steps",
            help="STEP:OFFSET:ROLE,... in working days, e.g. "
            "before-10:-10:district,due:0:district,late-5:5:coordinator",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason")],
    obligation: Annotated[
        str | None, typer.Option("--obligation", help="e.g. t2_follow_up; default: all")
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Set the reminder ladder of a round (for one obligation, or the default for all)."""
    actor = actor_from(acting, actor_name)
    parsed: list[tuple[str, int, str]] = []
    for part in steps.split(","):
        bits = part.strip().split(":")
        if len(bits) != 3 or not bits[1].lstrip("-").isdigit():
            raise InvalidCommand(f"--steps: {part!r} is not STEP:OFFSET:ROLE (e.g. due:0:district)")
        parsed.append((bits[0], int(bits[1]), bits[2]))
    _done(
        _run(
            database,
            lambda wf: wf.set_ladder(actor, round_id, parsed, reason, obligation, on=_date(on)),
        ),
        "reminder ladder",
    )


@round_app.command("close")
def round_close(
    round_id: RoundOpt,
    reason: Annotated[str, typer.Option("--reason")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Close a round: no more reports or payments."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(database, lambda wf: wf.close_round(actor, round_id, reason, on=_date(on))),
        "round closed",
    )


@round_app.command("list")
def round_list(database: DatabaseOption = None) -> None:
    """The rounds on record."""

    def show(wf: Workflow) -> None:
        table = Table()
        for column in ("Round", "Title", "Budget", "Period", "Policy", "Closed"):
            table.add_column(column)
        for rid in wf.round_ids():
            r = wf.round(rid)
            table.add_row(
                rid,
                r.title,
                fmt_sek(r.budget_sek),
                f"{r.period_start}–{r.period_end}",
                f"{r.policy_name} v{r.policy_version}",
                "yes" if r.closed else "no",
            )
        out_console.print(table)

    _run(database, show)


def apply_command(
    round_id: RoundOpt,
    application_file: Annotated[Path, typer.Option("--file", help="Application as JSON.")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Submit a district's application (the round's policy checks it first)."""
    actor = actor_from(acting, actor_name)
    try:
        application: dict[str, Any] = orjson.loads(application_file.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError) as exc:
        raise InvalidCommand(f"cannot read {application_file}: {exc}") from None
    _done(
        _run(database, lambda wf: wf.apply(actor, round_id, application, on=_date(on))),
        "application",
    )


def award_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    decision_ref: Annotated[str, typer.Option("--decision-ref")],
    decided_on: Annotated[str, typer.Option("--decided-on")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Award a project its grant by a recorded decision."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.award(
                actor,
                round_id,
                district,
                amount,
                decision_ref,
                _req_date(decided_on, "--decided-on"),
            ),
        ),
        "award",
    )


@plan_app.command("submit")
def plan_submit(
    round_id: RoundOpt,
    district: DistrictOpt,
    plan: Annotated[str, typer.Option("--plan")],
    summary: Annotated[str, typer.Option("--summary")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Submit (or resubmit, with a new plan id) the year's work plan."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database, lambda wf: wf.submit_plan(actor, round_id, district, plan, summary, _date(on))
        ),
        "plan submitted",
    )


def _decide(approve: bool) -> Callable[..., None]:
    def decide(
        round_id: RoundOpt,
        district: DistrictOpt,
        plan: Annotated[str, typer.Option("--plan")],
        meeting_on: Annotated[str, typer.Option("--meeting-on", help="Steering group meeting.")],
        reason: Annotated[str | None, typer.Option("--reason")] = None,
        acting: AsOpt = None,
        actor_name: ActorOpt = None,
        database: DatabaseOption = None,
    ) -> None:
        actor = actor_from(acting, actor_name)
        _done(
            _run(
                database,
                lambda wf: wf.decide_plan(
                    actor,
                    round_id,
                    district,
                    plan,
                    approve=approve,
                    meeting_on=_req_date(meeting_on, "--meeting-on"),
                    reason=reason,
                ),
            ),
            "plan approved" if approve else "plan rejected",
        )

    decide.__doc__ = (
        "The steering group approves a submitted plan."
        if approve
        else "The steering group rejects a submitted plan, saying why."
    )
    return decide


plan_app.command("approve")(_decide(True))
plan_app.command("reject")(_decide(False))


@network_app.command("schedule")
def network_schedule(
    round_id: RoundOpt,
    session: Annotated[str, typer.Option("--session")],
    title: Annotated[str, typer.Option("--title")],
    starts_at: Annotated[str, typer.Option("--starts-at", help="e.g. 2014-03-12T13:00+01:00")],
    optional: Annotated[bool, typer.Option("--optional", help="Not mandatory.")] = False,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Schedule a city-wide network session (mandatory unless --optional)."""
    actor = actor_from(acting, actor_name)
    try:
        when = datetime.fromisoformat(starts_at)
    except ValueError:
        raise InvalidCommand(
            f"--starts-at {starts_at!r}: use e.g. 2014-03-12T13:00+01:00"
        ) from None
    if when.tzinfo is None:
        raise InvalidCommand("--starts-at needs a UTC offset, e.g. 2014-03-12T13:00+01:00")
    _done(
        _run(
            database,
            lambda wf: wf.schedule_session(
                actor, round_id, session, title, when, mandatory=not optional
            ),
        ),
        "session",
    )


@network_app.command("record")
def network_record(
    round_id: RoundOpt,
    district: DistrictOpt,
    session: Annotated[str, typer.Option("--session")],
    outcome: Annotated[str, typer.Option("--outcome", help="attended, absent, make-up, exemption")],
    excused: Annotated[bool, typer.Option("--excused")] = False,
    note: Annotated[str | None, typer.Option("--note")] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Record attendance, an absence, a make-up or an exemption for a session."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.record_network(
                actor,
                round_id,
                district,
                session,
                outcome,
                excused=excused,
                note=note,
                on=_date(on),
            ),
        ),
        f"network {outcome}",
    )


@supervision_app.command("request")
def supervision_request(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    description: Annotated[str, typer.Option("--description")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Request supervision money, describing the joint supervision."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.request_supervision(
                actor, round_id, district, amount, description, _date(on)
            ),
        ),
        "supervision request",
    )


@supervision_app.command("grant")
def supervision_grant(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    decision_ref: Annotated[str, typer.Option("--decision-ref")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Grant requested supervision money from the round's pool."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.grant_supervision(
                actor, round_id, district, amount, decision_ref, _date(on)
            ),
        ),
        "supervision grant",
    )


def disburse_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    reference: Annotated[str, typer.Option("--reference", help="Payment reference.")],
    purpose: Annotated[str, typer.Option("--purpose", help="grant or supervision")] = "grant",
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Record a payment; refused if the round's rules do not allow that much now."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.disburse(
                actor, round_id, district, amount, reference, purpose=purpose, on=_date(on)
            ),
        ),
        f"payment of {fmt_sek(amount)}",
    )


@report_app.command("follow-up")
def report_follow_up(
    round_id: RoundOpt,
    district: DistrictOpt,
    kind: Annotated[str, typer.Option("--kind", help="t2 or annual")],
    target_group: Annotated[int, typer.Option("--target-group", help="Target group size.")],
    reached: Annotated[int, typer.Option("--reached", help="Pupils reached (a count).")],
    dropouts: Annotated[int, typer.Option("--dropouts")] = 0,
    period_start: Annotated[str | None, typer.Option("--period-start")] = None,
    period_end: Annotated[str | None, typer.Option("--period-end")] = None,
    self_financing: Annotated[str | None, typer.Option("--self-financing")] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Submit a follow-up: aggregate counts only, never data about a pupil."""
    actor = actor_from(acting, actor_name)

    def act(wf: Workflow) -> AppendResult:
        rnd = wf.round(round_id)
        period = (
            _date(period_start, "--period-start") or rnd.period_start,
            _date(period_end, "--period-end") or rnd.period_end,
        )
        return wf.submit_follow_up(
            actor,
            round_id,
            district,
            kind,
            {
                "target_group_size": target_group,
                "pupils_reached": reached,
                "unplanned_dropouts": dropouts,
            },
            period,
            self_financing_plan=self_financing,
            on=_date(on),
        )

    _done(_run(database, act), f"{kind} follow-up")


@report_app.command("financial")
def report_financial(
    round_id: RoundOpt,
    district: DistrictOpt,
    kind: Annotated[str, typer.Option("--kind", help="t2 or final")],
    spent: Annotated[int, typer.Option("--spent")],
    forecast: Annotated[int, typer.Option("--forecast")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Submit a financial report (T2 or final)."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.submit_financial_report(
                actor, round_id, district, kind, spent, forecast, _date(on)
            ),
        ),
        f"{kind} financial report",
    )


@report_app.command("year-end")
def report_year_end(
    round_id: RoundOpt,
    district: DistrictOpt,
    spent: Annotated[int, typer.Option("--spent")],
    description: Annotated[str, typer.Option("--description")],
    outside_plan: Annotated[int, typer.Option("--outside-plan")] = 0,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Submit the year-end account and cost description."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.submit_year_end_account(
                actor,
                round_id,
                district,
                spent,
                description,
                spent_outside_plan_sek=outside_plan,
                on=_date(on),
            ),
        ),
        "year-end account",
    )


@repayment_app.command("demand")
def repayment_demand(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    reason: Annotated[str, typer.Option("--reason")],
    due: Annotated[str, typer.Option("--due", help="YYYY-MM-DD")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Demand unused money back."""
    actor = actor_from(acting, actor_name)
    _done(
        _run(
            database,
            lambda wf: wf.demand_repayment(
                actor, round_id, district, amount, reason, _req_date(due, "--due"), _date(on)
            ),
        ),
        "repayment demand",
    )


def _settle(waive: bool) -> Callable[..., None]:
    def settle(
        round_id: RoundOpt,
        district: DistrictOpt,
        amount: AmountOpt,
        reference: Annotated[str, typer.Option("--reference", help="Payment or decision ref.")],
        reason: Annotated[str | None, typer.Option("--reason")] = None,
        acting: AsOpt = None,
        actor_name: ActorOpt = None,
        on: OnOpt = None,
        database: DatabaseOption = None,
    ) -> None:
        actor = actor_from(acting, actor_name)
        _done(
            _run(
                database,
                lambda wf: wf.settle_repayment(
                    actor,
                    round_id,
                    district,
                    amount,
                    waive=waive,
                    reference=reference,
                    reason=reason,
                    on=_date(on),
                ),
            ),
            "repayment waived" if waive else "repayment received",
        )

    settle.__doc__ = "Waive demanded money, with a reason." if waive else "Money paid back."
    return settle


repayment_app.command("receive")(_settle(False))
repayment_app.command("waive")(_settle(True))


def annul_command(
    round_id: RoundOpt,
    event_id: Annotated[str, typer.Option("--event", help="Event id to annul.")],
    reason: Annotated[str, typer.Option("--reason")],
    district: Annotated[str | None, typer.Option("--district")] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Annul an earlier event (it stays in history, marked as annulled)."""
    actor = actor_from(acting, actor_name)
    try:
        target = UUID(event_id)
    except ValueError:
        raise InvalidCommand(f"--event {event_id!r} is not an event id (a UUID)") from None
    _done(
        _run(database, lambda wf: wf.annul(actor, round_id, district, target, reason)), "annulment"
    )


def register(app: typer.Typer) -> None:
    """Add the lifecycle commands to the root ``ppss`` app."""
    app.command("board")(board)
    app.command("allocate")(allocate_command)
    app.command("apply")(apply_command)
    app.command("award")(award_command)
    app.command("disburse")(disburse_command)
    app.command("annul")(annul_command)
    app.add_typer(round_app, name="round")
    app.add_typer(plan_app, name="plan")
    app.add_typer(network_app, name="network")
    app.add_typer(supervision_app, name="supervision")
    app.add_typer(report_app, name="report")
    app.add_typer(repayment_app, name="repayment")

"""The lifecycle commands: rounds, applications, plans, network, money, reports, the board."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from uuid import UUID

import orjson
import typer
from pydantic import ValidationError
from rich.table import Table

from events import ROLES
from events.base import describe_validation_error
from policies.allocation import AllocationInputError, AllocationResult, DistrictRequest, allocate
from policies.base import fmt_sek
from policies.commands import (
    Annul,
    Apply,
    AwardGrant,
    CloseRound,
    Command,
    DecidePlan,
    DemandRepayment,
    Disburse,
    GrantSupervision,
    LadderRung,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
    RequestSupervision,
    RestatedApplication,
    ScheduleSession,
    SetDeadline,
    SetLadder,
    SettleRepayment,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
    Withdraw,
)
from policies.deadlines import past_deadline
from policies.decisions import (
    Refusal,
    allocation_from_applications,
    authorise_operation,
    bad_fields,
    view_of,
)
from policies.state import STOCKHOLM, slug, stockholm_day
from ppss_workflow.cli._common import DatabaseOption, day_option, open_store, out_console, words

# The board is its own module (``ppss board`` loads only what it needs); registered here too.
from ppss_workflow.cli.board_cmd import RoundOpt, _read, board, render_board
from ppss_workflow.errors import (
    ALLOCATION_DISTRICT_FIELDS,
    ALLOCATION_INPUT,
    ALLOCATION_LACKS,
    ALLOCATION_NOT_JSON,
    APPLICATION_NO_DISTRICT,
    APPLICATION_NOT_OBJECT,
    APPLICATION_UNREADABLE,
    CLI_BAD_FIELD_INPUT,
    CLI_EVENT_NOT_UUID,
    CLI_FORMAT_CHOICE,
    CLI_ROLE_UNKNOWN,
    CLI_STARTS_AT,
    CLI_STEPS_BAD,
    NO_FILE,
    ConfigurationError,
    InvalidCommand,
)
from ppss_workflow.handlers import Actor, Commands, Outcome, refused
from ppss_workflow.i18n import N_
from ppss_workflow.readmodels import Reads, group_streams
from ppss_workflow.words import say_list

__all__ = ["actor_from", "command", "register", "render_board"]

T = TypeVar("T")

DistrictOpt = Annotated[str, typer.Option("--district", help="Stadsdelens namn, t.ex. Farsta.")]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="PPSS_ROLE",
        help="Rollen du handlar i: `coordinator`, `steering_group`, `district:NAMN`, `auditor`, "
        "`scheduler`.",
    ),
]
ActorOpt = Annotated[
    str | None,
    typer.Option(
        "--actor", envvar="PPSS_ACTOR", help="Vem som handlar (annars ditt användarnamn)."
    ),
]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="Dagen det hände, ÅÅÅÅ-MM-DD (annars i dag).")
]


def _kronor(text: str) -> int:
    """An amount as people write it: 1400000, "1 400 000", 1400000kr (whole kronor only)."""
    from ppss_workflow.web.forms import parse_kronor  # noqa: PLC0415 - the web's own parser

    return parse_kronor(text)


AmountOpt = Annotated[
    int,
    typer.Option(
        "--amount",
        parser=_kronor,
        metavar="KRONOR",
        help='Hela kronor, som du skriver dem: 1400000, "1 400 000", 1400000kr.',
    ),
]


def _today() -> date:
    return stockholm_day(datetime.now(UTC))


def _req_date(value: str, option: str) -> date:
    parsed = day_option(value, option)
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
            "auditor or scheduler",
            reason=CLI_ROLE_UNKNOWN(
                typed=role,
                allowed="coordinator, steering_group, district:NAME, auditor",
                last="scheduler",
            ),
        )
    if role == "district" and not district:
        raise ConfigurationError("a district acts for one district: --as district:NAME")
    who = name or os.environ.get("USER") or getpass.getuser()
    return Actor(role, who, slug(district) if district else None)


def acting_role(acting: str | None, operation: str) -> str:
    """The role an operation that writes without a decision on a project runs in
    (``--as``/``PPSS_ROLE``, or the operation's own default); the rule is the policy's."""
    try:
        return authorise_operation(operation, acting.partition(":")[0] if acting else None)
    except Refusal as refusal:
        raise refused(refusal) from None


C = TypeVar("C", bound=Command)


def command(cls: type[C], **fields: Any) -> C:
    """A command from options; a field that does not fit is one line saying which."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        raise InvalidCommand(
            f"{cls.__name__}: {describe_validation_error(exc)}",
            reason=CLI_BAD_FIELD_INPUT(problem=bad_fields([dict(e) for e in exc.errors()])),
        ) from None


def _do(
    database: str | None,
    acting: str | None,
    actor_name: str | None,
    what: str,
    build: Callable[[], Command] | Command,
) -> Outcome:
    """Run one command as the acting role and say what was recorded."""
    actor = actor_from(acting, actor_name)
    store, _ = open_store(database)
    try:
        cmd = build() if callable(build) else build
        outcome = Commands(store).execute(actor, cmd)
    finally:
        store.close()
    _done(outcome, what)
    return outcome


def _done(outcome: Outcome, what: str) -> None:
    """Say what was recorded, in the CLI's language: the kinds of entries written (in English,
    the command's own words and where the events went)."""
    tr = words()
    if outcome.already is not None:
        out_console.print(
            tr.t(
                "Already recorded: %(what)s; nothing new was written.",
                what=tr.reason(outcome.already),
            )
        )
        return
    if tr.lang != "en":
        kinds = list(dict.fromkeys(tr.event(kind).lower() for kind in outcome.kinds))
        out_console.print(tr.t("Recorded: %(what)s.", what=say_list(kinds, tr.lang) or what))
        return
    positions = ", ".join(
        f"{r.stream_id} v{r.stream_version} (position {r.first_position})" for r in outcome.results
    )
    out_console.print(f"Recorded: {what} — {positions}")


# -- allocation ---------------------------------------------------------------------------


def _allocation_file(input_file: Path) -> dict[str, Any]:
    try:
        spec = orjson.loads(input_file.read_bytes())
    except FileNotFoundError:
        raise InvalidCommand(
            f"no file {input_file}", reason=NO_FILE(path=str(input_file))
        ) from None
    except orjson.JSONDecodeError as exc:
        raise InvalidCommand(
            f"{input_file} is not JSON: {exc}",
            reason=ALLOCATION_NOT_JSON(path=str(input_file), cause=str(exc)),
        ) from None
    if not isinstance(spec, dict) or not isinstance(spec.get("districts"), list):
        raise InvalidCommand(
            f"{input_file} lacks 'districts': it needs total_sek and districts "
            "[{name, schools, applied_sek}]",
            reason=ALLOCATION_LACKS(
                path=str(input_file),
                missing="'districts'",
                shape="total_sek and districts [{name, schools, applied_sek}]",
            ),
        )
    return spec


def _allocate_from_file(input_file: Path, spec: dict[str, Any]) -> AllocationResult:
    try:
        districts = [
            DistrictRequest(d["name"], d["schools"], d["applied_sek"]) for d in spec["districts"]
        ]
        return allocate(
            spec["total_sek"],
            districts,
            exclude=spec.get("exclude", ()),
            min_excess_sek=spec.get("min_excess_sek", 0),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidCommand(
            f"{input_file} lacks {exc}: it needs total_sek and districts "
            "[{name, schools, applied_sek}]",
            reason=ALLOCATION_LACKS(
                path=str(input_file),
                missing=str(exc),
                shape="total_sek and districts [{name, schools, applied_sek}]",
            ),
        ) from None
    except AllocationInputError as exc:
        raise InvalidCommand(str(exc), reason=ALLOCATION_INPUT(problem=str(exc))) from None


def allocate_command(
    input_file: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="Indata som JSON (se README); valfritt med --round."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table eller json")] = "table",
    round_id: Annotated[
        str | None,
        typer.Option("--round", "-r", help="Fördela mellan omgångens registrerade ansökningar."),
    ] = None,
    record: Annotated[bool, typer.Option("--record", help="Registrera beslutet.")] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Makulera registrerade beviljanden och bevilja på nytt."),
    ] = False,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Stadsdelar som inte får del av resten.")
    ] = None,
    min_excess: Annotated[int | None, typer.Option("--min-excess", help="Hela kronor.")] = None,
    decided_by: Annotated[str, typer.Option("--decided-by")] = "Socialnämnden",
    decided_on: Annotated[str | None, typer.Option("--decided-on", help="ÅÅÅÅ-MM-DD")] = None,
    decision_ref: Annotated[str | None, typer.Option("--decision-ref")] = None,
    diary_number: Annotated[
        str | None, typer.Option("--diary-number", help="Beslutets diarienummer (dnr).")
    ] = None,
    minutes: Annotated[
        str | None,
        typer.Option(
            "--minutes", help='Protokollet och paragrafen, t.ex. "Protokoll 2/2014, § 12".'
        ),
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Fördela en summa mellan stadsdelar enligt 2014 års regel (per skola, sedan resten).

    Med --round är stadsdelar, skolor och sökta belopp omgångens registrerade ansökningar
    (en fil med --input får bara upprepa dem); --record registrerar beslutet och varje
    beviljande i en och samma transaktion.
    """
    if fmt not in ("table", "json"):
        raise InvalidCommand(
            f"--format {fmt!r}: use table or json",
            reason=CLI_FORMAT_CHOICE(typed=fmt, allowed="table", last="json"),
        )
    if record and not round_id:
        raise InvalidCommand("--record needs --round: the decision is recorded in a round")
    spec = _allocation_file(input_file) if input_file else None
    if round_id is None:
        if spec is None or input_file is None:
            raise InvalidCommand("give --input FILE, or --round R to use its applications")
        _show_allocation(_allocate_from_file(input_file, spec), fmt)
        return
    restated = None
    if spec is not None:
        try:
            keys = ("name", "schools", "applied_sek")
            restated = tuple(
                RestatedApplication(**{k: d.get(k) for k in keys}) for d in spec["districts"]
            )
        except (ValidationError, AttributeError) as exc:
            raise InvalidCommand(
                f"{input_file}: each district needs name, schools and "
                f"applied_sek ({exc.__class__.__name__})",
                reason=ALLOCATION_DISTRICT_FIELDS(
                    path=str(input_file),
                    fields="name, schools and applied_sek",
                    cause=exc.__class__.__name__,
                ),
            ) from None
    on = day_option(decided_on, "--decided-on")
    spec = spec or {}
    cmd = command(
        RecordAllocation,
        round_id=round_id,
        decided_by=decided_by,
        decided_on=on or _today(),
        decision_ref=decision_ref or "preview",
        diary_number=diary_number,
        minutes_ref=minutes,
        total_sek=spec.get("total_sek"),
        exclude=tuple(exclude or spec.get("exclude", ())),
        min_excess_sek=min_excess if min_excess is not None else spec.get("min_excess_sek", 0),
        restated=restated,
        replace=replace,
    )
    if record:
        if not (on and decision_ref):
            raise InvalidCommand("--record needs --decided-on and --decision-ref")
        _do(database, acting, actor_name, "allocation decision and awards", cmd)
    result = _read(database, lambda reads: _preview_allocation(reads, cmd))
    _show_allocation(result, fmt)


def _preview_allocation(reads: Reads, cmd: RecordAllocation) -> AllocationResult:
    """The rule's table from the recorded applications, before (or after) recording it."""
    cmd = cmd.model_copy(update={"replace": True})
    round_history = reads.store.read_stream(f"round:{cmd.round_id}")
    streams = group_streams(reads.store.read_streams(f"project:{cmd.round_id}:"))
    try:
        result, _ = allocation_from_applications(
            cmd, view_of(cmd, round_history, streams, reads.today())
        )
    except Refusal as refusal:
        raise refused(refusal) from None
    return result


def _show_allocation(result: AllocationResult, fmt: str) -> None:
    if fmt == "json":
        typer.echo(orjson.dumps(result.to_json_dict()).decode())
        return
    tr = words()
    table = Table(
        title=tr.t("Allocation: %(amount)s per school", amount=fmt_sek(result.per_school_sek))
    )
    for column in (
        N_("District"),
        N_("Schools"),
        N_("Applied"),
        N_("Base"),
        N_("Share"),
        N_("Allocated"),
    ):
        table.add_column(tr.gettext(column), justify="left" if column == "District" else "right")
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
        tr.gettext("Total"),
        "",
        "",
        "",
        fmt_sek(result.remainder_sek),
        fmt_sek(result.total_allocated_sek),
        style="bold",
    )
    out_console.print(table)
    if result.unallocated_sek:
        out_console.print(tr.t("Unallocated: %(amount)s", amount=fmt_sek(result.unallocated_sek)))


# -- lifecycle commands --------------------------------------------------------------------

round_app = typer.Typer(
    help="Öppna och stäng bidragsomgångar och sätt deras sista dagar.", no_args_is_help=True
)
plan_app = typer.Typer(help="Arbetsplaner och styrgruppens beslut.", no_args_is_help=True)
network_app = typer.Typer(
    help="Stadsövergripande nätverksträffar och deltagande.", no_args_is_help=True
)
supervision_app = typer.Typer(help="Medel för gemensam handledning (2014).", no_args_is_help=True)
report_app = typer.Typer(
    help="Uppföljningar, ekonomiska redovisningar, redovisning och kostnadsbeskrivning.",
    no_args_is_help=True,
)
repayment_app = typer.Typer(help="Återbetalningar.", no_args_is_help=True)


@round_app.command("open")
def round_open(
    round_id: RoundOpt,
    title: Annotated[str, typer.Option("--title")],
    policy: Annotated[str, typer.Option("--policy", help="ppss-2014, ppss-2016 eller sst-2018")],
    budget: Annotated[
        int | None,
        typer.Option("--budget", help="Hela kronor (annars reglernas; 2014: 10 000 000)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Periodens första dag, ÅÅÅÅ-MM-DD (annars reglernas)."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--end", help="Periodens sista dag, ÅÅÅÅ-MM-DD (annars reglernas)."),
    ] = None,
    application_deadline: Annotated[
        str | None,
        typer.Option("--application-deadline", help="Annars reglernas (2018: 2017-12-29)."),
    ] = None,
    supervision_pool: Annotated[
        int | None,
        typer.Option("--supervision-pool", help="Annars reglernas (2014: 200 000)."),
    ] = None,
    supervision_cap: Annotated[
        int | None,
        typer.Option(
            "--supervision-cap",
            help="Per projekt (annars reglernas tak; 2014: 25 000).",
        ),
    ] = None,
    final_report: Annotated[
        str | None,
        typer.Option(
            "--final-report",
            help="Sista dag för den ekonomiska redovisningen (annars reglernas; 2018: 2018-11-30).",
        ),
    ] = None,
    policy_version: Annotated[
        int | None,
        typer.Option("--policy-version", help="Reglernas version (annars den senaste)."),
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Öppna en bidragsomgång med budget, period och (fastlagda) regler."""
    _do(
        database,
        acting,
        actor_name,
        f"round {round_id} opened",
        lambda: command(
            OpenRound,
            round_id=round_id,
            title=title,
            budget_sek=budget,
            period_start=day_option(start, "--start"),
            period_end=day_option(end, "--end"),
            policy=policy,
            policy_version=policy_version,
            supervision_pool_sek=supervision_pool,
            supervision_cap_sek=supervision_cap,
            application_deadline=day_option(application_deadline, "--application-deadline"),
            deadlines=_final_report(final_report),
            on=day_option(on),
        ),
    )


def _final_report(value: str | None) -> tuple[tuple[str, date, None], ...]:
    day = day_option(value, "--final-report")
    return (("final_financial_report", day, None),) if day else ()


@round_app.command("deadline")
def round_deadline(
    round_id: RoundOpt,
    code: Annotated[
        str, typer.Option("--code", help="Vilken sista dag: `t2`, `final_financial_report`, ...")
    ],
    due: Annotated[str, typer.Option("--due", help="ÅÅÅÅ-MM-DD")],
    reason: Annotated[str, typer.Option("--reason")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Sätt en sista dag i omgången, eller flytta en (det gamla datumet finns kvar i
    historiken). En dag som redan har passerat nekas om inte --on anger dagen beslutet togs."""

    def build() -> SetDeadline:
        cmd = command(
            SetDeadline,
            round_id=round_id,
            code=code,
            due_on=_req_date(due, "--due"),
            reason=reason,
            on=day_option(on),
        )
        try:
            past_deadline(cmd.code, cmd.due_on, datetime.now(STOCKHOLM).date(), cmd.on)
        except Refusal as refusal:
            raise refused(refusal) from None
        return cmd

    _do(database, acting, actor_name, f"deadline {code}", build)


@round_app.command("ladder")
def round_ladder(
    round_id: RoundOpt,
    steps: Annotated[
        str,
        typer.Option(
            "--steps",
            help="STEG:FÖRSKJUTNING:ROLL,... i arbetsdagar, t.ex. "
            "`before-10:-10:district,due:0:district,late-5:5:coordinator`",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason")],
    obligation: Annotated[
        str | None, typer.Option("--obligation", help="T.ex. `t2_follow_up`; annars alla.")
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Sätt omgångens påminnelsetrappa (för en skyldighet, eller förvalet för alla)."""
    parsed: list[LadderRung] = []
    for part in steps.split(","):
        bits = part.strip().split(":")
        if len(bits) != 3 or not bits[1].lstrip("-").isdigit():
            raise InvalidCommand(
                f"--steps: {part!r} is not STEP:OFFSET:ROLE (e.g. due:0:district)",
                reason=CLI_STEPS_BAD(typed=part),
            )
        parsed.append(
            LadderRung(step=bits[0], offset_working_days=int(bits[1]), recipient_role=bits[2])
        )
    _do(
        database,
        acting,
        actor_name,
        "reminder ladder",
        lambda: command(
            SetLadder,
            round_id=round_id,
            steps=tuple(parsed),
            reason=reason,
            obligation=obligation,
            on=day_option(on),
        ),
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
    """Stäng en bidragsomgång: inga fler redovisningar eller utbetalningar."""
    _do(
        database,
        acting,
        actor_name,
        "round closed",
        lambda: command(CloseRound, round_id=round_id, reason=reason, on=day_option(on)),
    )


@round_app.command("list")
def round_list(database: DatabaseOption = None) -> None:
    """De registrerade bidragsomgångarna."""

    def show(reads: Reads) -> None:
        tr = words()
        table = Table()
        for column in (
            N_("Round"),
            N_("Title"),
            N_("Budget"),
            N_("Period"),
            N_("Rules"),
            N_("Closed"),
        ):
            table.add_column(tr.gettext(column))
        for rid in reads.round_ids():
            r = reads.round(rid)
            table.add_row(
                rid,
                r.title,
                fmt_sek(r.budget_sek),
                f"{r.period_start}–{r.period_end}",
                tr.t(
                    "%(rules)s version %(version)s", rules=r.policy_name, version=r.policy_version
                ),
                tr.gettext("yes") if r.closed else tr.gettext("no"),
            )
        out_console.print(table)

    _read(database, show)


def apply_command(
    round_id: RoundOpt,
    application_file: Annotated[Path, typer.Option("--file", help="Ansökan som JSON.")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Lämna in en stadsdels ansökan (omgångens regler prövar den först)."""
    try:
        application = orjson.loads(application_file.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError) as exc:
        raise InvalidCommand(
            f"cannot read {application_file}: {exc}",
            reason=APPLICATION_UNREADABLE(file=str(application_file)),
        ) from None
    if not isinstance(application, dict):
        raise InvalidCommand(
            f"{application_file} is not an application: it must be a JSON object",
            reason=APPLICATION_NOT_OBJECT(file=str(application_file)),
        )
    district = application.get("district")
    if not isinstance(district, str) or not district.strip():
        raise InvalidCommand(
            f'{application_file}: say which district applies, as text: "district": "Farsta"',
            reason=APPLICATION_NO_DISTRICT(file=str(application_file)),
        )
    _do(
        database,
        acting,
        actor_name,
        "application",
        lambda: command(
            Apply,
            round_id=round_id,
            district=district,
            application=application,
            on=day_option(on),
        ),
    )


def withdraw_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    reason: Annotated[str, typer.Option("--reason", help="Varför ansökan dras tillbaka.")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Dra tillbaka en stadsdels ansökan (stadsdelen själv eller samordnaren)."""
    _do(
        database,
        acting,
        actor_name,
        "withdrawal",
        lambda: command(
            Withdraw, round_id=round_id, district=district, reason=reason, on=day_option(on)
        ),
    )


DiaryOpt = Annotated[
    str | None, typer.Option("--diary-number", help="Beslutets diarienummer (dnr).")
]
MinutesOpt = Annotated[
    str | None,
    typer.Option("--minutes", help='Protokollet och paragrafen, t.ex. "Protokoll 2/2014, § 12".'),
]


def award_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    decision_ref: Annotated[str, typer.Option("--decision-ref")],
    decided_on: Annotated[str, typer.Option("--decided-on")],
    decided_by: Annotated[
        str | None, typer.Option("--decided-by", help="Vem som beslutade, t.ex. Socialnämnden.")
    ] = None,
    diary_number: DiaryOpt = None,
    minutes: MinutesOpt = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Bevilja ett projekts bidrag genom ett registrerat beslut."""
    _do(
        database,
        acting,
        actor_name,
        "award",
        lambda: command(
            AwardGrant,
            round_id=round_id,
            district=district,
            amount_sek=amount,
            decision_ref=decision_ref,
            decided_on=_req_date(decided_on, "--decided-on"),
            decided_by=decided_by,
            diary_number=diary_number,
            minutes_ref=minutes,
        ),
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
    """Lämna in årets arbetsplan (eller lämna in den igen, med ett nytt plan-id)."""
    _do(
        database,
        acting,
        actor_name,
        "plan submitted",
        lambda: command(
            SubmitPlan,
            round_id=round_id,
            district=district,
            plan_id=plan,
            summary=summary,
            on=day_option(on),
        ),
    )


def _decide(approve: bool) -> Callable[..., None]:
    def decide(
        round_id: RoundOpt,
        district: DistrictOpt,
        plan: Annotated[str, typer.Option("--plan")],
        meeting_on: Annotated[str, typer.Option("--meeting-on", help="Styrgruppens möte.")],
        reason: Annotated[str | None, typer.Option("--reason")] = None,
        diary_number: DiaryOpt = None,
        minutes: MinutesOpt = None,
        acting: AsOpt = None,
        actor_name: ActorOpt = None,
        database: DatabaseOption = None,
    ) -> None:
        _do(
            database,
            acting,
            actor_name,
            "plan approved" if approve else "plan rejected",
            lambda: command(
                DecidePlan,
                round_id=round_id,
                district=district,
                plan_id=plan,
                approve=approve,
                meeting_on=_req_date(meeting_on, "--meeting-on"),
                reason=reason,
                diary_number=diary_number,
                minutes_ref=minutes,
            ),
        )

    decide.__doc__ = (
        "Styrgruppen godkänner en inlämnad arbetsplan."
        if approve
        else "Styrgruppen avslår en inlämnad arbetsplan och säger varför."
    )
    return decide


plan_app.command("approve")(_decide(True))
plan_app.command("reject")(_decide(False))


@network_app.command("schedule")
def network_schedule(
    round_id: RoundOpt,
    session: Annotated[str, typer.Option("--session")],
    title: Annotated[str, typer.Option("--title")],
    starts_at: Annotated[str, typer.Option("--starts-at", help="T.ex. 2014-03-12T13:00+01:00")],
    optional: Annotated[bool, typer.Option("--optional", help="Inte obligatorisk.")] = False,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="När den kungjordes (annars i dag, eller träffens egen dag om den är tidigare).",
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Planera en stadsövergripande nätverksträff (obligatorisk om inte --optional)."""
    try:
        when = datetime.fromisoformat(starts_at)
    except ValueError:
        raise InvalidCommand(
            f"--starts-at {starts_at!r}: use e.g. 2014-03-12T13:00+01:00",
            reason=CLI_STARTS_AT(typed=starts_at),
        ) from None
    if when.tzinfo is None:
        raise InvalidCommand("--starts-at needs a UTC offset, e.g. 2014-03-12T13:00+01:00")
    _do(
        database,
        acting,
        actor_name,
        "session",
        lambda: command(
            ScheduleSession,
            round_id=round_id,
            session_id=session,
            title=title,
            starts_at=when,
            mandatory=not optional,
            on=day_option(on),
        ),
    )


@network_app.command("record")
def network_record(
    round_id: RoundOpt,
    district: DistrictOpt,
    session: Annotated[str, typer.Option("--session")],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="`attended` (närvarande), `absent` (frånvarande), `make-up` (igentagning), "
            "`exemption` (befrielse)",
        ),
    ],
    excused: Annotated[bool, typer.Option("--excused")] = False,
    note: Annotated[str | None, typer.Option("--note")] = None,
    participants: Annotated[int, typer.Option("--participants", help="Antal personal.")] = 1,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Registrera närvaro, frånvaro, igentagning eller befrielse för en nätverksträff."""
    _do(
        database,
        acting,
        actor_name,
        f"network {outcome}",
        lambda: command(
            RecordNetwork,
            round_id=round_id,
            district=district,
            session_id=session,
            outcome=outcome,
            excused=excused,
            note=note,
            participants=participants,
            on=day_option(on),
        ),
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
    """Ansök om medel för gemensam handledning och beskriv handledningen."""
    _do(
        database,
        acting,
        actor_name,
        "supervision request",
        lambda: command(
            RequestSupervision,
            round_id=round_id,
            district=district,
            amount_sek=amount,
            description=description,
            on=day_option(on),
        ),
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
    """Bevilja sökta medel för gemensam handledning ur omgångens pott."""
    _do(
        database,
        acting,
        actor_name,
        "supervision grant",
        lambda: command(
            GrantSupervision,
            round_id=round_id,
            district=district,
            amount_sek=amount,
            decision_ref=decision_ref,
            on=day_option(on),
        ),
    )


def disburse_command(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    reference: Annotated[str, typer.Option("--reference", help="Verifikationsnummer.")],
    purpose: Annotated[
        str,
        typer.Option(
            "--purpose", help="`grant` (bidraget) eller `supervision` (handledningsmedel)"
        ),
    ] = "grant",
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Registrera en utbetalning; nekas om omgångens regler inte tillåter så mycket nu.

    Ett verifikationsnummer används en gång per omgång: samma utbetalning en gång till
    besvaras med "redan registrerat" och inget skrivs."""
    _do(
        database,
        acting,
        actor_name,
        f"payment of {fmt_sek(amount)}",
        lambda: command(
            Disburse,
            round_id=round_id,
            district=district,
            amount_sek=amount,
            payment_reference=reference,
            purpose=purpose,
            on=day_option(on),
        ),
    )


@report_app.command("follow-up")
def report_follow_up(
    round_id: RoundOpt,
    district: DistrictOpt,
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="`t2` (uppföljning vid T2) eller `annual` (verksamhetsberättelse)"
        ),
    ],
    target_group: Annotated[int, typer.Option("--target-group", help="Målgruppens storlek.")],
    reached: Annotated[int, typer.Option("--reached", help="Antal nådda elever.")],
    dropouts: Annotated[int, typer.Option("--dropouts")] = 0,
    period_start: Annotated[str | None, typer.Option("--period-start")] = None,
    period_end: Annotated[str | None, typer.Option("--period-end")] = None,
    self_financing: Annotated[str | None, typer.Option("--self-financing")] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Lämna in en uppföljning: bara sammanräknade antal, aldrig uppgifter om en elev."""
    _do(
        database,
        acting,
        actor_name,
        f"{kind} follow-up",
        lambda: command(
            SubmitFollowUp,
            round_id=round_id,
            district=district,
            kind=kind,
            indicators={
                "target_group_size": target_group,
                "pupils_reached": reached,
                "unplanned_dropouts": dropouts,
            },
            period_start=day_option(period_start, "--period-start"),
            period_end=day_option(period_end, "--period-end"),
            self_financing_plan=self_financing,
            on=day_option(on),
        ),
    )


@report_app.command("financial")
def report_financial(
    round_id: RoundOpt,
    district: DistrictOpt,
    kind: Annotated[
        str,
        typer.Option("--kind", help="`t2` (vid T2) eller `final` (slutlig, senast 30 november)"),
    ],
    spent: Annotated[int, typer.Option("--spent")],
    forecast: Annotated[int, typer.Option("--forecast")],
    explanation: Annotated[
        str | None,
        typer.Option(
            "--explanation",
            help="Förklaring när mer förbrukats än som betalats ut plus egen insats.",
        ),
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Lämna in en ekonomisk redovisning (vid T2 eller slutlig)."""
    _do(
        database,
        acting,
        actor_name,
        f"{kind} financial report",
        lambda: command(
            SubmitFinancialReport,
            round_id=round_id,
            district=district,
            kind=kind,
            spent_sek=spent,
            forecast_sek=forecast,
            overspend_explanation=explanation,
            on=day_option(on),
        ),
    )


@report_app.command("year-end")
def report_year_end(
    round_id: RoundOpt,
    district: DistrictOpt,
    spent: Annotated[int, typer.Option("--spent", help="Förbrukat bidrag, hela kronor.")],
    description: Annotated[str, typer.Option("--description")],
    outside_plan: Annotated[int, typer.Option("--outside-plan")] = 0,
    supervision_spent: Annotated[
        int | None,
        typer.Option(
            "--supervision-spent", help="Förbrukade handledningsmedel (redovisas för sig)."
        ),
    ] = None,
    explanation: Annotated[
        str | None,
        typer.Option(
            "--explanation",
            help="Förklaring när mer förbrukats än som betalats ut plus egen insats.",
        ),
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Lämna in redovisning och kostnadsbeskrivning."""
    _do(
        database,
        acting,
        actor_name,
        "year-end account",
        lambda: command(
            SubmitYearEndAccount,
            round_id=round_id,
            district=district,
            spent_sek=spent,
            cost_description=description,
            spent_outside_plan_sek=outside_plan,
            supervision_spent_sek=supervision_spent,
            overspend_explanation=explanation,
            on=day_option(on),
        ),
    )


@repayment_app.command("demand")
def repayment_demand(
    round_id: RoundOpt,
    district: DistrictOpt,
    amount: AmountOpt,
    reason: Annotated[str, typer.Option("--reason")],
    due: Annotated[str, typer.Option("--due", help="ÅÅÅÅ-MM-DD")],
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Kräv tillbaka oanvända medel (återkrav)."""
    _do(
        database,
        acting,
        actor_name,
        "repayment demand",
        lambda: command(
            DemandRepayment,
            round_id=round_id,
            district=district,
            amount_sek=amount,
            reason=reason,
            due_on=_req_date(due, "--due"),
            on=day_option(on),
        ),
    )


def _settle(waive: bool) -> Callable[..., None]:
    def settle(
        round_id: RoundOpt,
        district: DistrictOpt,
        amount: AmountOpt,
        reference: Annotated[
            str, typer.Option("--reference", help="Verifikationsnummer eller diarienummer.")
        ],
        reason: Annotated[str | None, typer.Option("--reason")] = None,
        diary_number: DiaryOpt = None,
        minutes: MinutesOpt = None,
        acting: AsOpt = None,
        actor_name: ActorOpt = None,
        on: OnOpt = None,
        database: DatabaseOption = None,
    ) -> None:
        _do(
            database,
            acting,
            actor_name,
            "repayment waived" if waive else "repayment received",
            lambda: command(
                SettleRepayment,
                round_id=round_id,
                district=district,
                amount_sek=amount,
                waive=waive,
                reference=reference,
                reason=reason,
                on=day_option(on),
            ),
        )

    settle.__doc__ = (
        "Avstå från ett återkrav, med skäl." if waive else "Registrera en återbetalning."
    )
    return settle


repayment_app.command("receive")(_settle(False))
repayment_app.command("waive")(_settle(True))


def annul_command(
    round_id: RoundOpt,
    reason: Annotated[
        str, typer.Option("--reason", help="Varför uppgiften makuleras (sparas i historiken).")
    ],
    event_id: Annotated[
        str | None, typer.Option("--event", help="Id för uppgiften som ska makuleras.")
    ] = None,
    position: Annotated[
        int | None,
        typer.Option("--position", help="Eller uppgiftens position (ppss audit history)."),
    ] = None,
    district: Annotated[
        str | None,
        typer.Option(
            "--district",
            help="Stadsdelen vars uppgift makuleras (en kontroll: uppgiften måste höra till "
            "dess projekt).",
        ),
    ] = None,
    money_never_left: Annotated[
        bool,
        typer.Option(
            "--money-never-left",
            help="För en utbetalning: pengarna lämnade aldrig staden (registrerad av misstag). "
            "En andra person bekräftar med samma kommando; pengar som gått ut återbetalas i "
            "stället.",
        ),
    ] = False,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Makulera en tidigare uppgift (den finns kvar i historiken, markerad som makulerad). En
    utbetalning makuleras bara om pengarna aldrig gick ut, av två personer: en begär, en
    annan bekräftar."""
    if (event_id is None) == (position is None):
        raise InvalidCommand("say which event to annul: --event ID or --position N (one of them)")
    target = None
    if event_id is not None:
        try:
            target = UUID(event_id)
        except ValueError:
            raise InvalidCommand(
                f"--event {event_id!r} is not an event id (a UUID)",
                reason=CLI_EVENT_NOT_UUID(typed=event_id),
            ) from None
    _do(
        database,
        acting,
        actor_name,
        "annulment",
        lambda: command(
            Annul,
            round_id=round_id,
            district=district,
            event_id=target,
            position=position,
            reason=reason,
            money_never_left=money_never_left,
        ),
    )


def register(app: typer.Typer) -> None:
    """Add the lifecycle commands to the root ``ppss`` app."""
    app.command("board")(board)
    app.command("allocate")(allocate_command)
    app.command("apply")(apply_command)
    app.command("award")(award_command)
    app.command("withdraw")(withdraw_command)
    app.command("disburse")(disburse_command)
    app.command("annul")(annul_command)
    app.add_typer(round_app, name="round")
    app.add_typer(plan_app, name="plan")
    app.add_typer(network_app, name="network")
    app.add_typer(supervision_app, name="supervision")
    from ppss_workflow.cli import followup_cmds  # noqa: PLC0415 - it builds on this module

    followup_cmds.register(report_app)
    app.add_typer(report_app, name="report")
    app.add_typer(repayment_app, name="repayment")

"""`ppss payment-plan set|show` and `ppss report accept|return`: instalments and review."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from policies.base import fmt_sek
from policies.commands import InstalmentInput, ReviewReport, SetPaymentPlan
from policies.review import REPORTS
from ppss_workflow.cli._common import DatabaseOption, day_option, out_console, words
from ppss_workflow.cli.board_cmd import RoundOpt, _read
from ppss_workflow.cli.workflow_cmds import (
    ActorOpt,
    AsOpt,
    DistrictOpt,
    OnOpt,
    _do,
    command,
    report_app,
)
from ppss_workflow.errors import (
    CLI_FORMAT_ONE_OF,
    INSTALMENT_NO_RELEASE,
    INSTALMENT_PERCENT,
    INSTALMENT_RELEASE,
    INSTALMENT_SHARE,
    PLAN_NO_DISTRICT,
    InvalidCommand,
)
from ppss_workflow.i18n import N_
from ppss_workflow.web.forms import parse_kronor
from ppss_workflow.words import say_list

__all__ = ["parse_instalment", "payment_plan_app", "register"]

payment_plan_app = typer.Typer(
    help="Utbetalningsplaner: ett beviljat bidrag i delbetalningar, var och en frisläppt av "
    "villkor.",
    no_args_is_help=True,
)

InstalmentOpt = Annotated[
    list[str],
    typer.Option(
        "--instalment",
        "-i",
        metavar="SHARE[:CODE[+CODE]]",
        help="En per delbetalning, i ordning: `60%:plan_approved`, `40%:t2_accepted`, "
        "`200000:awarded`. Den sista tar det som är kvar av det beviljade beloppet.",
    ),
]


def parse_instalment(text: str) -> InstalmentInput:
    """``60%:plan_approved``, ``200 000 kr:awarded+plan_approved`` or ``40%`` (released with
    the award). A share is a whole percent or whole kronor; codes are joined with ``+``."""
    share, sep, codes = text.partition(":")
    if codes.startswith("-"):  # "200 000:-" is how some write kronor
        share, codes = share + ":-", codes[1:].lstrip(":")
    share = share.strip()
    releases = tuple(c.strip() for c in codes.split("+") if c.strip()) if sep else ()
    if sep and not releases:
        raise InvalidCommand(
            f"--instalment {text!r}: name what releases it after the ':'",
            reason=INSTALMENT_NO_RELEASE(typed=text),
        )
    fields: dict[str, Any] = {"releases_on": releases}
    if share.endswith("%"):
        number = share[:-1].strip()
        if not number.isdigit() or not 1 <= int(number) <= 100:
            raise InvalidCommand(
                f"--instalment {text!r}: {share!r} is not a whole percent from 1 to 100",
                reason=INSTALMENT_PERCENT(typed=text, share=share),
            )
        fields["percent"] = int(number)
    else:
        try:
            fields["amount_sek"] = parse_kronor(share)
        except InvalidCommand as exc:
            raise InvalidCommand(
                f"--instalment {text!r}: the share is a percent (60%) or whole kronor; {exc}",
                reason=INSTALMENT_SHARE(typed=text, cause=str(exc)),
            ) from None
    return command_input(text, fields)


def command_input(text: str, fields: dict[str, Any]) -> InstalmentInput:
    try:
        return InstalmentInput(**fields)
    except ValueError as exc:
        first = str(exc).splitlines()
        raise InvalidCommand(
            f"--instalment {text!r}: {first[-1].strip() if first else exc}; release codes are "
            "lower-case words such as plan_approved or t2_accepted",
            reason=INSTALMENT_RELEASE(
                typed=text,
                cause=str(first[-1].strip() if first else exc),
                example="plan_approved or t2_accepted",
            ),
        ) from None


@payment_plan_app.command("set")
def payment_plan_set(
    round_id: RoundOpt,
    instalment: InstalmentOpt,
    district: Annotated[
        str | None,
        typer.Option("--district", help="Ett projekts plan (annars hela omgångens)."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Varför (sparas med uppgiften).")
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Betala ut beviljade bidrag i delbetalningar (samordnaren): var och en en andel som
    frisläpps av villkor."""
    items = tuple(parse_instalment(text) for text in instalment)
    if not items:
        raise InvalidCommand('give at least one --instalment, e.g. --instalment "60%:awarded"')
    _do(
        database,
        acting,
        actor_name,
        f"payment plan for {district or round_id}",
        lambda: command(
            SetPaymentPlan,
            round_id=round_id,
            district=district,
            instalments=items,
            reason=reason,
            on=day_option(on),
        ),
    )
    tr = words()
    table = Table(
        title=tr.t("Payment plan for %(district)s", district=district)
        if district
        else tr.t("Payment plan for every project of %(round)s", round=round_id)
    )
    for column in (N_("Instalment"), N_("Share of the award"), N_("Released by")):
        table.add_column(tr.gettext(column))
    for n, item in enumerate(items, 1):
        share = f"{item.percent} %" if item.percent is not None else fmt_sek(item.amount_sek or 0)
        if n == len(items):
            share += " " + tr.gettext("(the rest of the award)")
        releases = [tr.condition(code) for code in item.releases_on]
        table.add_row(str(n), share, say_list(releases, tr.lang) or tr.gettext("with the award"))
    out_console.print(table)


@payment_plan_app.command("show")
def payment_plan_show(
    round_id: RoundOpt,
    district: Annotated[str | None, typer.Option("--district", help="Bara denna stadsdel.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Varje projekts delbetalningar: belopp, frisläppt eller kvarhållen, och varför."""
    rows = _read(database, lambda r: r.board(round_id))
    if district is not None:
        rows = [r for r in rows if r.district.casefold() == district.casefold()]
        if not rows:
            raise InvalidCommand(
                f"no district {district!r} in round {round_id}",
                reason=PLAN_NO_DISTRICT(district=district, round=round_id),
            )
    tr = words()
    table = Table(title=tr.t("Instalments in %(round)s", round=round_id))
    for column in (
        N_("District"),
        N_("Instalment"),
        N_("Share of the award"),
        N_("Amount"),
        N_("Released"),
        N_("Why"),
    ):
        table.add_column(tr.gettext(column))
    for r in rows:
        for i in r.instalments:
            table.add_row(
                r.district,
                str(i["number"]),
                i["share"],
                fmt_sek(i["amount_sek"]),
                tr.gettext("yes") if i["released"] else tr.gettext("no"),
                tr.reason(i["reason"]),
            )
    if not any(r.instalments for r in rows):
        out_console.print(
            tr.t(
                "No payment plan in %(round)s: what is left of an award is payable when "
                "nothing blocks it.",
                round=round_id,
            )
        )
        return
    out_console.print(table)


ReportOpt = Annotated[
    str,
    typer.Option(
        "--report", help="Vilken redovisning: " + ", ".join(f"`{r}`" for r in REPORTS) + "."
    ),
]


ReasonOpt = Annotated[
    str | None,
    typer.Option("--reason", help="Vad stadsdelen måste rätta (krävs för att skicka tillbaka)."),
]


def _review(
    accept: bool,
    round_id: str,
    district: str,
    report: str,
    reason: str | None,
    acting: str | None,
    actor_name: str | None,
    on: str | None,
    database: str | None,
) -> None:
    if report not in REPORTS:
        raise InvalidCommand(
            f"--report {report!r}: use one of {', '.join(REPORTS)}",
            reason=CLI_FORMAT_ONE_OF(option="--report", typed=report, allowed=", ".join(REPORTS)),
        )
    if not accept and not (reason or "").strip():
        raise InvalidCommand(
            "returning a report needs --reason, so the district knows what to correct"
        )
    _do(
        database,
        acting,
        actor_name,
        f"{REPORTS[report]} {'accepted' if accept else 'returned'}",
        lambda: command(
            ReviewReport,
            round_id=round_id,
            district=district,
            report=report,
            accept=accept,
            reason=reason,
            on=day_option(on),
        ),
    )


@report_app.command("accept")
def report_accept(
    round_id: RoundOpt,
    district: DistrictOpt,
    report: ReportOpt,
    reason: ReasonOpt = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Godta en inlämnad redovisning (samordnaren): dess siffror räknas."""
    _review(True, round_id, district, report, reason, acting, actor_name, on, database)


@report_app.command("return")
def report_return(
    round_id: RoundOpt,
    district: DistrictOpt,
    report: ReportOpt,
    reason: ReasonOpt = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Skicka tillbaka en inlämnad redovisning med skäl (samordnaren): den räknas som inte
    inlämnad, och påminnelser går ut tills en rättad kommer in."""
    _review(False, round_id, district, report, reason, acting, actor_name, on, database)


def register(app: typer.Typer) -> None:
    """Add ``ppss payment-plan``; ``report accept|return`` join ``ppss report``."""
    app.add_typer(payment_plan_app, name="payment-plan")

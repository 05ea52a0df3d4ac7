"""``ppss board``: the round's board as a table, JSON, CSV or a spreadsheet.

Its own module so that ``ppss board`` starts with what it needs: the read model and the
words, not the command models, the decisions or the spreadsheet writers (loaded for the
forms that use them).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from policies.state import end_of_day
from ppss_workflow.cli._common import (
    DatabaseOption,
    day_option,
    err_console,
    open_store,
    out_console,
    words,
)
from ppss_workflow.errors import CLI_FORMAT_CHOICE, OUTPUT_NEW_FILE, InvalidCommand
from ppss_workflow.i18n import Translator
from ppss_workflow.integrity import chain_warning
from ppss_workflow.readmodels import BoardRow, Reads

__all__ = ["RICH_ROWS", "board", "instalments_text", "render_board"]

T = TypeVar("T")

RoundOpt = Annotated[
    str, typer.Option("--round", "-r", help="Bidragsomgångens id, t.ex. ppss-2014.")
]


def _read(database: str | None, action: Callable[[Reads], T]) -> T:
    store, _ = open_store(database)
    try:
        return action(Reads(store))
    finally:
        store.close()


def board(
    round_id: RoundOpt,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Översikten som den var vid slutet av denna dag.")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="table, json, csv, csv-sv (svenska Excel) eller xlsx (kräver -o)"
        ),
    ] = "table",
    database: DatabaseOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="En ny .xlsx-fil (för -f xlsx).")
    ] = None,
) -> None:
    """En rad per projekt: får det betalas ut nu, hur mycket, och om inte, varför inte."""
    if fmt not in ("table", "json", "csv", "csv-sv", "xlsx"):
        raise InvalidCommand(
            f"--format {fmt!r}: use table, json, csv, csv-sv or xlsx",
            reason=CLI_FORMAT_CHOICE(typed=fmt, allowed="table, json, csv, csv-sv", last="xlsx"),
        )
    if (fmt == "xlsx") != (output is not None):
        raise InvalidCommand("an xlsx board needs --output FILE.xlsx, and only xlsx takes -o")
    if output is not None and (output.exists() or not output.parent.is_dir()):
        raise InvalidCommand(
            f"--output {output}: give a new file in an existing folder",
            reason=OUTPUT_NEW_FILE(path=str(output)),
        )
    day = day_option(as_of, "--as-of")
    tr = words()
    rows, warning = _read(
        database,
        lambda r: (
            # JSON shows every row's conditions; the other forms only a blocked row's and
            # a payment plan's: the rest are not read.
            r.board(round_id, as_of=end_of_day(day) if day else None, printed=fmt != "json"),
            chain_warning(r.store, tr),
        ),
    )
    decisions = (
        _read(database, lambda r: r.projects(round_id, as_of=end_of_day(day) if day else None))
        if output is not None
        else []
    )
    if warning:
        err_console.print(warning, style="bold red")
    title = (
        tr.t("Board for %(round)s as of %(day)s", round=round_id, day=tr.date(day))
        if day
        else tr.t("Board for %(round)s", round=round_id)
    )
    if output is not None:
        from ppss_workflow.export import board_table, decisions_table  # noqa: PLC0415
        from ppss_workflow.sheets import xlsx_bytes  # noqa: PLC0415

        output.write_bytes(
            xlsx_bytes(
                [
                    (tr.t("Board %(round)s", round=round_id), board_table(rows, title, tr.lang)),
                    (
                        tr.t("Decisions %(round)s", round=round_id),
                        decisions_table(decisions, title, tr.lang),
                    ),
                ]
            )
        )
        out_console.print(tr.t("Wrote the board to %(file)s.", file=output))
        return
    render_board(rows, title, fmt)


def _board_csv(rows: list[BoardRow]) -> str:
    """The board as plain CSV: codes and whole kronor, for programs."""
    from ppss_workflow.export import cell_text  # noqa: PLC0415 - loaded when used

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "project",
            "district",
            "awarded_sek",
            "disbursed_sek",
            "payable_sek",
            "supervision_granted_sek",
            "supervision_disbursed_sek",
            "supervision_payable_sek",
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
                cell_text(r.district),
                r.awarded_sek,
                r.disbursed_sek,
                r.payable_sek,
                r.supervision_granted_sek,
                r.supervision_paid_sek,
                r.supervision_payable_sek,
                "yes" if r.may_be_paid else "no",
                " ".join(r.blocking),
                r.repayment_due_sek,
                cell_text(r.status),
                f"{r.next_deadline[0]} {r.next_deadline[1]}" if r.next_deadline else "",
            ]
        )
    return buffer.getvalue()


def _board_csv_sv(rows: list[BoardRow], title: str) -> None:
    """The form a Swedish Excel opens by double-click: words, dates, totals, ";", BOM."""
    from ppss_workflow.export import board_table  # noqa: PLC0415 - loaded when used
    from ppss_workflow.sheets import write_csv_sv  # noqa: PLC0415

    data = io.BytesIO()
    write_csv_sv(board_table(rows, title, words().lang), data)
    sys.stdout.buffer.write(data.getvalue())
    sys.stdout.buffer.flush()


def render_board(rows: list[BoardRow], title: str, fmt: str) -> None:
    """The board as a Rich table (with blocking reasons), JSON or CSV."""
    if fmt == "json":
        typer.echo(orjson.dumps([r.as_json() for r in rows], option=orjson.OPT_INDENT_2).decode())
        return
    if fmt == "csv-sv":
        _board_csv_sv(rows, title)
        return
    if fmt == "csv":
        typer.echo(_board_csv(rows), nl=False)
        return
    tr = words()
    yes, no = tr.gettext("yes"), tr.gettext("no")
    # The supervision money (seed 000's separate R&D pool) has its own columns, shown where
    # any project has some: the grant's columns never add it in.
    supervised = any(r.supervision_granted_sek or r.supervision_paid_sek for r in rows)
    columns = [
        (tr.gettext("District"), "left"),
        (tr.gettext("Awarded"), "right"),
        (tr.gettext("Paid"), "right"),
        (tr.gettext("Payable now"), "right"),
    ]
    if supervised:
        columns += [
            (tr.gettext("Supervision granted"), "right"),
            (tr.gettext("Supervision paid"), "right"),
            (tr.gettext("Supervision payable now"), "right"),
        ]
    columns += [
        (tr.gettext("May be paid"), "center"),
        (tr.gettext("Blocked by"), "left"),
        (tr.gettext("Owed back"), "right"),
        (tr.gettext("Status"), "left"),
        (tr.gettext("Next deadline"), "left"),
    ]

    def cell_rows() -> Iterator[list[str]]:
        for r in rows:
            money = [
                tr.money(r.awarded_sek),
                tr.money(r.disbursed_sek),
                tr.money(r.payable_sek),
            ]
            if supervised:
                money += [
                    tr.money(r.supervision_granted_sek),
                    tr.money(r.supervision_paid_sek),
                    tr.money(r.supervision_payable_sek),
                ]
            yield [
                r.district,
                *money,
                yes if r.may_be_paid else no,
                ", ".join(tr.condition(code) for code in r.blocking) or "–",
                tr.money(r.repayment_due_sek) if r.repayment_due_sek else "–",
                tr.status(r.status),
                f"{tr.condition(r.next_deadline[0])} {tr.date(r.next_deadline[1])}"
                if r.next_deadline
                else "–",
            ]

    totals = tr.t(
        "%(projects)s, %(payable)d may be paid now. Awarded %(awarded)s, paid %(paid)s, "
        "payable now %(now)s, owed back %(owed)s.",
        projects=tr.nt("%(num)d project", "%(num)d projects", len(rows)),
        payable=sum(r.may_be_paid for r in rows),
        awarded=tr.money(sum(r.awarded_sek for r in rows)),
        paid=tr.money(sum(r.disbursed_sek for r in rows)),
        now=tr.money(sum(r.payable_sek for r in rows)),
        owed=tr.money(sum(r.repayment_due_sek for r in rows)),
    )
    if supervised:
        totals += " " + tr.t(
            "Supervision money, apart from the grant: granted %(granted)s, paid %(paid)s, "
            "payable now %(now)s.",
            granted=tr.money(sum(r.supervision_granted_sek for r in rows)),
            paid=tr.money(sum(r.supervision_paid_sek for r in rows)),
            now=tr.money(sum(r.supervision_payable_sek for r in rows)),
        )
    if len(rows) > RICH_ROWS:
        _plain_table(title, columns, cell_rows)
    else:
        table = Table(title=title)
        for column, justify in columns:
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for line in cell_rows():
            at = 7 if supervised else 4
            colour = "green" if line[at] == yes else "red"
            table.add_row(*line[:at], f"[{colour}]{line[at]}[/]", *line[at + 1 :])
        out_console.print(table)
    out_console.print(totals, highlight=False)
    reasons_out: list[tuple[str, str]] = []
    plans_out: list[tuple[str, str]] = []
    for r in rows:
        if not r.blocking and not r.has_instalments:
            continue  # nothing of its details is printed: not decoded
        conditions, instalments = r.read_detail()  # decoded for these lines, not kept
        reasons = [
            f"{tr.condition(c.code)}: {tr.reason(c.reason)}" for c in conditions if c.blocking
        ]
        if r.blocking and reasons:
            reasons_out.append((r.district, "; ".join(reasons)))
        if instalments:
            plans_out.append((r.district, instalments_text(instalments, tr)))
    reasons_out += plans_out
    if len(rows) > RICH_ROWS:
        sys.stdout.write("".join(f"{name}: {said}\n" for name, said in reasons_out))
    else:
        for name, said in reasons_out:
            out_console.print(f"[bold]{escape(name)}[/]: {escape(said)}")


def instalments_text(instalments: tuple[dict[str, Any], ...], tr: Translator) -> str:
    """``instalment 1 (60 %, 840 000 kr) released: ...; instalment 2 (...) held: ...``."""
    return "; ".join(
        tr.t(
            "instalment %(number)s (%(share)s, %(amount)s) %(reason)s",
            number=i["number"],
            share=i["share"],
            amount=tr.money(i["amount_sek"]),
            reason=tr.reason(i["reason"]),
        )
        for i in instalments
    )


#: Above this many rows the board is printed as plain aligned text: a Rich table measures
#: and wraps every cell (about 8 s for 10 000 rows), plain text takes milliseconds.
RICH_ROWS = 300


def _plain_table(
    title: str, columns: list[tuple[str, str]], cell_rows: Callable[[], Iterable[list[str]]]
) -> None:
    """Aligned plain text, the cells made twice (once to measure, once to write) and each line
    written as it is made: a board of 10 000 rows is never held as text in memory."""
    widths = [len(name) for name, _ in columns]
    for line in cell_rows():
        widths = [max(w, len(value)) for w, value in zip(widths, line, strict=True)]

    def fit(values: list[str]) -> str:
        parts = []
        for value, width, (_, justify) in zip(values, widths, columns, strict=True):
            if justify == "right":
                parts.append(value.rjust(width))
            elif justify == "center":
                parts.append(value.center(width))
            else:
                parts.append(value.ljust(width))
        return "  ".join(parts).rstrip()

    write = sys.stdout.write
    write(f"{title}\n{fit([name for name, _ in columns])}\n")
    write("  ".join("-" * w for w in widths) + "\n")
    for line in cell_rows():
        write(fit(line) + "\n")
    sys.stdout.flush()

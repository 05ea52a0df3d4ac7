"""`ppss indicators`: the round's follow-up indicators, small numbers suppressed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from ppss_workflow.cli._common import DatabaseOption, open_store, out_console, words
from ppss_workflow.cli.board_cmd import RoundOpt
from ppss_workflow.cli.followup_cmds import check_by, print_table, table_by
from ppss_workflow.errors import (
    CHART_FILE,
    CLI_FORMAT_CHOICE,
    CLI_FORMAT_WITH_BY,
    FILE_EXISTS_NEW,
    FILE_NO_FOLDER,
    InvalidCommand,
)
from ppss_workflow.followup_reports import legend as followup_legend
from ppss_workflow.followup_reports import table_for, text_rows
from ppss_workflow.i18n import N_
from ppss_workflow.indicators import (
    as_csv,
    as_csv_sv,
    as_json,
    draw_chart,
    legend,
    read_report,
    rows,
    write_xlsx,
)
from ppss_workflow.readmodels import Reads
from ppss_workflow.sheets import xlsx_bytes

__all__ = ["indicators_command", "register"]


def _new_file(path: Path, option: str) -> Path:
    if path.exists() or path.is_symlink():
        raise InvalidCommand(
            f"{option} {path} exists: choose a new file",
            reason=FILE_EXISTS_NEW(option=option, path=str(path)),
        )
    if not path.parent.is_dir():
        raise InvalidCommand(
            f"{option} {path}: there is no folder {path.parent}",
            reason=FILE_NO_FOLDER(option=option, path=str(path), folder=str(path.parent)),
        )
    return path


def indicators_command(
    round_id: RoundOpt,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="table, json, csv, csv-sv (svenska Excel) eller xlsx (xlsx kräver -o)",
        ),
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="En ny fil (annars skärmen).")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Rita också omgångens diagram: en ny .svg/.png")
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="`district` (stadsdelarnas uppföljningar), `school` (en termin per skola) "
            "eller `term` (terminerna sida vid sida)",
        ),
    ] = "district",
    term: Annotated[
        str | None,
        typer.Option(
            "--term", help="Med --by school: terminen, t.ex. HT2014 (annars den senaste)."
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Räckvidd, närvaro, kunskapsmål, avhopp och kostnad per nådd elev, per stadsdel och
    totalt; med --by school per skola och termin, med --by term per termin (flickor och pojkar
    för sig). Ett antal 1-4 visas som <5; en cell som skulle röja ett antal visas som ..
    (gränsen är PPSS_DISCLOSURE_THRESHOLD, 5 om inget annat anges)."""
    check_by(by)
    if by != "district":
        _by_school_or_term(round_id, by, term, fmt, output, database)
        return
    if fmt not in ("table", "json", "csv", "csv-sv", "xlsx"):
        raise InvalidCommand(
            f"--format {fmt!r}: use table, json, csv, csv-sv or xlsx",
            reason=CLI_FORMAT_CHOICE(typed=fmt, allowed="table, json, csv, csv-sv", last="xlsx"),
        )
    if fmt == "xlsx" and output is None:
        raise InvalidCommand("an xlsx file needs --output FILE.xlsx")
    target = _new_file(output, "--output") if output is not None else None
    picture = _new_file(chart, "--chart") if chart is not None else None
    if picture is not None and picture.suffix.lower() not in (".svg", ".png"):
        raise InvalidCommand(
            f"--chart {picture}: the chart is a .svg or .png file",
            reason=CHART_FILE(path=str(picture)),
        )
    w = words()
    store, _ = open_store(database)
    try:
        report = read_report(Reads(store), round_id)
    finally:
        store.close()
    if fmt == "xlsx":
        assert target is not None
        write_xlsx(report, target, w)
    elif fmt == "csv-sv":
        data = as_csv_sv(report, w)
        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            target.write_bytes(data)
    elif fmt in ("json", "csv"):
        text = (
            orjson.dumps(as_json(report), option=orjson.OPT_INDENT_2).decode() + "\n"
            if fmt == "json"
            else as_csv(report, w)
        )
        if target is None:
            typer.echo(text, nl=False)
        else:
            target.write_text(text, encoding="utf-8")
    else:
        lines = rows(report, w)
        table = Table(title=w.t(N_("Follow-up %(round)s"), round=report.round_id))
        for heading in lines[0]:
            table.add_column(escape(heading), justify="left" if heading == lines[0][0] else "right")
        for line in lines[1:]:
            table.add_row(*(escape(cell) for cell in line))
        out_console.print(table)
        out_console.print(legend(report, w))
    if target is not None and fmt != "table":
        out_console.print(w.t("Wrote the indicators to %(file)s.", file=target))
    if picture is not None:
        drawn = draw_chart(report, picture, w)
        out_console.print(
            w.t("Wrote the chart (%(bars)d bars) to %(file)s.", bars=drawn, file=picture)
        )


def _by_school_or_term(
    round_id: str, by: str, term: str | None, fmt: str, output: Path | None, database: str | None
) -> None:
    """The school follow-ups per school (one term) or per term, small numbers suppressed."""
    if fmt not in ("table", "json", "xlsx"):
        raise InvalidCommand(
            f"--format {fmt!r} with --by {by}: use table, json or xlsx",
            reason=CLI_FORMAT_WITH_BY(typed=fmt, by=by, allowed="table, json", last="xlsx"),
        )
    if fmt == "xlsx" and output is None:
        raise InvalidCommand("an xlsx file needs --output FILE.xlsx")
    target = _new_file(output, "--output") if output is not None else None
    w = words()
    store, _ = open_store(database)
    try:
        found = table_by(Reads(store), round_id, by, term)
    finally:
        store.close()
    title = (
        w.t(N_("Follow-up %(round)s per school, %(term)s"), round=round_id, term=found.term or "–")
        if by == "school"
        else w.t(N_("Follow-up %(round)s per term"), round=round_id)
    )
    if fmt == "xlsx":
        assert target is not None
        target.write_bytes(xlsx_bytes([(by, table_for(found, title, w))]))
        out_console.print(f"Wrote the indicators to {target}.")
        return
    lines = text_rows(found, w)
    if fmt == "json":
        data = {
            "round": round_id,
            "by": by,
            "term": found.term or None,
            "threshold": found.threshold,
            "suppressed_cells": found.suppressed,
            "rows": [
                {
                    "labels": list(row.labels),
                    "total": row.is_total,
                    **{key: row.figures[key].value for key, _, _ in found.columns},
                    "shown_as": {key: row.figures[key].text for key, _, _ in found.columns},
                }
                for row in found.rows
            ],
        }
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
        if target is None:
            typer.echo(text, nl=False)
        else:
            target.write_text(text, encoding="utf-8")
        return
    print_table(lines, title)
    out_console.print(followup_legend(found, w))


def register(root: typer.Typer) -> None:
    root.command("indicators")(indicators_command)

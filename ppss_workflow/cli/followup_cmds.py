"""`ppss report school` (a school's follow-up for a term, by gender), `ppss report december`
and `ppss report analysis` (the documents), and the tables `ppss indicators --by school|term`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from events.followup import GENDERED
from policies.commands import RecordSchoolFollowUp
from policies.followup import FollowUpTable, by_district, by_school, by_term
from policies.reason import ReasonCode
from ppss_workflow.cli._common import DatabaseOption, day_option, open_store, out_console, words
from ppss_workflow.cli.board_cmd import RoundOpt
from ppss_workflow.cli.workflow_cmds import ActorOpt, AsOpt, DistrictOpt, OnOpt, _do, command
from ppss_workflow.errors import InvalidCommand
from ppss_workflow.followup_reports import (
    Document,
    analysis_document,
    analysis_rows,
    december_document,
    legend,
    read_records,
    text_rows,
    xlsx_of,
)
from ppss_workflow.i18n import N_
from ppss_workflow.indicators import DisclosureSettings, _threshold
from ppss_workflow.readmodels import Reads

__all__ = ["register", "table_by"]

#: A count typed on the command line that is not one: said in the CLI's language.
BAD_COUNTS = ReasonCode("cli.bad_counts", "option", "value")
BAD_BY = ReasonCode("cli.bad_by", "value")
NOT_XLSX = ReasonCode("cli.output_not_xlsx", "path")
OUTPUT_EXISTS = ReasonCode("cli.output_exists", "path")

_COUNTS = re.compile(r"^\s*(\d{1,7})\s*(?:/\s*(\d{1,7})\s*/\s*(\d{1,7})\s*)?$")


def _gendered(option: str, value: str | None) -> dict[str, int]:
    """``12`` or ``12/5/7`` (total/girls/boys) -> the command's fields."""
    if value is None:
        return {}
    found = _COUNTS.match(value)
    if found is None:
        raise InvalidCommand(
            f"--{option.replace('_', '-')} {value!r}: write TOTAL or TOTAL/GIRLS/BOYS",
            reason=BAD_COUNTS(option=f"--{option.replace('_', '-')}", value=value),
        )
    total, girls, boys = found.groups()
    out = {option: int(total)}
    if girls is not None:
        out |= {f"{option}_girls": int(girls), f"{option}_boys": int(boys)}
    return out


def report_school(
    round_id: RoundOpt,
    district: DistrictOpt,
    school: Annotated[str, typer.Option("--school", help="Skolans namn.")],
    term: Annotated[str, typer.Option("--term", help="Terminen: `HT2014` eller `VT2015`.")],
    target_group: Annotated[
        str, typer.Option("--target-group", help="Målgruppens storlek i skolan: T eller T/F/P.")
    ],
    enrolled: Annotated[
        str, typer.Option("--enrolled", help="Inskrivna elever (får insatsen): T eller T/F/P.")
    ],
    supported: Annotated[
        str | None, typer.Option("--supported", help="Elever som därutöver fått stöd.")
    ] = None,
    goals_met: Annotated[
        str | None, typer.Option("--goals-met", help="Inskrivna som nått sina kunskapsmål.")
    ] = None,
    year9: Annotated[
        str | None, typer.Option("--year9", help="Inskrivna elever i årskurs 9.")
    ] = None,
    eligible: Annotated[
        str | None, typer.Option("--eligible", help="Av dem behöriga till gymnasiet.")
    ] = None,
    dropouts: Annotated[str | None, typer.Option("--dropouts", help="Oplanerade avhopp.")] = None,
    subjects_graded: Annotated[
        str | None, typer.Option("--subjects-graded", help="Betygsatta ämnen.")
    ] = None,
    subjects_passed: Annotated[
        str | None, typer.Option("--subjects-passed", help="Godkända ämnen.")
    ] = None,
    absence_hours: Annotated[
        str | None, typer.Option("--absence-hours", help="Olovlig frånvaro i timmar.")
    ] = None,
    baseline_absence_hours: Annotated[
        int | None,
        typer.Option("--baseline-absence-hours", help="Olovlig frånvaro 2011–12 i timmar."),
    ] = None,
    interviewed_start: Annotated[
        int | None, typer.Option("--interviewed-start", help="Deltagare intervjuade vid start.")
    ] = None,
    interviewed_six_months: Annotated[
        int | None,
        typer.Option("--interviewed-six-months", help="Deltagare intervjuade efter sex månader."),
    ] = None,
    positive_six_months: Annotated[
        int | None,
        typer.Option("--positive-six-months", help="Av dem som upplever insatsen som positiv."),
    ] = None,
    months_reported: Annotated[
        int | None, typer.Option("--months-reported", help="Månadsrapporter från skolan.")
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Registrera en skolas uppföljning för en termin, per kön (T/F/P: totalt/flickor/pojkar):
    bara sammanräknade antal, aldrig uppgifter om en elev. Antal som inte kan stämma (fler
    inskrivna än målgruppen, flickor och pojkar fler än totalt) nekas."""
    typed = {
        "target_group": target_group,
        "enrolled": enrolled,
        "supported": supported,
        "goals_met": goals_met,
        "year9": year9,
        "eligible": eligible,
        "dropouts": dropouts,
        "subjects_graded": subjects_graded,
        "subjects_passed": subjects_passed,
        "absence_hours": absence_hours,
    }
    fields: dict[str, Any] = {}
    for name in GENDERED:
        fields |= _gendered(name, typed[name])
    plain = {
        "baseline_absence_hours": baseline_absence_hours,
        "interviewed_start": interviewed_start,
        "interviewed_six_months": interviewed_six_months,
        "positive_six_months": positive_six_months,
        "months_reported": months_reported,
    }
    fields |= {k: v for k, v in plain.items() if v is not None}
    _do(
        database,
        acting,
        actor_name,
        f"follow-up for {school} {term}",
        lambda: command(
            RecordSchoolFollowUp,
            round_id=round_id,
            district=district,
            school=school,
            term=term,
            on=day_option(on),
            **fields,
        ),
    )


def table_by(wf: Reads, round_id: str, by: str, term: str | None) -> FollowUpTable:
    """The round's follow-up per school (one term), per term, or per district (one term)."""
    records, costs = read_records(wf, round_id)
    threshold = _threshold(DisclosureSettings())
    total = words().gettext(N_("Total"))
    if by == "school":
        return by_school(records, term, threshold, total)
    if by == "term":
        return by_term(records, threshold)
    return by_district(records, costs, term, threshold, total)


def print_table(lines: list[list[str]], title: str) -> None:
    table = Table(title=escape(title))
    for i, heading in enumerate(lines[0]):
        table.add_column(escape(heading), justify="left" if i == 0 else "right")
    for line in lines[1:]:
        table.add_row(*(escape(cell) for cell in line))
    out_console.print(table)


def _document(document: Document, output: Path | None) -> None:
    w = words()
    if output is not None:
        if output.suffix.lower() != ".xlsx":
            raise InvalidCommand(f"{output}: write a .xlsx file", reason=NOT_XLSX(path=str(output)))
        if output.exists():
            raise InvalidCommand(f"{output} exists", reason=OUTPUT_EXISTS(path=str(output)))
        output.write_bytes(xlsx_of(document, w.lang))
        out_console.print(w.t(N_("Wrote %(title)s to %(path)s."), title=document.title,
                              path=str(output)))  # fmt: skip
        return
    out_console.print(f"[bold]{escape(document.title)}[/bold]")
    out_console.print(escape(document.intro))
    for section in document.sections:
        if section.analysis is not None:
            print_table(analysis_rows(section.analysis, w), section.title)
            out_console.print(legend(section.analysis, w))
        elif section.table is not None:
            print_table(text_rows(section.table, w), section.title)
            out_console.print(legend(section.table, w))


OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="En ny .xlsx-fil (annars skärmen).")
]


def report_december(
    round_id: RoundOpt,
    year: Annotated[
        int | None, typer.Option("--year", help="Året (höstterminen); annars den senaste.")
    ] = None,
    output: OutputOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Delrapporten i december: per skola och per stadsdel (med kostnaden enligt
    redovisningen) för höstterminen, och alla terminer sida vid sida. Små antal visas som <5."""
    store, _ = open_store(database)
    try:
        document = december_document(Reads(store), round_id, year, words().lang)
    finally:
        store.close()
    _document(document, output)


def report_analysis(
    round_id: RoundOpt,
    output: OutputOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Den jämförande analysen vid projektens slut: varje projekts första och sista termin
    jämförda, kostnad per inskriven elev enligt redovisningen. Små antal visas som <5."""
    store, _ = open_store(database)
    try:
        document = analysis_document(Reads(store), round_id, words().lang)
    finally:
        store.close()
    _document(document, output)


def check_by(by: str) -> None:
    if by not in ("district", "school", "term"):
        raise InvalidCommand(f"--by {by!r}: use district, school or term", reason=BAD_BY(value=by))


def register(report_app: typer.Typer) -> None:
    report_app.command("school")(report_school)
    report_app.command("december")(report_december)
    report_app.command("analysis")(report_analysis)

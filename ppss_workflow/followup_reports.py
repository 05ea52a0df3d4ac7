"""The follow-up per school, term and gender as it leaves the store: tables by school, term and
district, the December report (delrapport) and the closing comparative analysis, written as
xlsx (numbers as numbers) and as rows of text (the CLI, the printable page). Small numbers
are suppressed by :mod:`policies.followup` before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.followup import (
    COMPARED,
    Analysis,
    DistrictCost,
    FollowUpTable,
    SchoolTerm,
    analysis,
    by_district,
    by_school,
    by_term,
    spent_by_accounts,
    term_key,
)
from ppss_workflow.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from ppss_workflow.indicators import DisclosureSettings, _threshold
from ppss_workflow.readmodels import Reads
from ppss_workflow.sheets import Column, Table, xlsx_bytes

__all__ = [
    "Document",
    "Section",
    "analysis_document",
    "december_document",
    "read_records",
    "table_for",
    "text_rows",
    "xlsx_of",
]

#: Kinds of the columns, for spreadsheets.
_KINDS = {"count": "count", "percent": "percent", "decimal": "decimal", "kronor": "kronor"}


def read_records(wf: Reads, round_id: str) -> tuple[list[SchoolTerm], list[DistrictCost]]:
    """Every school's latest record per term in the round, and each project's spending by its
    accounts."""
    records: list[SchoolTerm] = []
    costs: list[DistrictCost] = []
    for view in wf.projects(round_id):
        state = view.state
        if state.district is None:
            continue
        costs.append(DistrictCost(state.district, spent_by_accounts(state)))
        for r in state.school_follow_ups.values():
            e = r.event
            records.append(SchoolTerm(state.district, e.school, e.term, e))
    return records, costs


def _labels(table: FollowUpTable, w: Translator) -> list[str]:
    if table.by == "school":
        return [w.gettext(N_("District")), w.gettext(N_("School"))]
    if table.by == "term":
        return [w.gettext(N_("Term"))]
    return [w.gettext(N_("District"))]


def text_rows(table: FollowUpTable, w: Translator | None = None) -> list[list[str]]:
    """Headings, then one line a row, as people read them ("<5", ".." suppressed; "–" none)."""
    w = w or translator(DEFAULT_LANGUAGE)
    lines = [[*_labels(table, w), *(w.gettext(h) for _, h, _ in table.columns)]]
    for row in table.rows:
        labels = [w.gettext(x) if x == "Total" else x for x in row.labels]
        lines.append([*labels, *(row.figures[k].text or "–" for k, _, _ in table.columns)])
    return lines


def legend(table: FollowUpTable | Analysis, w: Translator) -> str:
    suppressed = (
        table.suppressed
        if isinstance(table, FollowUpTable)
        else sum(1 for *_, f in table.rows for v in f.values() for x in v if x.suppressed)
    )
    return w.t(
        N_(
            "<%(n)d: fewer than %(n)d pupils; ..: not shown, so that no single pupil can be "
            "worked out (%(cells)d cells)"
        ),
        n=table.threshold,
        cells=suppressed,
    )


def table_for(table: FollowUpTable, title: str, w: Translator) -> Table:
    """A sheet: a shown figure is its number, a suppressed one its mark as text."""
    columns = [Column(label, max_width=26) for label in _labels(table, w)] + [
        Column(w.gettext(h), _KINDS[kind], max_width=22)  # type: ignore[arg-type]
        for _, h, kind in table.columns
    ]
    body: list[list[Any]] = []
    for row in table.rows:
        cells: list[Any] = [w.gettext(x) if x == "Total" else x for x in row.labels]
        for key, _, _ in table.columns:
            f = row.figures[key]
            cells.append(f.value if f.value is not None else (f.text or None))
        body.append(cells)
    return Table(title, columns, body, notes=(legend(table, w),))


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of a document: a follow-up table, or the analysis's comparison."""

    title: str
    table: FollowUpTable | None = None
    analysis: Analysis | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """The December report or the closing analysis: a title, an introduction, sections."""

    title: str
    intro: str
    sections: tuple[Section, ...]


def _records(wf: Reads, round_id: str) -> tuple[list[SchoolTerm], list[DistrictCost], int]:
    records, costs = read_records(wf, round_id)
    return records, costs, _threshold(DisclosureSettings())


def december_document(
    wf: Reads, round_id: str, year: int | None = None, lang: str | None = None
) -> Document:
    """The delrapport: the autumn term of ``year`` (default: the latest autumn with records)
    per school and per district with the cost from the accounts, and every term side by side.
    """
    w = translator(lang)
    records, costs, threshold = _records(wf, round_id)
    autumns = sorted({r.term for r in records if r.term.startswith("HT")}, key=term_key)
    term = f"HT{year}" if year is not None else (autumns[-1] if autumns else "")
    upto = [r for r in records if not term or term_key(r.term) <= term_key(term)]
    total = w.gettext(N_("Total"))
    return Document(
        w.t(N_("December report %(round)s, %(term)s"), round=round_id, term=term or "–"),
        w.t(
            N_(
                "The follow-up of the round up to and including %(term)s: counts per school, "
                "term and gender, never a pupil. Each table is of one term; terms are never "
                "added together."
            ),
            term=term or "–",
        ),
        (
            Section(
                w.t(N_("Per school, %(term)s"), term=term or "–"),
                by_school(upto, term or None, threshold, total),
            ),
            Section(
                w.t(
                    N_("Per district, %(term)s, with the cost from the accounts"), term=term or "–"
                ),
                by_district(upto, costs, term or None, threshold, total),
            ),
            Section(w.gettext(N_("Per term")), by_term(upto, threshold)),
        ),
    )


def analysis_document(wf: Reads, round_id: str, lang: str | None = None) -> Document:
    """The closing comparative analysis: each district's first and last term compared, its
    cost per pupil from the accounts, and every term side by side."""
    w = translator(lang)
    records, costs, threshold = _records(wf, round_id)
    result = analysis(records, costs, threshold)
    return Document(
        w.t(N_("Comparative analysis %(round)s"), round=round_id),
        w.gettext(
            N_(
                "Each project's results in its first and its last term reported, and the change "
                "in percentage points; the cost per pupil enrolled from the accounts."
            )
        ),
        (
            Section(w.gettext(N_("First and last term compared")), analysis=result),
            Section(w.gettext(N_("Per district, the latest term")), result.costs),
            Section(w.gettext(N_("Per term")), by_term(records, threshold)),
        ),
    )


def analysis_rows(result: Analysis, w: Translator | None = None) -> list[list[str]]:
    """Headings, then per district and compared figure: first, last, change."""
    w = w or translator(DEFAULT_LANGUAGE)
    lines = [
        [
            w.gettext(N_("District")),
            w.gettext(N_("Measure")),
            w.gettext(N_("First term")),
            w.gettext(N_("Last term")),
            w.gettext(N_("Change (points)")),
        ]
    ]
    for district, first, last, figures in result.rows:
        for key, heading in COMPARED:
            a, b, change = figures[key]
            lines.append(
                [
                    district,
                    w.gettext(heading),
                    f"{first}: {a.text or '–'}",
                    f"{last}: {b.text or '–'}",
                    change.text or "–",
                ]
            )
    return lines


def _analysis_table(result: Analysis, title: str, w: Translator) -> Table:
    columns = [
        Column(w.gettext(N_("District")), max_width=26),
        Column(w.gettext(N_("Measure")), max_width=30),
        Column(w.gettext(N_("First term")), max_width=12),
        Column(w.gettext(N_("Value")), "percent", max_width=12),
        Column(w.gettext(N_("Last term")), max_width=12),
        Column(w.gettext(N_("Value")), "percent", max_width=12),
        Column(w.gettext(N_("Change (points)")), "percent", max_width=16),
    ]
    body: list[list[Any]] = []
    for district, first, last, figures in result.rows:
        for key, heading in COMPARED:
            cells: list[Any] = [district, w.gettext(heading), first]
            a, b, change = figures[key]
            cells.append(a.value if a.value is not None else (a.text or None))
            cells.append(last)
            cells.append(b.value if b.value is not None else (b.text or None))
            cells.append(change.value if change.value is not None else (change.text or None))
            body.append(cells)
    return Table(title, columns, body, notes=(legend(result, w),))


def xlsx_of(document: Document, lang: str | None = None) -> bytes:
    """The document as a workbook: one sheet a section, numbers as numbers."""
    w = translator(lang)
    sheets: list[tuple[str, Table]] = []
    for i, section in enumerate(document.sections, start=1):
        name = f"{i} {section.title}"[:31].replace(":", " ").replace("/", " ")
        if section.analysis is not None:
            sheets.append((name, _analysis_table(section.analysis, section.title, w)))
        elif section.table is not None:
            sheets.append((name, table_for(section.table, section.title, w)))
    return xlsx_bytes(sheets)

"""The follow-up per school, term and gender (seed 001, seed 004): plausibility and tables.

Pure: no I/O, no clock. Seed 001 (socialnämnden's status report, 2013) says what is followed:

* reach: "antal individer som får insatsen i relation till målgruppens storlek i skolan";
* attendance: "antal timmar olovlig frånvaro för den enskilde eleven", against the school
  year 2011-12 ("den data som finns för läsåret 2011-2012 ger en användbar
  nulägesbeskrivning för varje skola");
* results: "uppföljning av elevens individuella kunskapsmål" and "behörighet till gymnasiet
  när de går ut årskurs 9";
* completion: "antalet oplanerade avhopp";
* experience: "Detta följs genom intervjuer med deltagare", "innan årets slut" and "En
  likvärdig intervju kommer att göras efter sex månader";
* cost: "kostnad per individ som får insatsen", followed "under projekttiden";
* "den redovisning som skolorna kommer att göra månadsvis"; and at the end "en jämförande
  analys av de olika projektens resultat och genomförande".

Seed 004 (2016) reports the follow-up "tre terminers verksamhet": "Cirka 150 barn har varit
inskrivna i projektet och därutöver hade ytterligare 200 barn omfattats av stöd", "andelen
godkända ämnen", "Jämförelsen mellan termin ett och termin 2", by gender ("hos vissa
pojkar"). Seed 003 asks for a "delrapport" to the committee in December.

Choices (listed in the README, "Choices the documents leave open"):

* A term counts in a round when it overlaps the round's period; autumn is 1 August to
  31 December, spring 1 January to 30 June. A term is recorded once it has begun.
* A term has at most six monthly reports from a school.
* Girls and boys are counted where known; the total may hold pupils recorded as neither,
  so girls + boys may be below the total, never above it.
* The latest record for a school and a term counts (a correction replaces it).
* Cost per pupil is what the accounts say was spent (the year-end account, else the latest
  financial report) over the pupils enrolled in the round: per school the largest number
  enrolled in any one term, summed (a pupil enrolled two terms is counted once at most).
* Every table is of one term, or of terms side by side: counts of different terms are never
  added into one total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from events.followup import GENDERED, SchoolCounts
from policies.disclosure import DEFAULT_THRESHOLD, Mark, protect, protect_column, share_shown
from policies.indicators import Figure
from policies.reason import Named, Reason, ReasonCode
from policies.state import ProjectState

__all__ = [
    "ABOVE_TARGET",
    "ABOVE_WHOLE",
    "COLUMNS",
    "FIELD_LABELS",
    "MONTHS_IN_TERM",
    "PARTS_ABOVE_TOTAL",
    "TOTAL_MISSING",
    "Analysis",
    "DistrictCost",
    "FollowUpTable",
    "Row",
    "SchoolTerm",
    "analysis",
    "by_district",
    "by_school",
    "by_term",
    "problems",
    "spent_by_accounts",
    "term_key",
    "term_span",
]


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts
    """Mark a message id for the catalogue; said in a language by the machinery."""
    return message


#: The form's, the CLI's and the reports' name of each field (catalogue message ids).
FIELD_LABELS: dict[str, str] = {
    "term": N_("Term"),
    "target_group": N_("Target group at the school"),
    "target_group_girls": N_("Target group at the school, girls"),
    "target_group_boys": N_("Target group at the school, boys"),
    "enrolled": N_("Pupils enrolled (receiving the intervention)"),
    "enrolled_girls": N_("Pupils enrolled, girls"),
    "enrolled_boys": N_("Pupils enrolled, boys"),
    "supported": N_("Pupils supported besides those enrolled"),
    "supported_girls": N_("Pupils supported besides, girls"),
    "supported_boys": N_("Pupils supported besides, boys"),
    "goals_met": N_("Enrolled pupils who met their knowledge goals"),
    "goals_met_girls": N_("Knowledge goals met, girls"),
    "goals_met_boys": N_("Knowledge goals met, boys"),
    "year9": N_("Enrolled pupils in year 9"),
    "year9_girls": N_("In year 9, girls"),
    "year9_boys": N_("In year 9, boys"),
    "eligible": N_("Of them eligible for upper secondary school"),
    "eligible_girls": N_("Eligible for upper secondary school, girls"),
    "eligible_boys": N_("Eligible for upper secondary school, boys"),
    "dropouts": N_("Unplanned drop-outs"),
    "dropouts_girls": N_("Unplanned drop-outs, girls"),
    "dropouts_boys": N_("Unplanned drop-outs, boys"),
    "subjects_graded": N_("Subjects graded"),
    "subjects_graded_girls": N_("Subjects graded, girls"),
    "subjects_graded_boys": N_("Subjects graded, boys"),
    "subjects_passed": N_("Subjects passed"),
    "subjects_passed_girls": N_("Subjects passed, girls"),
    "subjects_passed_boys": N_("Subjects passed, boys"),
    "absence_hours": N_("Unauthorised absence (hours)"),
    "absence_hours_girls": N_("Unauthorised absence (hours), girls"),
    "absence_hours_boys": N_("Unauthorised absence (hours), boys"),
    "baseline_absence_hours": N_("Absence 2011–12 (hours)"),
    "interviewed_start": N_("Participants interviewed at the start"),
    "interviewed_six_months": N_("Participants interviewed after six months"),
    "positive_six_months": N_("Of them finding the intervention positive"),
    "months_reported": N_("Monthly reports from the school"),
}

#: Reasons a count cannot be (said beside its field on the web, one line on the CLI).
ABOVE_TARGET = ReasonCode("follow_up.above_target_group", "school", "enrolled", "target")
PARTS_ABOVE_TOTAL = ReasonCode("follow_up.parts_above_total", "measure", "parts", "total")
ABOVE_WHOLE = ReasonCode("follow_up.above_whole", "measure", "value", "whole", "count")
TOTAL_MISSING = ReasonCode("follow_up.total_missing", "measure")
MONTHS_OVER = ReasonCode("follow_up.months_over_term", "months", "most")

#: Choice: a term is at most six months (spring, January to June), so at most six reports.
MONTHS_IN_TERM = 6

#: A count that is a part of another (value <= whole): (part, whole).
_PARTS: tuple[tuple[str, str], ...] = (
    ("goals_met", "enrolled"),
    ("year9", "enrolled"),
    ("eligible", "year9"),
    ("dropouts", "enrolled"),
    ("subjects_passed", "subjects_graded"),
)


def _measure(name: str) -> Named:
    return Named("measure", FIELD_LABELS[name])


def problems(counts: SchoolCounts) -> dict[str, Reason]:
    """Each field whose count cannot be, with why (empty: plausible). Counts that cannot be:
    more enrolled than the target group (in all, among girls, among boys), girls and boys
    above their total, a part above its whole (goals met or drop-outs above the enrolled,
    eligible above those in year 9, subjects passed above those graded, positive answers
    above those interviewed), a gendered count with no total, more than six monthly reports.
    """
    found: dict[str, Reason] = {}

    def get(name: str) -> int | None:
        value: int | None = getattr(counts, name)  # every count is a whole number or None
        return value

    for name in GENDERED:
        total, girls, boys = get(name), get(f"{name}_girls"), get(f"{name}_boys")
        if total is None and (girls is not None or boys is not None):
            found.setdefault(name, TOTAL_MISSING(measure=_measure(name)))
        elif total is not None and (girls or 0) + (boys or 0) > total:
            where = f"{name}_girls" if girls is not None else f"{name}_boys"
            found.setdefault(
                where,
                PARTS_ABOVE_TOTAL(
                    measure=_measure(name), parts=(girls or 0) + (boys or 0), total=total
                ),
            )
    for suffix in ("", "_girls", "_boys"):
        enrolled, target = get(f"enrolled{suffix}"), get(f"target_group{suffix}")
        if enrolled is not None and target is not None and enrolled > target:
            found.setdefault(
                f"enrolled{suffix}",
                ABOVE_TARGET(school=counts.school, enrolled=enrolled, target=target),
            )
        for part, named_whole in _PARTS:
            whole = named_whole
            value, of = get(f"{part}{suffix}"), get(f"{whole}{suffix}")
            if part == "eligible" and of is None:
                whole, of = "enrolled", get(f"enrolled{suffix}")
            if value is not None and of is not None and value > of:
                found.setdefault(
                    f"{part}{suffix}",
                    ABOVE_WHOLE(
                        measure=_measure(f"{part}{suffix}"),
                        value=value,
                        whole=_measure(f"{whole}{suffix}"),
                        count=of,
                    ),
                )
    enrolled = counts.enrolled
    for name, whole, of in (
        ("interviewed_start", "enrolled", enrolled),
        ("interviewed_six_months", "enrolled", enrolled),
        ("positive_six_months", "interviewed_six_months", counts.interviewed_six_months or 0),
    ):
        value = get(name)
        if value is not None and value > of:
            found.setdefault(
                name,
                ABOVE_WHOLE(measure=_measure(name), value=value, whole=_measure(whole), count=of),
            )
    months = counts.months_reported
    if months is not None and months > MONTHS_IN_TERM:
        found.setdefault("months_reported", MONTHS_OVER(months=months, most=MONTHS_IN_TERM))
    return found


# -- terms -------------------------------------------------------------------------------------


def term_span(term: str) -> tuple[date, date]:
    """The days of a term: ``HT2014`` 2014-08-01..2014-12-31, ``VT2015`` 2015-01-01..06-30."""
    year = int(term[2:])
    if term.startswith("HT"):
        return date(year, 8, 1), date(year, 12, 31)
    return date(year, 1, 1), date(year, 6, 30)


def term_key(term: str) -> date:
    """Terms in time order (spring before autumn of the same year): by their first day."""
    first, _ = term_span(term)
    return first


def spent_by_accounts(project: ProjectState) -> int | None:
    """What the project's accounts say it spent: the year-end account's, else the latest
    financial report's (the final one before T2's); None before any."""
    if project.year_end_account is not None:
        spent: int = project.year_end_account.event.spent_sek
        return spent
    for kind in ("final", "t2"):
        report = project.financial_reports.get(kind)
        if report is not None:
            found: int = report.event.spent_sek
            return found
    return None


# -- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchoolTerm:
    """One school's latest record for one term, with its district."""

    district: str
    school: str
    term: str
    counts: SchoolCounts


@dataclass(frozen=True, slots=True)
class DistrictCost:
    """What a project's accounts say it spent (None: no account or report yet)."""

    district: str
    spent_sek: int | None


#: The columns of a follow-up table: (key, heading message id, kind for spreadsheets).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("target_group", N_("Target group"), "count"),
    ("enrolled", N_("Enrolled"), "count"),
    ("enrolled_girls", N_("Enrolled, girls"), "count"),
    ("enrolled_boys", N_("Enrolled, boys"), "count"),
    ("reach_percent", N_("Reach %"), "percent"),
    ("supported", N_("Supported besides"), "count"),
    ("goals_met", N_("Knowledge goals met"), "count"),
    ("goals_met_percent", N_("Knowledge goals met %"), "percent"),
    ("year9", N_("Year 9"), "count"),
    ("eligible", N_("Eligible for upper secondary"), "count"),
    ("eligible_percent", N_("Eligible %"), "percent"),
    ("dropouts", N_("Unplanned drop-outs"), "count"),
    ("subjects_passed_percent", N_("Subjects passed %"), "percent"),
    ("subjects_passed_percent_girls", N_("Subjects passed %, girls"), "percent"),
    ("subjects_passed_percent_boys", N_("Subjects passed %, boys"), "percent"),
    ("absence_hours", N_("Unauthorised absence (hours)"), "decimal"),
    ("baseline_absence_hours", N_("Absence 2011–12 (hours)"), "decimal"),
    ("absence_change_percent", N_("Change in absence %"), "percent"),
    ("interviewed_start", N_("Interviewed at the start"), "count"),
    ("interviewed_six_months", N_("Interviewed after six months"), "count"),
    ("positive_percent", N_("Positive after six months %"), "percent"),
    ("months_reported", N_("Monthly reports"), "count"),
)
#: With a district's money: what its accounts say was spent, and per pupil enrolled.
COST_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("spent_sek", N_("Spent according to the accounts (SEK)"), "kronor"),
    ("pupils_in_round", N_("Pupils enrolled in the round"), "count"),
    ("cost_per_pupil_sek", N_("Cost per pupil enrolled (SEK)"), "kronor"),
)

#: Counts of pupils shown with their girls and boys (protected with their rest).
_BY_GENDER = ("enrolled",)
#: Counts of pupils shown as one column each.
_PUPILS = (
    "target_group",
    "supported",
    "goals_met",
    "year9",
    "eligible",
    "dropouts",
    "interviewed_start",
    "interviewed_six_months",
)
_UNKNOWN = Figure(None, "")


@dataclass(frozen=True, slots=True)
class Row:
    """A line of a table: its label(s) and a figure per column key."""

    labels: tuple[str, ...]
    is_total: bool
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FollowUpTable:
    """A follow-up table as it may leave the store: small counts suppressed."""

    #: What the rows are: "school" (one term), "term" or "district" (one term).
    by: str
    #: The term of a one-term table ("" for the table by term).
    term: str
    threshold: int
    rows: tuple[Row, ...]
    columns: tuple[tuple[str, str, str], ...] = COLUMNS

    @property
    def suppressed(self) -> int:
        return sum(1 for row in self.rows for f in row.figures.values() if f.suppressed)


def _sum(records: Iterable[SchoolCounts], name: str) -> int | None:
    values = [v for r in records if isinstance(v := getattr(r, name), int)]
    return sum(values) if values else None


def _figure(protected_text: str, value: int, mark: Mark) -> Figure:
    if mark is Mark.shown:
        return Figure(value, protected_text)
    return Figure(None, protected_text, "small" if mark is Mark.small else "hidden")


def _protect_column(values: list[int | None], total: bool, threshold: int) -> list[Figure]:
    """One count per line (and their total last when ``total``): small ones suppressed, and a
    cell that would give one away hidden."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    figures = [_UNKNOWN] * (len(values) + (1 if total else 0))
    if not known:
        return figures
    p = protect_column([v for _, v in known], threshold, total=total)
    lines = [i for i, _ in known] + ([len(values)] if total else [])
    for line, i in enumerate(lines):
        figures[i] = _figure(p.text(line, 0), p.cells[line][0], p.marks[line][0])
    return figures


def _protect_gender(
    records: list[list[SchoolCounts]], name: str, total: bool, threshold: int
) -> list[tuple[Figure, Figure, Figure]]:
    """(total, girls, boys) per line (and of the total line): the girls, the boys and the rest
    (neither, or not known) are one table with row totals, so a small one cannot be worked
    out from the others."""
    sums = [(_sum(r, name), _sum(r, f"{name}_girls"), _sum(r, f"{name}_boys")) for r in records]
    out: list[tuple[Figure, Figure, Figure]] = [(_UNKNOWN, _UNKNOWN, _UNKNOWN)] * (
        len(sums) + (1 if total else 0)
    )
    known = [(i, s) for i, s in enumerate(sums) if s[0] is not None]
    if not known:
        return out
    grid = [[g or 0, b or 0, (t or 0) - (g or 0) - (b or 0)] for _, (t, g, b) in known]
    p = protect(grid, column_totals=total, threshold=threshold)  # with row totals (the default)
    lines = [i for i, _ in known] + ([len(sums)] if total else [])
    girls_known = {i for i, s in known if s[1] is not None}
    boys_known = {i for i, s in known if s[2] is not None}
    for line, i in enumerate(lines):
        t_fig = _figure(p.text(line, 3), p.cells[line][3], p.marks[line][3])
        g_fig = _figure(p.text(line, 0), p.cells[line][0], p.marks[line][0])
        b_fig = _figure(p.text(line, 1), p.cells[line][1], p.marks[line][1])
        is_total = i == len(sums)
        out[i] = (
            t_fig,
            g_fig if (is_total and girls_known) or i in girls_known else _UNKNOWN,
            b_fig if (is_total and boys_known) or i in boys_known else _UNKNOWN,
        )
    return out


def _share(part: int | None, whole: int | None, pupils: Figure, threshold: int) -> Figure:
    """part / whole in percent, one decimal: shown only when the pupils it is about are shown
    and at least ``threshold``."""
    if part is None or whole is None or not whole:
        return _UNKNOWN
    if pupils.value is None or not share_shown(int(pupils.value), threshold):
        return Figure(None, "..", "hidden")
    share = round(100 * part / whole, 1)
    return Figure(share, f"{share:.1f}")


def _ratio(numerator: Figure, denominator: Figure, threshold: int) -> Figure:
    if numerator.value is None or denominator.value is None:
        hidden = bool(numerator.suppressed or denominator.suppressed)
        return Figure(None, ".." if hidden else "", "hidden" if hidden else "")
    if not share_shown(int(denominator.value), threshold):  # 0 too: never below 3
        return Figure(None, "..", "hidden")
    share = round(100 * numerator.value / denominator.value, 1)
    return Figure(share, f"{share:.1f}")


def _table(
    by: str,
    term: str,
    lines: Sequence[tuple[tuple[str, ...], list[SchoolCounts]]],
    total: tuple[str, ...] | None,
    threshold: int,
) -> FollowUpTable:
    return FollowUpTable(by, term, threshold, _rows(lines, total, threshold))


def _rows(
    lines: Sequence[tuple[tuple[str, ...], list[SchoolCounts]]],
    total: tuple[str, ...] | None,
    threshold: int,
) -> tuple[Row, ...]:
    """A line per (labels, records), and their total (labelled ``total``) unless None."""
    groups = [records for _, records in lines]
    with_total = total is not None
    # Column by column, one figure per line and the total last (read line by line below).
    columns: dict[str, list[Figure]] = {}
    for name in _BY_GENDER:
        genders = _protect_gender(groups, name, with_total, threshold)
        columns[name] = [t for t, _, _ in genders]
        columns[f"{name}_girls"] = [g for _, g, _ in genders]
        columns[f"{name}_boys"] = [b for _, _, b in genders]
    for name in _PUPILS:
        values = [_sum(records, name) for records in groups]
        columns[name] = _protect_column(values, with_total, threshold)
    rows = [Row(labels, False) for labels, _ in lines]
    if total is not None:
        rows.append(Row(total, True))
        groups.append([r for records in groups for r in records])
    for line, row in enumerate(rows):
        records = groups[line]
        f = row.figures
        f.update({key: figures[line] for key, figures in columns.items()})
        enrolled = f["enrolled"]
        f["reach_percent"] = _ratio(enrolled, f["target_group"], threshold)
        f["goals_met_percent"] = _ratio(f["goals_met"], enrolled, threshold)
        f["eligible_percent"] = _ratio(f["eligible"], f["year9"], threshold)
        for suffix in ("", "_girls", "_boys"):
            f[f"subjects_passed_percent{suffix}"] = _share(
                _sum(records, f"subjects_passed{suffix}"),
                _sum(records, f"subjects_graded{suffix}"),
                f[f"enrolled{suffix}"],
                threshold,
            )
        hours, baseline = _sum(records, "absence_hours"), _sum(records, "baseline_absence_hours")
        shown = enrolled.value is not None and share_shown(int(enrolled.value), threshold)
        for key, value in (("absence_hours", hours), ("baseline_absence_hours", baseline)):
            f[key] = (
                _UNKNOWN
                if value is None
                else Figure(value, str(value))
                if shown
                else Figure(None, "..", "hidden")
            )
        f["absence_change_percent"] = (
            _UNKNOWN
            if hours is None or not baseline
            else Figure(None, "..", "hidden")
            if not shown
            else Figure(
                round(100 * (hours - baseline) / baseline, 1),
                f"{round(100 * (hours - baseline) / baseline, 1):+.1f}",
            )
        )
        f["positive_percent"] = _share(
            _sum(records, "positive_six_months"),
            _sum(records, "interviewed_six_months"),
            f["interviewed_six_months"],
            threshold,
        )
        months = _sum(records, "months_reported")
        f["months_reported"] = _UNKNOWN if months is None else Figure(months, str(months))
    return tuple(rows)


def _latest_term(records: Sequence[SchoolTerm]) -> str:
    return max((r.term for r in records), key=term_key, default="")


def by_school(
    records: Sequence[SchoolTerm],
    term: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    total_label: str = "Total",
) -> FollowUpTable:
    """One line per school (with its district) for one term (the latest with records unless
    named), and their total: one term, so nothing of another period is added in."""
    chosen = term or _latest_term(records)
    mine = sorted((r for r in records if r.term == chosen), key=lambda r: (r.district, r.school))
    lines = [((r.district, r.school), [r.counts]) for r in mine]
    return _table("school", chosen, lines, ("", total_label) if lines else None, threshold)


def by_term(records: Sequence[SchoolTerm], threshold: int = DEFAULT_THRESHOLD) -> FollowUpTable:
    """One line per term, each the sum over the schools that reported that term; no total
    over terms (the same pupils are counted in several terms)."""
    terms = sorted({r.term for r in records}, key=term_key)
    lines = [((t,), [r.counts for r in records if r.term == t]) for t in terms]
    return _table("term", "", lines, None, threshold)


def by_district(
    records: Sequence[SchoolTerm],
    costs: Sequence[DistrictCost],
    term: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    total_label: str = "Total",
) -> FollowUpTable:
    """One line per district for one term (its schools added up) and their total, with what
    each district's accounts say was spent and the cost per pupil enrolled in the round."""
    chosen = term or _latest_term(records)
    districts = sorted({r.district for r in records} | {c.district for c in costs})
    lines = [
        ((d,), [r.counts for r in records if r.district == d and r.term == chosen])
        for d in districts
    ]
    lines = [line for line in lines if line[1]]
    if not lines:  # no school has reported: an empty table, with its columns
        return FollowUpTable("district", chosen, threshold, (), (*COLUMNS, *COST_COLUMNS))
    rows = _rows(lines, (total_label,), threshold)
    spent = {c.district: c.spent_sek for c in costs}
    pupils: list[int | None] = []
    for (district,), _ in lines:
        largest: dict[str, int] = {}
        for r in records:
            if r.district == district:
                largest[r.school] = max(largest.get(r.school, 0), r.counts.enrolled)
        pupils.append(sum(largest.values()))  # a district has a line only with a record
    pupil_figures = _protect_column(pupils, True, threshold)
    known_spent = [spent.get(d) for (d,), _ in lines]
    total_spent = (
        sum(s for s in known_spent if s is not None)
        if all(s is not None for s in known_spent)
        else None
    )
    spent_by_line = [*known_spent, total_spent]
    for line, row in enumerate(rows):
        money, count = spent_by_line[line], pupil_figures[line]
        row.figures["spent_sek"] = _UNKNOWN if money is None else Figure(money, str(money))
        row.figures["pupils_in_round"] = count
        if money is None or count.value is None:
            hidden = bool(count.suppressed)
            row.figures["cost_per_pupil_sek"] = Figure(
                None, ".." if hidden else "", "hidden" if hidden else ""
            )
        elif not share_shown(int(count.value), threshold):  # 0 too: never below 3
            row.figures["cost_per_pupil_sek"] = Figure(None, "..", "hidden")
        else:
            kronor = round(money / count.value)
            row.figures["cost_per_pupil_sek"] = Figure(kronor, f"{kronor:,}".replace(",", " "))
    return FollowUpTable("district", chosen, threshold, rows, columns=(*COLUMNS, *COST_COLUMNS))


# -- the closing comparative analysis ----------------------------------------------------------

#: What the analysis compares between a project's first and last term (key, heading).
COMPARED: tuple[tuple[str, str], ...] = (
    ("reach_percent", N_("Reach %")),
    ("goals_met_percent", N_("Knowledge goals met %")),
    ("eligible_percent", N_("Eligible %")),
    ("subjects_passed_percent", N_("Subjects passed %")),
    ("subjects_passed_percent_girls", N_("Subjects passed %, girls")),
    ("subjects_passed_percent_boys", N_("Subjects passed %, boys")),
    ("absence_change_percent", N_("Change in absence %")),
    ("positive_percent", N_("Positive after six months %")),
)


@dataclass(frozen=True, slots=True)
class Analysis:
    """Each district's first and last term side by side, with the change, and its cost."""

    threshold: int
    #: district, first term, last term, {key: (first, last, change)}
    rows: tuple[tuple[str, str, str, dict[str, tuple[Figure, Figure, Figure]]], ...]
    costs: FollowUpTable


def analysis(
    records: Sequence[SchoolTerm],
    costs: Sequence[DistrictCost],
    threshold: int = DEFAULT_THRESHOLD,
) -> Analysis:
    """The comparative analysis at the end (seed 001): per district, each share in its first
    and its last term and the change in percentage points, shown only where both are."""
    rows = []
    for district in sorted({r.district for r in records}):
        mine = [r for r in records if r.district == district]
        terms = sorted({r.term for r in mine}, key=term_key)
        first, last = terms[0], terms[-1]
        figures = {}
        tables = {}
        for t in {first, last}:
            (row,) = _rows(
                [((district,), [r.counts for r in mine if r.term == t])], None, threshold
            )
            tables[t] = row.figures
        for key, _ in COMPARED:
            a, b = tables[first][key], tables[last][key]
            if a.value is None or b.value is None or first == last:
                change = Figure(None, ".." if a.suppressed or b.suppressed else "")
                change = Figure(None, change.text, "hidden" if change.text else "")
            else:
                # Both shares are in tenths: so is the change, exactly (no float left over).
                delta = (round(10 * b.value) - round(10 * a.value)) / 10
                change = Figure(delta, f"{delta:+.1f}")
            figures[key] = (a, b, change)
        rows.append((district, first, last, figures))
    return Analysis(threshold, tuple(rows), by_district(records, costs, None, threshold))

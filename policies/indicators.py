"""Follow-up indicators (seed 001) added up per district and in total, small numbers suppressed.

Pure: no I/O. Each district's latest follow-up gives its counts; the counts of pupils go
through :mod:`policies.disclosure` (one column per measure, districts and their total), and a
figure derived from a count (reach, attendance change, cost per pupil reached) is shown only
when every count it is made from is shown and its denominator is at least the threshold, so
no derived figure gives a suppressed count away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from events.reporting import FollowUpIndicators
from policies.disclosure import DEFAULT_THRESHOLD, Mark, protect_column, share_shown

__all__ = [
    "COUNTS",
    "DERIVED",
    "DistrictFigures",
    "Figure",
    "IndicatorReport",
    "IndicatorRow",
    "indicator_report",
]

#: Counts of pupils: suppressed when small. (key, the follow-up's field)
COUNTS: tuple[tuple[str, str], ...] = (
    ("target_group", "target_group_size"),
    ("reached", "pupils_reached"),
    ("knowledge_goals_met", "pupils_with_knowledge_goals_met"),
    ("dropouts", "unplanned_dropouts"),
)
#: Hours and kronor: not counts of pupils, shown as they are (derived figures are checked).
AMOUNTS: tuple[tuple[str, str], ...] = (
    ("absence_hours", "unauthorised_absence_hours"),
    ("baseline_absence_hours", "baseline_absence_hours"),
    ("cost_sek", "cost_sek"),
)
DERIVED = ("reach_percent", "attendance_change_percent", "cost_per_pupil_reached_sek")


@dataclass(frozen=True, slots=True)
class DistrictFigures:
    """A district's latest follow-up in the round."""

    district: str
    kind: str
    indicators: FollowUpIndicators
    #: The period the follow-up covers (None: not known; totalled with the others).
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """One number as it may leave the store: ``value`` None when not shown (or not known)."""

    value: int | float | None
    text: str
    #: "small" ("<5"), "hidden" (complementary or derived from a suppressed count), or "".
    suppressed: str = ""


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    label: str
    is_total: bool
    figures: dict[str, Figure] = field(default_factory=dict)
    #: A total's period, when the report has follow-ups of more than one ("" otherwise).
    period: str = ""


@dataclass(frozen=True, slots=True)
class IndicatorReport:
    round_id: str
    threshold: int
    rows: tuple[IndicatorRow, ...]

    @property
    def suppressed(self) -> int:
        return sum(1 for row in self.rows for f in row.figures.values() if f.suppressed)


_UNKNOWN = Figure(None, "")


def _count_figures(
    values: list[int | None], threshold: int
) -> list[Figure]:  # one per district, then the total
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    figures = [_UNKNOWN] * (len(values) + 1)
    if not known:
        return figures
    protected = protect_column([v for _, v in known], threshold)
    lines = [i for i, _ in known] + [len(values)]  # the total is the last line
    for line, i in enumerate(lines):
        mark = protected.marks[line][0]
        shown = mark is Mark.shown
        figures[i] = Figure(
            protected.cells[line][0] if shown else None,
            protected.text(line, 0),
            "" if shown else ("small" if mark is Mark.small else "hidden"),
        )
    return figures


def _percent(part: float, whole: float) -> Figure:
    share = round(100 * part / whole, 1)  # one decimal
    return Figure(share, f"{share:.1f}")


def _kronor_each(kronor_sek: float, pupils: float) -> Figure:
    kronor = round(kronor_sek / pupils)  # whole kronor
    return Figure(kronor, f"{kronor:,}".replace(",", " "))


def _ratio(
    numerator: Figure,
    denominator: Figure,
    threshold: int,
    shown_as: Callable[[float, float], Figure],
) -> Figure:
    if numerator.value is None or denominator.value is None:
        hidden = bool(numerator.suppressed or denominator.suppressed)
        return Figure(None, ".." if hidden else "", "hidden" if hidden else "")
    if not share_shown(int(denominator.value), threshold):
        return Figure(None, "..", "hidden")
    return shown_as(numerator.value, denominator.value)


def _attendance_change(hours: Figure, baseline: Figure, target: Figure, threshold: int) -> Figure:
    if hours.value is None or baseline.value is None or not baseline.value:
        return _UNKNOWN
    if target.value is None or not share_shown(int(target.value), threshold):
        return Figure(None, "..", "hidden")
    value = round(100 * (hours.value - baseline.value) / baseline.value, 1)
    return Figure(value, f"{value:+.1f}")


def indicator_report(
    round_id: str,
    districts: Sequence[DistrictFigures],
    threshold: int = DEFAULT_THRESHOLD,
    total_label: str = "Totalt",
) -> IndicatorReport:
    """Per district (in the order given) and in total: counts suppressed, figures derived.

    Follow-ups of different kinds or periods (an annual one for the year, a T2 one for half
    of it) are never added up: each kind and period has its own districts and total, in
    the order first given."""
    groups: dict[tuple[str, date | None, date | None], list[DistrictFigures]] = {}
    for d in districts:
        groups.setdefault((d.kind, d.period_start, d.period_end), []).append(d)
    if len(groups) <= 1:
        return IndicatorReport(round_id, threshold, _rows(districts, threshold, total_label, ""))
    rows: list[IndicatorRow] = []
    for (_, start, end), members in groups.items():
        period = f"{start}–{end}" if start and end else ""
        rows.extend(_rows(members, threshold, total_label, period))
    return IndicatorReport(round_id, threshold, tuple(rows))


def _rows(
    districts: Sequence[DistrictFigures],
    threshold: int,
    total_label: str,
    period: str,
) -> tuple[IndicatorRow, ...]:
    # Column by column, one figure per district and the total last (line by line below).
    columns: dict[str, list[Figure]] = {}
    for key, name in COUNTS:
        values: list[int | None] = [getattr(d.indicators, name) for d in districts]
        columns[key] = _count_figures(values, threshold)
    for key, name in AMOUNTS:
        amounts: list[int | None] = [getattr(d.indicators, name) for d in districts]
        known = [a for a in amounts if a is not None]
        columns[key] = [
            _UNKNOWN if amount is None else Figure(amount, str(amount))
            for amount in [*amounts, sum(known) if known else None]
        ]
    rows = [IndicatorRow(d.district, False) for d in districts]
    rows.append(IndicatorRow(total_label, True, period=period))
    for line, row in enumerate(rows):
        f = row.figures
        f.update({key: figures[line] for key, figures in columns.items()})
        f["reach_percent"] = _ratio(f["reached"], f["target_group"], threshold, _percent)
        f["attendance_change_percent"] = _attendance_change(
            f["absence_hours"], f["baseline_absence_hours"], f["target_group"], threshold
        )
        f["cost_per_pupil_reached_sek"] = _ratio(
            f["cost_sek"], f["reached"], threshold, _kronor_each
        )
    return tuple(rows)

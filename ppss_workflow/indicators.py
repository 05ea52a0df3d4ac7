"""Follow-up indicators as they leave the store: read, suppressed, written (table data, csv,
json, xlsx) and drawn (a chart per round; suppressed values are not drawn)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from events.reporting import FollowUpIndicators
from policies.disclosure import DEFAULT_THRESHOLD
from policies.indicators import DistrictFigures, IndicatorReport, indicator_report
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from ppss_workflow.readmodels import Reads
from ppss_workflow.sheets import Column, Kind, Table, write_csv, write_csv_sv, xlsx_bytes

__all__ = [
    "COLUMNS",
    "DisclosureSettings",
    "as_csv",
    "as_csv_sv",
    "as_json",
    "draw_chart",
    "read_report",
    "table",
    "write_xlsx",
]

#: The report's columns: (key, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("target_group", N_("Target group")),
    ("reached", N_("Pupils reached")),
    ("reach_percent", N_("Reach %")),
    ("knowledge_goals_met", N_("Knowledge goals met")),
    ("dropouts", N_("Unplanned drop-outs")),
    ("absence_hours", N_("Unauthorised absence (hours)")),
    ("baseline_absence_hours", N_("Absence 2011–12 (hours)")),
    ("attendance_change_percent", N_("Change in absence %")),
    ("cost_sek", N_("Cost (SEK)")),
    ("cost_per_pupil_reached_sek", N_("Cost per pupil reached (SEK)")),
)


class DisclosureSettings(BaseSettings):
    """``PPSS_DISCLOSURE_THRESHOLD``: counts below it (and above 0) are not shown (5)."""

    model_config = SettingsConfigDict(env_prefix="PPSS_DISCLOSURE_", extra="ignore")

    threshold: int = DEFAULT_THRESHOLD


def _threshold(settings: DisclosureSettings | None) -> int:
    threshold = (settings or DisclosureSettings()).threshold
    if threshold < 3:
        raise ConfigurationError(
            f"PPSS_DISCLOSURE_THRESHOLD={threshold}: use 3 or more (5 is the usual rule)"
        )
    return threshold


def legend(report: IndicatorReport, words: Translator) -> str:
    """What the marks mean, in the reader's language."""
    return words.t(
        N_(
            "<%(n)d: fewer than %(n)d pupils; ..: not shown, so that no single pupil can be "
            "worked out (%(cells)d cells)"
        ),
        n=report.threshold,
        cells=report.suppressed,
    )


def read_report(
    wf: Reads, round_id: str, settings: DisclosureSettings | None = None
) -> IndicatorReport:
    """Each district's latest follow-up (the annual one where there is one, else T2)."""
    districts: list[DistrictFigures] = []
    for view in wf.projects(round_id):
        state = view.state
        chosen = state.follow_ups.get("annual") or state.follow_ups.get("t2")
        if chosen is None or state.district is None:
            continue
        indicators: FollowUpIndicators = chosen.event.indicators
        districts.append(DistrictFigures(state.district, chosen.event.kind, indicators))
    districts.sort(key=lambda d: d.district)
    return indicator_report(round_id, districts, _threshold(settings), total_label="Total")


def rows(report: IndicatorReport, words: Translator | None = None) -> list[list[str]]:
    """Heading and one line per district and the total, as text ("<5", ".." suppressed)."""
    w = words or translator(DEFAULT_LANGUAGE)
    lines = [[w.gettext(N_("District")), *(w.gettext(heading) for _, heading in COLUMNS)]]
    for row in report.rows:
        label = w.gettext(N_("Total")) if row.is_total else row.label
        lines.append([label, *(row.figures[key].text or "–" for key, _ in COLUMNS)])
    return lines


def as_json(report: IndicatorReport) -> dict[str, Any]:
    return {
        "round": report.round_id,
        "threshold": report.threshold,
        "suppressed_cells": report.suppressed,
        "rows": [
            {
                "district": None if row.is_total else row.label,
                "total": row.is_total,
                **{key: row.figures[key].value for key, _ in COLUMNS},
                "shown_as": {key: row.figures[key].text for key, _ in COLUMNS},
            }
            for row in report.rows
        ],
    }


#: What each column's numbers are, for spreadsheets (kronor, counts, one-decimal shares).
KINDS: dict[str, Kind] = {
    "target_group": "count",
    "reached": "count",
    "reach_percent": "percent",
    "knowledge_goals_met": "count",
    "dropouts": "count",
    "absence_hours": "decimal",
    "baseline_absence_hours": "decimal",
    "attendance_change_percent": "percent",
    "cost_sek": "kronor",
    "cost_per_pupil_reached_sek": "kronor",
}


def table(report: IndicatorReport, words: Translator | None = None) -> Table:
    """The report as a table of numbers: a shown figure is its number, a suppressed one its
    mark (``<5``, ``..``) as text, a missing one empty; the total row last; the legend under it.
    """
    w = words or translator(DEFAULT_LANGUAGE)
    columns = [Column(w.gettext(N_("District")), max_width=26)] + [
        Column(w.gettext(heading), KINDS[key], max_width=22) for key, heading in COLUMNS
    ]
    body: list[list[Any]] = []
    for row in report.rows:
        label = w.gettext(N_("Total")) if row.is_total else row.label
        cells: list[Any] = [label]
        for key, _ in COLUMNS:
            figure = row.figures[key]
            cells.append(figure.value if figure.value is not None else (figure.text or None))
        body.append(cells)
    title = w.t(N_("Follow-up %(round)s"), round=report.round_id)
    return Table(title, columns, body, notes=(legend(report, w),))


def as_csv(report: IndicatorReport, words: Translator | None = None) -> str:
    """The machine form: ``,`` and ``.``; numbers as numbers, a negative one too."""
    out = io.StringIO()
    write_csv(table(report, words), out)
    return out.getvalue()


def as_csv_sv(report: IndicatorReport, words: Translator | None = None) -> bytes:
    """The form a Swedish Excel opens by double-click (see :mod:`ppss_workflow.sheets`)."""
    out = io.BytesIO()
    write_csv_sv(table(report, words), out)
    return out.getvalue()


def write_xlsx(report: IndicatorReport, path: Path, words: Translator | None = None) -> None:
    """One sheet: numbers as numbers in Swedish formats, the marks as text, the legend."""
    path.write_bytes(xlsx_bytes([("Indikatorer", table(report, words))]))


_CHARTS: tuple[tuple[str, str], ...] = (
    ("reach_percent", N_("Reach (reached ÷ target group), %")),
    ("attendance_change_percent", N_("Change in unauthorised absence against 2011–12, %")),
    ("dropouts", N_("Unplanned drop-outs")),
    ("cost_per_pupil_reached_sek", N_("Cost per pupil reached, SEK")),
)


def draw_chart(report: IndicatorReport, path: Path, words: Translator | None = None) -> int:
    """Four bar charts (per district and in total) to ``path`` (.svg or .png); a suppressed
    or unknown value is not drawn but marked. Returns the number of bars drawn."""
    if path.suffix.lower() not in (".svg", ".png"):
        raise ConfigurationError(f"--chart {path}: the chart is a .svg or .png file")
    import matplotlib  # noqa: PLC0415 - only charts need matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415

    w = words or translator(DEFAULT_LANGUAGE)
    labels = [w.gettext(N_("Total")) if row.is_total else row.label for row in report.rows]
    figure, axes = plt.subplots(2, 2, figsize=(12, 8))
    drawn = 0
    for axis, (key, title) in zip(axes.flat, _CHARTS, strict=True):
        figures = [row.figures[key] for row in report.rows]
        for x, f in enumerate(figures):
            if f.value is None:
                axis.text(x, 0, f.text or "–", ha="center", va="bottom", fontsize=9)
                continue
            colour = "#555555" if report.rows[x].is_total else "#1f6fb4"
            axis.bar(x, f.value, color=colour)
            drawn += 1
        axis.set_title(w.gettext(title), fontsize=10)
        axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        axis.axhline(0, color="black", linewidth=0.5)
    figure.suptitle(
        w.t(N_("Follow-up %(round)s"), round=report.round_id) + f" — {legend(report, w)}"
    )
    figure.tight_layout()
    figure.savefig(path, format=path.suffix.lower().lstrip("."))
    plt.close(figure)
    return drawn

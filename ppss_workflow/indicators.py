"""Follow-up indicators as they leave the store: read, suppressed, written (table data, csv,
json, xlsx) and drawn (a chart per round; suppressed values are not drawn)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from events.reporting import FollowUpIndicators
from policies.disclosure import DEFAULT_THRESHOLD
from policies.indicators import DistrictFigures, IndicatorReport, indicator_report
from ppss_workflow.errors import ConfigurationError
from ppss_workflow.export import cell_text
from ppss_workflow.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from ppss_workflow.readmodels import Reads

__all__ = [
    "COLUMNS",
    "DisclosureSettings",
    "as_csv",
    "as_json",
    "draw_chart",
    "read_report",
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


def as_csv(report: IndicatorReport, words: Translator | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in rows(report, words):
        writer.writerow([cell_text(cell) for cell in line])
    return out.getvalue()


def write_xlsx(report: IndicatorReport, path: Path, words: Translator | None = None) -> None:
    from openpyxl import Workbook  # noqa: PLC0415 - only this output needs openpyxl

    book = Workbook()
    sheet = book.active
    sheet.title = "Indikatorer"
    w = words or translator(DEFAULT_LANGUAGE)
    for line in rows(report, w):
        sheet.append([cell_text(cell, quote=False) for cell in line])
    sheet.append([])
    sheet.append([legend(report, w)])
    book.save(path)


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

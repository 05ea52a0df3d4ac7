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
from ppss_workflow.errors import CHART_FILE, DISCLOSURE_THRESHOLD, ConfigurationError
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
            f"PPSS_DISCLOSURE_THRESHOLD={threshold}: use 3 or more (5 is the usual rule)",
            reason=DISCLOSURE_THRESHOLD(threshold=str(threshold)),
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
        event = chosen.event
        districts.append(
            DistrictFigures(
                state.district, event.kind, indicators, event.period_start, event.period_end
            )
        )
    districts.sort(key=lambda d: d.district)
    return indicator_report(round_id, districts, _threshold(settings), total_label="Total")


def rows(report: IndicatorReport, words: Translator | None = None) -> list[list[str]]:
    """Heading and one line per district and the total, as text ("<5", ".." suppressed)."""
    w = words or translator(DEFAULT_LANGUAGE)
    lines = [[w.gettext(N_("District")), *(w.gettext(heading) for _, heading in COLUMNS)]]
    for row in report.rows:
        label = w.gettext(N_("Total")) if row.is_total else row.label
        if row.period:
            label = f"{label} {row.period}"
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
                "period": row.period or None,
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
        if row.period:
            label = f"{label} {row.period}"
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
    w = words or translator(DEFAULT_LANGUAGE)
    path.write_bytes(xlsx_bytes([(w.gettext(N_("Indicators")), table(report, w))]))


_CHARTS: tuple[tuple[str, str], ...] = (
    ("reach_percent", N_("Reach (reached ÷ target group), %")),
    ("attendance_change_percent", N_("Change in unauthorised absence against 2011–12, %")),
    ("dropouts", N_("Unplanned drop-outs")),
    ("cost_per_pupil_reached_sek", N_("Cost per pupil reached, SEK")),
)


#: Panels whose values are counts: their axis shows whole numbers only.
_COUNTS = frozenset({"dropouts", "reached", "target_group", "knowledge_goals_met"})
_NO_DATA = N_("no data")
_MISSING = N_("– no figure reported")
_SUPPRESSED = N_("%(marks)s not shown (too few pupils)")
_ZERO = N_("0: a true zero")
_CHART_DESC = N_(
    "Bar charts per district and in total: %(panels)s. Bars drawn: %(drawn)d; suppressed "
    "cells, marked with hatching: %(suppressed)d."
)


def swedish_number(value: float, decimals: int = 0) -> str:
    """``17,5`` and ``70 000``: a no-break space between thousands, a decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")


def draw_chart(report: IndicatorReport, path: Path, words: Translator | None = None) -> int:
    """Four bar charts (per district and in total) to ``path`` (.svg or .png). Returns the
    number of bars drawn.

    A suppressed cell (``<5``, ``..``) gets a hatched grey placeholder with its mark, named in
    the legend; a figure not reported gets ``–``; a true zero a marked ``0`` on the axis, so
    the three never look alike. A panel with no figure at all says "inga uppgifter". Numbers
    read as Swedish (``17,5``, ``70 000``); counts have whole-number ticks. An SVG keeps its
    text as text (searchable, read aloud) and carries a ``<title>`` and a ``<desc>``.
    """
    if path.suffix.lower() not in (".svg", ".png"):
        raise ConfigurationError(
            f"--chart {path}: the chart is a .svg or .png file", reason=CHART_FILE(path=str(path))
        )
    import matplotlib  # noqa: PLC0415 - only charts need matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415

    w = words or translator(DEFAULT_LANGUAGE)
    labels = [w.gettext(N_("Total")) if row.is_total else row.label for row in report.rows]
    drawn = suppressed = 0
    marks: set[str] = set()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ppss"}):
        figure, axes = plt.subplots(2, 2, figsize=(12, 8.5))
        for axis, (key, title) in zip(axes.flat, _CHARTS, strict=True):
            bars, hidden = _panel(axis, report, key, w.gettext(title), w, labels, marks)
            drawn += bars
            suppressed += hidden
        handles = [Patch(facecolor="#1f6fb4", label=w.gettext(N_("District"))),
                   Patch(facecolor="#555555", label=w.gettext(N_("Total")))]  # fmt: skip
        if marks:
            handles.append(Patch(facecolor="#eeeeee", edgecolor="#777777", hatch="///",
                                 label=w.gettext(_SUPPRESSED)
                                 % {"marks": " / ".join(sorted(marks))}))  # fmt: skip
        handles.append(Patch(facecolor="white", edgecolor="white", label=w.gettext(_MISSING)))
        handles.append(Patch(facecolor="white", edgecolor="white", label=w.gettext(_ZERO)))
        heading = w.t(N_("Follow-up %(round)s"), round=report.round_id)
        figure.suptitle(heading)
        figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                      frameon=False, bbox_to_anchor=(0.5, 0.03))  # fmt: skip
        figure.text(0.5, 0.01, legend(report, w), ha="center", fontsize=8)
        figure.tight_layout(rect=(0, 0.08, 1, 0.97))
        fmt = path.suffix.lower().lstrip(".")
        if fmt == "svg":
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
            desc = w.gettext(_CHART_DESC) % {
                "panels": "; ".join(w.gettext(t) for _, t in _CHARTS),
                "drawn": drawn,
                "suppressed": suppressed,
            }
            path.write_text(_titled_svg(buffer.getvalue(), heading, desc), encoding="utf-8")
        else:
            figure.savefig(path, format=fmt, dpi=110)
        plt.close(figure)
    return drawn


def _panel(
    axis: Any,
    report: IndicatorReport,
    key: str,
    title: str,
    w: Translator,
    labels: list[str],
    marks: set[str],
) -> tuple[int, int]:
    """One panel of :func:`draw_chart`: (bars drawn, suppressed cells marked)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: PLC0415

    drawn = suppressed = 0
    figures = [row.figures[key] for row in report.rows]
    values = [f.value for f in figures if f.value is not None]
    axis.set_title(title, fontsize=10)
    if not values and not any(f.text for f in figures):
        axis.text(0.5, 0.5, w.gettext(_NO_DATA), ha="center", va="center",
                  fontsize=12, color="#555555", transform=axis.transAxes)  # fmt: skip
        axis.set_xticks([])
        axis.set_yticks([])
        return 0, 0
    top = max((abs(v) for v in values), default=1) or 1
    low = min([0, *values])
    high = max([0, *values])
    placeholder = top * 0.12 * (-1 if high <= 0 < -low else 1)
    for x, f in enumerate(figures):
        if f.value is None and f.text:
            axis.bar(x, placeholder, color="#eeeeee", edgecolor="#777777",
                     hatch="///", linewidth=0.6)  # fmt: skip
            axis.text(x, placeholder, f.text, ha="center",
                      va="bottom" if placeholder > 0 else "top",
                      fontsize=9, fontweight="bold")  # fmt: skip
            marks.add(f.text)
            suppressed += 1
        elif f.value is None:
            axis.text(x, 0, "–", ha="center", va="bottom", fontsize=11)
        elif f.value == 0:
            axis.plot([x], [0], marker="D", color="#1f6fb4", markersize=5)
            axis.text(x, top * 0.03, "0", ha="center", va="bottom", fontsize=9)
            drawn += 1
        else:
            colour = "#555555" if report.rows[x].is_total else "#1f6fb4"
            axis.bar(x, f.value, color=colour)
            drawn += 1
    axis.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _pos: swedish_number(v, 0 if float(v).is_integer() else 1))
    )
    if key in _COUNTS or high == low:
        # Counts have whole-number ticks; an axis of zeros runs 0-1, not around 0.
        axis.set_ylim(min(low, 0), max(high, 1) * 1.08)
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    axis.axhline(0, color="black", linewidth=0.5)
    return drawn, suppressed


def _titled_svg(svg: str, title: str, desc: str) -> str:
    """The SVG with a ``<title>`` and a ``<desc>`` as the root's first children (what screen
    readers and search read), and ``role="img"``."""
    from xml.sax.saxutils import escape  # noqa: PLC0415

    start = svg.index("<svg")
    end = svg.index(">", start) + 1
    opening = svg[start:end].replace(
        "<svg", '<svg role="img" aria-labelledby="chart-title chart-desc"', 1
    )
    inner = (f'<title id="chart-title">{escape(title)}</title>'
             f'<desc id="chart-desc">{escape(desc)}</desc>')  # fmt: skip
    return svg[:start] + opening + inner + svg[end:]

"""The indicator report pinned cell by cell (database-free): which counts are shown, "<5" or
"..", which derived figures follow them, how kinds and periods are kept apart, and what a
threshold other than 5 changes. Each test compares whole rows, so a changed mark, text or
value anywhere fails it."""

from __future__ import annotations

from datetime import date
from typing import Any

from events.reporting import FollowUpIndicators
from policies.indicators import DistrictFigures, Figure, IndicatorRow, indicator_report

UNKNOWN = Figure(None, "")
HIDDEN = Figure(None, "..", "hidden")


def small(threshold: int = 5) -> Figure:
    return Figure(None, f"<{threshold}", "small")


def shown(value: int | float, text: str | None = None) -> Figure:
    return Figure(value, str(value) if text is None else text)


def _district(
    name: str,
    kind: str = "annual",
    start: date | None = None,
    end: date | None = None,
    **figures: Any,
) -> DistrictFigures:
    return DistrictFigures(name, kind, FollowUpIndicators(**figures), start, end)


def _row(label: str, is_total: bool = False, period: str = "", **figures: Figure) -> IndicatorRow:
    base = {
        "knowledge_goals_met": UNKNOWN,
        "dropouts": shown(0),
        "absence_hours": UNKNOWN,
        "baseline_absence_hours": UNKNOWN,
        "cost_sek": UNKNOWN,
        "attendance_change_percent": UNKNOWN,
        "cost_per_pupil_reached_sek": UNKNOWN,
    }
    return IndicatorRow(label, is_total, base | figures, period)


def test_every_cell_of_a_report_with_a_small_district() -> None:
    """Rinkeby reached 3 of 6: "<5", and the next-smallest (Farsta's 12) hidden with it; the
    reach, attendance change and cost per pupil reached follow what they are made from."""
    report = indicator_report(
        "r-2014",
        [
            _district(
                "Farsta",
                target_group_size=40,
                pupils_reached=12,
                unplanned_dropouts=2,
                unauthorised_absence_hours=1001,
                baseline_absence_hours=3000,
                cost_sek=250_000,
            ),
            _district(
                "Rinkeby",
                target_group_size=6,
                pupils_reached=3,
                unauthorised_absence_hours=90,
                baseline_absence_hours=100,
                cost_sek=90_000,
            ),
            _district(
                "Skärholmen",
                target_group_size=30,
                pupils_reached=20,
                pupils_with_knowledge_goals_met=9,
                cost_sek=1_234_567,
            ),
        ],
    )
    assert report.round_id == "r-2014"
    assert report.threshold == 5
    assert report.rows == (
        _row(
            "Farsta",
            target_group=shown(40),
            reached=HIDDEN,
            dropouts=small(),
            absence_hours=shown(1001),
            baseline_absence_hours=shown(3000),
            cost_sek=shown(250_000),
            reach_percent=HIDDEN,
            attendance_change_percent=shown(-66.6, "-66.6"),
            cost_per_pupil_reached_sek=HIDDEN,
        ),
        _row(
            "Rinkeby",
            target_group=shown(6),
            reached=small(),
            absence_hours=shown(90),
            baseline_absence_hours=shown(100),
            cost_sek=shown(90_000),
            reach_percent=HIDDEN,
            attendance_change_percent=shown(-10.0, "-10.0"),
            cost_per_pupil_reached_sek=HIDDEN,
        ),
        _row(
            "Skärholmen",
            target_group=shown(30),
            reached=shown(20),
            knowledge_goals_met=shown(9),
            cost_sek=shown(1_234_567),
            reach_percent=shown(66.7, "66.7"),
            cost_per_pupil_reached_sek=shown(61_728, "61 728"),
        ),
        _row(
            "Totalt",
            True,
            target_group=shown(76),
            reached=shown(35),
            knowledge_goals_met=shown(9),
            dropouts=small(),  # 2 of 2: the two "<5" protect each other
            absence_hours=shown(1091),
            baseline_absence_hours=shown(3100),
            cost_sek=shown(1_574_567),
            reach_percent=shown(46.1, "46.1"),
            attendance_change_percent=shown(-64.8, "-64.8"),
            cost_per_pupil_reached_sek=shown(44_988, "44 988"),
        ),
    )
    assert report.suppressed == 8


def test_a_small_target_group_hides_the_shares_made_over_it() -> None:
    """A target group of 4 is "<5": the reach over it and the attendance change (about those
    4 pupils) are "..", never a number; a zero baseline gives no change at all; hours known
    without a baseline give none either."""
    report = indicator_report(
        "r",
        [
            _district(
                "A",
                target_group_size=4,
                pupils_reached=4,
                unauthorised_absence_hours=50,
                baseline_absence_hours=100,
            ),
            _district(
                "B",
                target_group_size=20,
                pupils_reached=10,
                unauthorised_absence_hours=50,
                baseline_absence_hours=0,
            ),
            _district(
                "C",
                target_group_size=25,
                pupils_reached=10,
                unauthorised_absence_hours=70,
            ),
            _district(
                "D",
                target_group_size=25,
                pupils_reached=10,
                baseline_absence_hours=70,
            ),
        ],
    )
    a, b, c, d, total = report.rows
    assert a.figures["target_group"] == small()
    assert a.figures["reached"] == small()
    assert a.figures["reach_percent"] == HIDDEN
    assert a.figures["attendance_change_percent"] == HIDDEN
    assert b.figures["attendance_change_percent"] == UNKNOWN
    assert c.figures["attendance_change_percent"] == UNKNOWN
    assert d.figures["attendance_change_percent"] == UNKNOWN
    assert total.figures["absence_hours"] == shown(170)
    assert total.figures["baseline_absence_hours"] == shown(170)
    assert total.figures["attendance_change_percent"] == shown(0.0, "+0.0")


def test_a_shown_denominator_below_the_threshold_hides_the_share() -> None:
    """With a threshold of 10, a reach over a shown target group of 12 is shown, a cost per
    pupil over 8 reached ("<10") is not; the marks read "<10"."""
    report = indicator_report(
        "r",
        [
            _district("A", target_group_size=12, pupils_reached=8, cost_sek=80_000),
            _district("B", target_group_size=30, pupils_reached=25, cost_sek=100_000),
            _district("C", target_group_size=30, pupils_reached=20),
        ],
        threshold=10,
        total_label="Alla",
    )
    a, b, c, total = report.rows
    assert report.threshold == 10
    assert a.figures["reached"] == small(10)
    assert a.figures["reach_percent"] == HIDDEN
    assert a.figures["cost_per_pupil_reached_sek"] == HIDDEN
    assert b.figures["reach_percent"] == shown(83.3, "83.3")
    assert b.figures["cost_per_pupil_reached_sek"] == shown(4000, "4 000")
    assert c.figures["reached"] == HIDDEN  # next-smallest, protecting A's 8
    # no cost, but over a hidden count: ".." rather than blank
    assert c.figures["cost_per_pupil_reached_sek"] == HIDDEN
    assert (total.label, total.is_total) == ("Alla", True)
    assert total.figures["target_group"] == shown(72)
    assert total.figures["reach_percent"] == shown(73.6, "73.6")


def test_a_shown_share_needs_a_denominator_of_at_least_the_threshold() -> None:
    """Denominators of 5 (shown, not suppressed) at threshold 6: no share; at 5: shown."""
    districts = [
        _district("A", target_group_size=5, pupils_reached=5, cost_sek=50_000),
        _district("B", target_group_size=7, pupils_reached=6, cost_sek=60_000),
    ]
    at_six = indicator_report("r", districts, threshold=6)
    assert at_six.rows[0].figures["reached"] == small(6)
    assert at_six.rows[0].figures["target_group"] == small(6)
    assert at_six.rows[1].figures["reach_percent"] == HIDDEN  # 6 / 7: 6 hidden with the 5
    at_five = indicator_report("r", districts)
    assert at_five.rows[0].figures["reach_percent"] == shown(100.0, "100.0")
    assert at_five.rows[0].figures["cost_per_pupil_reached_sek"] == shown(10_000, "10 000")
    assert at_five.rows[1].figures["reach_percent"] == shown(85.7, "85.7")


def test_a_small_shown_denominator_is_hidden_even_when_not_suppressed() -> None:
    """At a threshold of 3 a target group of 4 is shown, and the reach over it too; a
    denominator of 0 (shown: 0 exposes nobody) gives no share, never a division by zero."""
    one = [
        _district("A", target_group_size=4, pupils_reached=3),
        _district("E", target_group_size=0, pupils_reached=0, cost_sek=1000),
    ]
    at_three = indicator_report("r", one, threshold=3)
    assert at_three.rows[0].figures["target_group"] == shown(4)
    assert at_three.rows[0].figures["reach_percent"] == shown(75.0, "75.0")
    assert at_three.rows[0].figures["reached"] == shown(3)
    assert at_three.rows[1].figures["reach_percent"] == HIDDEN
    assert at_three.rows[1].figures["cost_per_pupil_reached_sek"] == HIDDEN
    hours = [
        _district("A", target_group_size=4, pupils_reached=3, unauthorised_absence_hours=30,
                  baseline_absence_hours=40),
        _district("B", target_group_size=30, pupils_reached=20),
    ]  # fmt: skip
    attendance = indicator_report("r", hours, threshold=3).rows[0].figures
    assert attendance["attendance_change_percent"] == shown(-25.0, "-25.0")


def test_one_kind_and_period_gives_one_total_without_a_period() -> None:
    """Every follow-up of one kind and period: one total, its period left blank."""
    period = (date(2014, 1, 1), date(2014, 12, 31))
    report = indicator_report(
        "r-1",
        [
            _district("A", "annual", *period, target_group_size=20, pupils_reached=10),
            _district("B", "annual", *period, target_group_size=30, pupils_reached=15),
        ],
    )
    assert report.round_id == "r-1"
    assert [(r.label, r.is_total, r.period) for r in report.rows] == [
        ("A", False, ""),
        ("B", False, ""),
        ("Totalt", True, ""),
    ]
    assert report.rows[-1].figures["reached"] == shown(25)
    # nothing of hours or kronor given anywhere: the total is not known, not 0; no cost is
    # not a hidden cost (its denominator is shown)
    total = report.rows[-1].figures
    assert [total[key] for key in ("absence_hours", "baseline_absence_hours", "cost_sek")] == [
        UNKNOWN, UNKNOWN, UNKNOWN,
    ]  # fmt: skip
    assert total["cost_per_pupil_reached_sek"] == UNKNOWN
    assert total["attendance_change_percent"] == UNKNOWN


def test_kinds_and_periods_are_totalled_apart_in_the_order_first_given() -> None:
    """An annual follow-up, a T2 one and an annual one of an unknown period: three groups,
    each with its own total and period ("" when not known), in the order first given."""
    year = (date(2014, 1, 1), date(2014, 12, 31))
    half = (date(2014, 1, 1), date(2014, 6, 30))
    report = indicator_report(
        "r-2",
        [
            _district("A", "annual", *year, target_group_size=20, pupils_reached=10),
            _district("B", "t2", *half, target_group_size=30, pupils_reached=15),
            _district("C", "annual", *year, target_group_size=10, pupils_reached=6),
            _district("D", "annual", None, year[1], target_group_size=8, pupils_reached=7),
        ],
        threshold=6,
        total_label="Summa",
    )
    assert (report.round_id, report.threshold) == ("r-2", 6)
    assert [(r.label, r.is_total, r.period) for r in report.rows] == [
        ("A", False, ""),
        ("C", False, ""),
        ("Summa", True, "2014-01-01–2014-12-31"),
        ("B", False, ""),
        ("Summa", True, "2014-01-01–2014-06-30"),
        ("D", False, ""),
        ("Summa", True, ""),
    ]
    assert [r.figures["reached"] for r in report.rows] == [
        shown(10), shown(6), shown(16), shown(15), shown(15), shown(7), shown(7),
    ]  # fmt: skip

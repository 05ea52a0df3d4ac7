"""The indicators added up per district and in total: derived figures never give a
suppressed count away (database-free)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from events.reporting import FollowUpIndicators
from policies.indicators import DistrictFigures, indicator_report


def _district(name: str, **figures: int) -> DistrictFigures:
    return DistrictFigures(name, "annual", FollowUpIndicators(**figures))  # type: ignore[arg-type]


def test_reach_attendance_and_cost_per_pupil_reached() -> None:
    report = indicator_report(
        "r",
        [
            _district(
                "A",
                target_group_size=20,
                pupils_reached=15,
                unauthorised_absence_hours=800,
                baseline_absence_hours=1000,
                cost_sek=300_000,
            ),
            _district("B", target_group_size=10, pupils_reached=10),
        ],
    )
    a, b, total = report.rows
    assert a.figures["reach_percent"].value == 75.0
    assert a.figures["attendance_change_percent"].text == "-20.0"
    assert a.figures["cost_per_pupil_reached_sek"].text == "20 000"
    assert b.figures["attendance_change_percent"].value is None  # no baseline: not known
    assert (total.label, total.figures["reached"].value) == ("Totalt", 25)
    assert total.figures["reach_percent"].value == 83.3
    assert report.suppressed == 0


def test_a_small_count_hides_what_is_made_from_it() -> None:
    report = indicator_report(
        "r",
        [
            _district("A", target_group_size=6, pupils_reached=3, cost_sek=90_000),
            _district("B", target_group_size=20, pupils_reached=12, cost_sek=100_000),
            _district("C", target_group_size=4, pupils_reached=4),
        ],
    )
    a, b, c, _total = report.rows
    assert a.figures["reached"].text == "<5"
    assert a.figures["reach_percent"].value is None  # 3 / 6 would give 3 away
    assert a.figures["cost_per_pupil_reached_sek"].value is None  # 90 000 / 30 000 too
    assert c.figures["target_group"].text == "<5"
    assert c.figures["reach_percent"].value is None  # denominator below 5
    assert b.figures["reach_percent"].value == 60.0


def test_schools_must_add_up_to_the_project() -> None:
    school = {"school": "Skola A", "target_group_size": 8, "pupils_reached": 7}
    with pytest.raises(ValidationError, match="not the sum of the schools"):
        FollowUpIndicators(target_group_size=9, pupils_reached=7, schools=(school,))  # type: ignore[arg-type]
    ok = FollowUpIndicators(target_group_size=8, pupils_reached=7, schools=(school,))  # type: ignore[arg-type]
    assert ok.schools[0].school == "Skola A"

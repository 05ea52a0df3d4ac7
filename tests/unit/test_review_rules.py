"""Which report counts (policies.review): an accepted account stands, said with its day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from events import ReportAccepted, ReportReturned, YearEndAccountSubmitted
from policies.reason import Named
from policies.review import REPORT_STANDS_ACCEPTED, Review, accepted_stands, review
from tests.unit.world import FARSTA, World


def test_an_accepted_account_stands_from_the_stockholm_day_it_was_accepted() -> None:
    """Accepted at 23:30 UTC on 31 January: 1 February in Stockholm. A returned one, one
    awaiting review or none at all does not stand."""
    world = World()
    account = world.given(
        FARSTA, YearEndAccountSubmitted(spent_sek=1, cost_description="Lön"), date(2015, 1, 20)
    )
    code = "year_end_account"
    accepted = world.given(
        FARSTA,
        ReportAccepted(report=code, submission_id=account.event_id),
        datetime(2015, 1, 31, 23, 30, tzinfo=UTC),
    )
    current = review(account, (accepted,), code)
    assert current == Review(code, "accepted", account, accepted)
    assert accepted_stands(current, "Farsta") == REPORT_STANDS_ACCEPTED(
        report=Named("report", code), district="Farsta", on=date(2015, 2, 1)
    )
    returned = world.given(
        FARSTA,
        ReportReturned(report=code, submission_id=account.event_id, reason="Saknar underlag"),
        date(2015, 2, 2),
    )
    assert accepted_stands(review(account, (accepted, returned), code), "Farsta") is None
    assert accepted_stands(review(account, (), code), "Farsta") is None
    assert accepted_stands(Review(code, "accepted", account, None), "Farsta") is None


def test_a_report_never_handed_in_is_none_and_counts_nothing() -> None:
    current = review(None, (), "year_end_account")
    assert current == Review("year_end_account", "none")
    assert (current.counts, current.accepted, current.reason) == (None, None, None)

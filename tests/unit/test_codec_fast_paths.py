"""The append's encoding shortcuts say exactly what the long way said: ``iso_utc`` by
%-formatting gives isoformat's text for any aware instant, and encode's one catalogue lookup
still refuses what is not an event or not the catalogue's class."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events import Metadata, NewEvent, PlanSubmitted
from ppss_workflow.codec import encode
from ppss_workflow.db import iso_utc
from ppss_workflow.errors import InvalidEventError

ZONES = [UTC, ZoneInfo("Europe/Stockholm"), ZoneInfo("UTC"), timezone(timedelta(hours=-7))]


def _isoformat_way(moment: datetime) -> str:
    """The text as it was made before: replace the zone, isoformat, add Z."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@given(
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from(ZONES),
)
def test_iso_utc_is_isoformat_text(naive: datetime, zone: object) -> None:
    moment = naive.replace(tzinfo=zone)  # type: ignore[arg-type]
    assert iso_utc(moment) == _isoformat_way(moment)


def test_iso_utc_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="naive"):
        iso_utc(datetime(2014, 3, 10, 10))


def test_encode_refuses_what_is_not_the_catalogues_event() -> None:
    at = datetime(2014, 3, 10, 9, tzinfo=UTC)

    class PlanSubmittedLookalike:
        event_type = "PlanSubmitted"

    with pytest.raises(InvalidEventError, match="not an event: PlanSubmittedLookalike"):
        encode(NewEvent(PlanSubmittedLookalike(), at, Metadata()))  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError, match="not an event: str"):
        encode(NewEvent("PlanSubmitted", at, Metadata()))  # type: ignore[arg-type]
    forged = PlanSubmitted.model_construct(plan_id="", summary="")
    with pytest.raises(InvalidEventError, match="PlanSubmitted"):
        encode(NewEvent(forged, at, Metadata()))
    ok = encode(NewEvent(PlanSubmitted(plan_id="p-1", summary="Plan"), at, Metadata()))
    assert (ok.event_type, ok.occurred_at) == ("PlanSubmitted", "2014-03-10T09:00:00.000000Z")

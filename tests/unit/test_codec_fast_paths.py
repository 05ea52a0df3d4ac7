"""The append's encoding shortcuts say exactly what the long way said: ``iso_utc`` by
%-formatting gives isoformat's text for any aware instant, and encode's one catalogue lookup
still refuses what is not an event or not the catalogue's class."""

from __future__ import annotations

import copy
import pickle
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events import (
    DisbursementMade,
    FollowUpIndicators,
    FollowUpSubmitted,
    Metadata,
    NewEvent,
    PlanSubmitted,
)
from events.base import registry, validated_fields
from ppss_workflow import codec
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


# -- validated once, at the edge --------------------------------------------------------------

AT = datetime(2014, 3, 10, 9, tzinfo=UTC)


def _paid(amount: int = 500_000) -> DisbursementMade:
    return DisbursementMade(amount_sek=amount, purpose="grant", payment_reference="U-1")


def _validation_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each validation encode makes, by event type (codec._CODECS wraps pydantic-core's)."""
    calls: list[str] = []
    for cls, (name, version, to_python, validate, flat) in list(codec._CODECS.items()):

        def counted(data: object, _name: str = name, _validate: object = validate) -> object:
            calls.append(_name)
            return _validate(data)  # type: ignore[operator]

        monkeypatch.setitem(codec._CODECS, cls, (name, version, to_python, counted, flat))
    return calls


def test_an_event_made_by_its_constructor_is_validated_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The constructor's validation is the proof: encode does not validate it again, and its
    output is that of an event encoded the long way (validated by encode)."""
    made = _paid()
    assert validated_fields(made)
    long_way = DisbursementMade.model_validate(made.model_dump())  # validated, no proof
    assert not validated_fields(long_way)
    encode(NewEvent(long_way, AT, Metadata()))  # the class's codec, made before counting
    calls = _validation_counted(monkeypatch)
    short = encode(NewEvent(made, AT, Metadata()))
    assert calls == []
    long = encode(NewEvent(long_way, AT, Metadata()))
    assert calls == ["DisbursementMade"]
    assert short._replace(event_id="") == long._replace(event_id="")


@pytest.mark.parametrize(
    ("spoil", "refused"),
    [
        pytest.param(lambda e: object.__setattr__(e, "amount_sek", -5), True, id="setattr-neg"),
        pytest.param(lambda e: object.__setattr__(e, "amount_sek", 1.0), True, id="setattr-float"),
        pytest.param(lambda e: e.__dict__.update(amount_sek=-5), True, id="dict-changed"),
        pytest.param(lambda e: e.__dict__.pop("purpose"), True, id="dict-removed"),
        # Serialised as the unspoiled event is (1, and no such field), which validates.
        pytest.param(lambda e: object.__setattr__(e, "amount_sek", True), False, id="setattr-bool"),
        pytest.param(lambda e: e.__dict__.update(extra_field="x"), False, id="dict-added"),
    ],
)
def test_an_event_changed_behind_pydantics_back_is_validated_again(
    spoil: object, refused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values replaced (even by an equal one of another type), added or removed after the
    constructor's validation: the proof no longer holds, encode validates the event again
    and refuses it, or (where what it serialises is valid) encodes what it always did."""
    event, unspoiled = _paid(1), encode(NewEvent(_paid(1), AT, Metadata()))
    spoil(event)  # type: ignore[operator]
    assert not validated_fields(event)
    calls = _validation_counted(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pydantic's serialiser on a wrong type
        if refused:
            with pytest.raises(InvalidEventError, match="DisbursementMade"):
                encode(NewEvent(event, AT, Metadata()))
        else:
            assert encode(NewEvent(event, AT, Metadata())).data == unspoiled.data
    assert calls == ["DisbursementMade"]


def test_events_made_around_validation_carry_no_proof() -> None:
    made = _paid()
    bad = DisbursementMade.model_construct(amount_sek=-5, purpose="grant", payment_reference="X")
    for event in (
        bad,
        made.model_copy(),
        made.model_copy(update={"amount_sek": -5}),
        copy.copy(made),
        copy.deepcopy(made),
        pickle.loads(pickle.dumps(made)),  # noqa: S301 - its own bytes
        DisbursementMade.model_validate(made.model_dump()),
    ):
        assert not validated_fields(event), event
    assert made.model_copy() == made  # the proof is no field: equality and hashes as before
    assert hash(DisbursementMade.model_validate(made.model_dump())) == hash(made)
    for event in (bad, made.model_copy(update={"amount_sek": -5})):
        with pytest.raises(InvalidEventError, match="amount_sek"):
            encode(NewEvent(event, AT, Metadata()))


def test_a_model_inside_an_event_is_validated_by_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The proof is the outer event's: a model given to its constructor as it is (pydantic
    does not validate a model instance again) may have been made around validation, so an
    event class that holds models is always validated by encode."""
    forged = FollowUpIndicators.model_construct(target_group_size=-5, pupils_reached=3)
    event = FollowUpSubmitted(
        kind="t2", period_start=date(2014, 1, 1), period_end=date(2014, 8, 31), indicators=forged
    )
    assert validated_fields(event)  # the outer event's values are as its validation left them
    with pytest.raises(InvalidEventError, match="target_group_size"):
        encode(NewEvent(event, AT, Metadata()))
    good = FollowUpSubmitted(
        kind="t2",
        period_start=date(2014, 1, 1),
        period_end=date(2014, 8, 31),
        indicators=FollowUpIndicators(target_group_size=5, pupils_reached=3),
    )
    calls = _validation_counted(monkeypatch)
    encode(NewEvent(good, AT, Metadata()))
    assert calls == ["FollowUpSubmitted"]


def test_only_classes_of_immutable_values_trust_the_proof() -> None:
    """Which catalogue classes encode validates every time: those whose values may be, or
    hold, a model. Every other class holds strings, numbers, dates and tuples of them."""
    always = sorted(
        name
        for name, cls in registry.types().items()
        if not all(codec._immutable(f.annotation) for f in cls.model_fields.values())
    )
    assert always == [
        "AllocationDecided",
        "ApplicationSubmitted",
        "FollowUpSubmitted",
        "NetworkSessionScheduled",
        "PaymentPlanSet",
        "ReminderLadderSet",
        "RoundOpened",
    ]
    assert not codec._immutable(list[str])
    assert not codec._immutable(dict[str, int])
    assert not codec._immutable(FollowUpIndicators | None)
    assert codec._immutable(tuple[str, ...] | None)

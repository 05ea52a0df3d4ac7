"""Hypothesis strategies for every event type, derived from the models' own field types."""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import annotated_types
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from events import (
    AllocationDecided,
    ApplicationSubmitted,
    Event,
    PaymentPlanSet,
    ReminderLadderSet,
    RoleGranted,
    RoundOpened,
    YearEndAccountSubmitted,
)
from events.instalments import Instalment
from events.reminder import LadderStep
from events.reporting import FollowUpIndicators, SchoolIndicators

_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2))])


def _text(meta: list[Any]) -> st.SearchStrategy[str]:
    for m in meta:
        pattern = getattr(m, "pattern", None)
        if pattern:
            return st.from_regex(re.compile(pattern), fullmatch=True)
    alphabet = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"))
    return st.text(alphabet, min_size=1, max_size=40)


def _int(meta: list[Any]) -> st.SearchStrategy[int]:
    low, high = 0, 10**6
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            low = int(m.ge)  # type: ignore[call-overload]
        if isinstance(m, annotated_types.Gt):
            low = int(m.gt) + 1  # type: ignore[call-overload]
        if isinstance(m, annotated_types.Le):
            high = min(high, int(m.le))  # type: ignore[call-overload]
    return st.integers(low, max(low, high))


def for_annotation(tp: Any, meta: list[Any] | None = None) -> st.SearchStrategy[Any]:
    meta = list(meta or [])
    origin = get_origin(tp)
    if origin is Annotated:
        base, *extra = get_args(tp)
        flat: list[Any] = []
        for m in extra:
            flat.extend(m.metadata if isinstance(m, FieldInfo) else [m])
        return for_annotation(base, meta + flat)
    if origin in (Union, types.UnionType):
        return st.one_of(*(for_annotation(a, meta) for a in get_args(tp)))
    if origin is Literal:
        return st.sampled_from(get_args(tp))
    if origin is tuple:
        return st.lists(for_annotation(get_args(tp)[0]), max_size=3).map(tuple)
    if tp is type(None):
        return st.none()
    if tp is bool:
        return st.booleans()
    if tp is int:
        return _int(meta)
    if tp is str:
        return _text(meta)
    if tp is UUID:
        return st.uuids()
    if tp is datetime or tp is AwareDatetime:
        return st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=_ZONES
        )
    if tp is date:
        return st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return models(tp)
    raise NotImplementedError(f"no strategy for {tp!r}")


Values = dict[str, Any]


def _ordered_period(values: Values) -> Values:
    if values["period_end"] < values["period_start"]:
        values["period_start"], values["period_end"] = values["period_end"], values["period_start"]
    return values


def _unique_by(items: tuple[Any, ...], key: Callable[[Any], Any]) -> tuple[Any, ...]:
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


def _parts_of(draw: st.DrawFn, total: int, count: int) -> list[int]:
    """``count`` whole numbers of at least 1 adding up to ``total`` (``count <= total``)."""
    if count == 1:
        return [total]
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, total]
    return [high - low for low, high in pairwise(bounds)]


def _allocation(draw: st.DrawFn, values: Values) -> Values:
    values["total_sek"] = (
        sum(line.allocated_sek for line in values["lines"]) + values["unallocated_sek"]
    )
    return values


def _instalment(draw: st.DrawFn, values: Values) -> Values:
    if values["percent"] is not None and values["amount_sek"] is not None:
        values[draw(st.sampled_from(["percent", "amount_sek"]))] = None
    if values["percent"] is None and values["amount_sek"] is None:
        values["amount_sek"] = draw(st.integers(1, 10**6))
    values["releases_on"] = tuple(dict.fromkeys(values["releases_on"]))
    return values


def _payment_plan(draw: st.DrawFn, values: Values) -> Values:
    instalments = values["instalments"] or (draw(models(Instalment)),)
    values["instalments"] = instalments
    shared = [n for n, i in enumerate(instalments) if i.percent is not None]
    percents = [instalments[n].percent for n in shared]
    whole = len(shared) == len(instalments)
    if (whole and sum(percents) != 100) or sum(percents) > 100:
        total = 100 if whole else draw(st.integers(len(shared), 100))
        parts = _parts_of(draw, total, len(shared))
        instalments = list(instalments)
        for n, part in zip(shared, parts, strict=True):
            instalments[n] = instalments[n].model_copy(update={"percent": part})
        values["instalments"] = tuple(instalments)
    return values


def _application(draw: st.DrawFn, values: Values) -> Values:
    if values["schools"]:
        values["school_count"] = len(values["schools"])
    return _ordered_period(values)


def _round(draw: st.DrawFn, values: Values) -> Values:
    values["deadlines"] = _unique_by(values["deadlines"], lambda d: d.code)
    return _ordered_period(values)


def _ladder(draw: st.DrawFn, values: Values) -> Values:
    steps = values["steps"] or (draw(models(LadderStep)),)
    steps = _unique_by(_unique_by(steps, lambda s: s.offset_working_days), lambda s: s.step)
    values["steps"] = tuple(sorted(steps, key=lambda s: s.offset_working_days))
    return values


def _role(draw: st.DrawFn, values: Values) -> Values:
    if values["role"] == "district":
        if not (values["district"] or "").strip():
            values["district"] = draw(st.sampled_from(["Farsta", "Rinkeby-Kista", "Skärholmen"]))
    else:
        values["district"] = None
    if values["role"] != "steering_group":
        values["tied_to"] = None
    elif values.get("tied_to") is not None and not values["tied_to"].strip():
        values["tied_to"] = "Farsta"
    return values


def _counts(draw: st.DrawFn, values: Values) -> Values:
    """At most as many dropouts, improved and goals met as pupils reached; a project's
    counts the sums of its schools' (each school named once)."""
    schools = _unique_by(values.get("schools", ()), lambda s: s.school.casefold())
    if schools:
        values["schools"] = schools
        for name in ("target_group_size", "pupils_reached", "unplanned_dropouts"):
            values[name] = sum(getattr(s, name) for s in schools)
    reached = values["pupils_reached"] = min(values["pupils_reached"], values["target_group_size"])
    for name in ("unplanned_dropouts", "pupils_with_improved_attendance",
                 "pupils_with_knowledge_goals_met"):  # fmt: skip
        if values.get(name) is not None and values[name] > reached:
            values[name] = reached
    return values


def _year_end(draw: st.DrawFn, values: Values) -> Values:
    values["spent_outside_plan_sek"] = min(values["spent_outside_plan_sek"], values["spent_sek"])
    return values


#: How each model with a cross-field rule makes its drawn values agree with it. Without
#: these, the strategy drew field by field and rejected what did not add up: for
#: AllocationDecided nearly every draw (12 s for 25 examples), for PaymentPlanSet most.
_REPAIRS: dict[type[BaseModel], Callable[[st.DrawFn, Values], Values]] = {
    AllocationDecided: _allocation,
    Instalment: _instalment,
    PaymentPlanSet: _payment_plan,
    ApplicationSubmitted: _application,
    RoundOpened: _round,
    ReminderLadderSet: _ladder,
    RoleGranted: _role,
    SchoolIndicators: _counts,
    FollowUpIndicators: _counts,
    YearEndAccountSubmitted: _year_end,
}


def models(cls: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Valid instances of ``cls``: field values drawn from their types, made to agree with the
    model's cross-field rules (``_REPAIRS``); what still disagrees is rejected."""
    fields = {
        name: for_annotation(info.annotation, list(info.metadata))
        for name, info in cls.model_fields.items()
    }
    repair = _REPAIRS.get(cls)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        values = {name: draw(strategy) for name, strategy in fields.items()}
        if repair is not None:
            values = repair(draw, values)
        try:
            return cls(**values)
        except ValueError:
            reject()

    return build()


def any_event(types_: dict[str, type[Event]]) -> st.SearchStrategy[Event]:
    return st.one_of(*(models(cls) for cls in types_.values()))


def example_of(cls: type[Event]) -> Event:
    """One valid instance of an event type (the first Hypothesis finds), for table tests."""
    found: list[Event] = []

    @settings(max_examples=1, database=None, derandomize=True)
    @given(models(cls))
    def _take(event: Event) -> None:
        if not found:
            found.append(event)

    _take()
    return found[0]

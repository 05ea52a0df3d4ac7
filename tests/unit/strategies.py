"""Hypothesis strategies for every event type, derived from the models' own field types."""

from __future__ import annotations

import re
import types
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import annotated_types
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from events import Event

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


def models(cls: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Valid instances of ``cls``: field values drawn from their types; invalid combos rejected."""
    fields = {
        name: for_annotation(info.annotation, list(info.metadata))
        for name, info in cls.model_fields.items()
    }

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        values = {name: draw(strategy) for name, strategy in fields.items()}
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

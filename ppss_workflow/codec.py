"""Canonical encoding of events and the SHA-256 hash chain that makes history tamper-evident."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin
from uuid import UUID

import orjson
from pydantic import BaseModel, ValidationError

from events.base import Event, describe_validation_error, registry, validated_fields
from events.envelope import Metadata, NewEvent
from policies.reason import Named
from ppss_workflow.db import iso_utc
from ppss_workflow.errors import (
    EVENT_NAIVE_TIME,
    EVENT_NOT_AN_EVENT,
    EVENT_NOT_CATALOGUE,
    EVENT_NOT_VALID,
    InvalidEventError,
)

__all__ = [
    "GENESIS_HASH",
    "EncodedEvent",
    "canonical_json",
    "chain_hash_text",
    "encode",
    "request_hash",
]

#: The "previous hash" of the first event in a store.
GENESIS_HASH = "0" * 64

_SORTED = orjson.OPT_SORT_KEYS
_dumps = orjson.dumps
#: The catalogue by event type (the registry's own mapping, read on every append).
_CATALOGUE = registry.by_type


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: one byte string per value, forever."""
    return orjson.dumps(value, option=_SORTED).decode()


class EncodedEvent(NamedTuple):
    """A validated event in its stored form, before it has a position (a named tuple: one
    is made per appended event, at a fraction of a frozen dataclass's cost)."""

    event_id: str
    event_type: str
    schema_version: int
    data: str
    metadata: str
    #: Canonical UTC text (``iso_utc``), as stored and hashed.
    occurred_at: str


def encode(new: NewEvent, *, command_id: UUID | None = None) -> EncodedEvent:
    """Validate ``new`` against the catalogue and encode it; raise InvalidEventError if it fails.

    Validating the serialised event catches models built with ``model_construct`` or
    ``model_copy``, or changed behind pydantic's back: nothing malformed reaches the store,
    whatever the caller did. An event that carries the proof of its validation (made by its
    class's validating constructor, its field values untouched since, and no model among
    them: :func:`events.base.validated_fields`) is not validated a second time.
    """
    event = new.event
    cls = type(event)
    # The catalogue holds only Event classes: finding ``cls`` under its own name there is
    # the isinstance check and the catalogue check at once (ABCMeta's isinstance is slow).
    codec = _CODECS.get(cls)
    if codec is None or _CATALOGUE.get(codec[0]) is not cls:
        codec = _codec(cls, event)
    event_type, schema_version, to_python, validate, flat = codec
    occurred_at = new.occurred_at
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None:
        raise InvalidEventError(
            f"{event_type}: occurred_at must be a time-zone aware datetime "
            "(e.g. 2014-03-10T10:00+01:00)",
            reason=EVENT_NAIVE_TIME(
                kind=Named("event", event_type), example="2014-03-10T10:00+01:00"
            ),
        )
    try:
        # The pydantic-core serializer and validator directly: the model_* wrappers cost
        # about a microsecond each, per event, on every append.
        data = to_python(event, mode="json")
        # Validated once, at the edge: an event its validating constructor made, unchanged
        # since, is not validated again (of a class whose values cannot change in place).
        if not (flat and validated_fields(event)):
            validate(data)
        meta = new.metadata
        found = _METADATA_MEMO.get((id(meta), command_id))
        if found is not None and found[0] is meta:
            metadata = found[1]
        else:
            metadata = _encode_metadata(meta, command_id)
    except ValidationError as exc:
        from policies.decisions import bad_fields  # noqa: PLC0415 - only when refused

        raise InvalidEventError(
            f"{event_type}: {describe_validation_error(exc)}; nothing was written",
            reason=EVENT_NOT_VALID(
                kind=Named("event", event_type), problem=bad_fields([dict(e) for e in exc.errors()])
            ),
        ) from exc
    except (TypeError, ValueError) as exc:  # pydantic serialiser on a corrupted model
        raise InvalidEventError(
            f"{event_type}: {exc}; nothing was written",
            reason=EVENT_NOT_VALID(kind=Named("event", event_type), problem=str(exc)),
        ) from exc
    # tuple.__new__ itself: the named tuple's own __new__ is a Python function, one more call.
    return _new_tuple(
        EncodedEvent,
        (
            str(new.event_id),
            event_type,
            schema_version,
            _dumps(data, option=_SORTED).decode(),
            metadata,
            iso_utc(occurred_at),
        ),
    )


_new_tuple = tuple.__new__

#: Each catalogue class as encode uses it: its type name, schema version, pydantic-core's
#: serialiser and validator calls, looked up through the class once rather than per event,
#: and whether its instances' proof of validation covers all they hold (:func:`_flat`).
_CODECS: dict[type[Any], tuple[str, int, Any, Any, bool]] = {}


def _codec(cls: type[Any], event: Any) -> tuple[str, int, Any, Any, bool]:
    """``cls`` as encode uses it, if the catalogue holds it under its name; else the refusal."""
    if _CATALOGUE.get(getattr(cls, "event_type", "")) is not cls:
        if not isinstance(event, Event):
            raise InvalidEventError(
                f"not an event: {cls.__name__}", reason=EVENT_NOT_AN_EVENT(kind=cls.__name__)
            )
        raise InvalidEventError(
            f"{cls.event_type} is not the catalogue's class of that name",
            reason=EVENT_NOT_CATALOGUE(kind=str(cls.event_type)),
        )
    codec = (
        cls.event_type,
        cls.schema_version,
        cls.__pydantic_serializer__.to_python,
        cls.__pydantic_validator__.validate_python,
        all(_immutable(field.annotation) for field in cls.model_fields.values()),
    )
    _CODECS[cls] = codec
    return codec


#: Values that cannot change in place and hold no model (bool and enums are int and str).
_IMMUTABLE_LEAVES = (str, int, date, UUID)


def _immutable(annotation: Any) -> bool:
    """Whether every value a field of this type can hold is immutable and no model: then an
    event's proof of validation (its field values are the objects validation made) is proof
    of everything it holds. False for a model (which may have been made around validation
    and given to the constructor as it is), a list or dict, anything not known here."""
    if annotation is None or annotation is NoneType:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _immutable(get_args(annotation)[0])
    if origin is Literal:
        return all(isinstance(a, (str, int)) or a is None for a in get_args(annotation))
    if origin is Union or origin is UnionType or origin is tuple:
        return all(a is Ellipsis or _immutable(a) for a in get_args(annotation))
    return (
        isinstance(annotation, type)
        and issubclass(annotation, _IMMUTABLE_LEAVES)
        and not issubclass(annotation, BaseModel)
    )


_METADATA_MEMO: dict[tuple[int, UUID | None], tuple[Metadata, str]] = {}


def _encode_metadata(meta: Metadata, command_id: UUID | None) -> str:
    """Validated canonical metadata; a batch shares one Metadata object, so it is memoised
    by identity (the memo keeps the object alive, so its id cannot be reused meanwhile)."""
    key = (id(meta), command_id)
    found = _METADATA_MEMO.get(key)
    if found is not None and found[0] is meta:
        return found[1]
    if not isinstance(meta, Metadata):
        raise TypeError(f"metadata must be Metadata, not {type(meta).__name__}")
    merged = meta
    if command_id is not None and meta.command_id is None:
        merged = meta.model_copy(update={"command_id": command_id})
    checked = Metadata.model_validate(merged.model_dump())
    text = canonical_json(checked.model_dump(mode="json", exclude_none=True))
    if len(_METADATA_MEMO) >= 4096:
        _METADATA_MEMO.clear()
    _METADATA_MEMO[key] = (meta, text)
    return text


def chain_hash_text(
    prev_hash: str,
    position: int,
    stream_id: str,
    version: int,
    event_id: str,
    event_type: str,
    schema_version: int,
    data: str,
    metadata: str,
    occurred_at: str,
    recorded_at: str,
) -> str:
    """SHA-256 over the previous hash and every stored column of this event, as stored.

    Instants are their canonical text (:func:`iso_utc`), so the hash is the same whichever
    backend holds the row and whatever time zone a reader's session uses.
    """
    payload = orjson.dumps(
        [
            position,
            stream_id,
            version,
            event_id,
            event_type,
            schema_version,
            data,
            metadata,
            occurred_at,
            recorded_at,
        ]
    )
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + payload).hexdigest()


def request_hash(stream_id: str, encoded: list[EncodedEvent]) -> str:
    """What a command asked for, to tell a true retry from a reused command id."""
    body = [stream_id, [[e.event_type, e.schema_version, e.data] for e in encoded]]
    return hashlib.sha256(orjson.dumps(body)).hexdigest()

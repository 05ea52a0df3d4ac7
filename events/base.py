"""The event base class, shared field types, the type registry and the upcasting hook."""

from __future__ import annotations

import json
import operator
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic import Strict as _Strict

__all__ = [
    "DECISION_RECORD_FIELDS",
    "Code",
    "Event",
    "EventRegistry",
    "InvalidEvent",
    "Kronor",
    "PositiveKronor",
    "Reference",
    "Text",
    "UnknownEventType",
    "Upcaster",
    "describe_validation_error",
    "registry",
    "validated_fields",
]

#: Whole Swedish kronor. Strict: a float or a bool is refused, never rounded.
Kronor = Annotated[int, _Strict(), Field(ge=0, le=10**12)]
#: Whole kronor greater than zero (a payment of 0 kr is not a payment).
PositiveKronor = Annotated[int, _Strict(), Field(gt=0, le=10**12)]
#: Free text a person wrote: trimmed, never empty, bounded.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
#: A reference as a person writes it (a deciding body, a diary number, the minutes'
#: paragraph): one line, trimmed, never empty, at most 200 characters.
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\n\r]*$"),
]
#: What a decision records beside its body and day (issue 21): the diary number
#: (diarienummer, dnr) and the minutes' reference (protokoll, paragraf).
DECISION_RECORD_FIELDS = ("diary_number", "minutes_ref")
#: A machine code: lower-case words joined by '_' or '-' (deadline codes, session ids).
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class InvalidEvent(ValueError):
    """An event that does not fit the catalogue: unknown type, bad field, newer schema."""


class UnknownEventType(InvalidEvent):
    """A type name that no class in the catalogue carries."""


class Event(BaseModel):
    """Something that happened to a round or a project. Immutable; never edited, only annulled.

    Subclasses set ``schema_version`` when their shape changes and register an upcaster
    from the old version, so stored history is read as the current model.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)
    #: Not a field: set by the validating constructor only (see :func:`validated_fields`).
    __slots__ = ("_ppss_validated",)

    #: Stable name written to the store; defaults to the class name and must never change.
    event_type: ClassVar[str]
    #: Version of this class's shape; bump it and register an upcaster when fields change.
    schema_version: ClassVar[int] = 1

    def __init__(self, /, **data: Any) -> None:
        """Validate ``data`` as pydantic's own constructor does, then keep the proof of it:
        the field values exactly as validation left them (see :func:`validated_fields`)."""
        __tracebackhide__ = True  # as pydantic's: pytest shows the caller's line
        if self.__pydantic_validator__.validate_python(data, self_instance=self) is not self:
            warnings.warn(  # pydantic's own warning, for the same programming error
                "A custom validator is returning a value other than `self`.", stacklevel=2
            )
        _set_validated(self, tuple(self.__dict__.values()))

    # Not a "custom" constructor to pydantic: validation by model_validate and by the
    # validator itself (a replay's decoding) makes instances as before, without calling
    # __init__, and so without the proof.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__
        registry.register(cls)


_set_validated = Event.__dict__["_ppss_validated"].__set__
_get_validated = Event.__dict__["_ppss_validated"].__get__
_is = operator.is_


def validated_fields(event: Event) -> bool:
    """Whether ``event`` was made by its class's validating constructor and its field values
    are still the very objects that validation left there.

    False for anything made around validation (``model_construct``; ``model_copy``, with or
    without ``update``; ``copy``, pickling; ``model_validate``, which is validation but leaves
    no proof) and for an instance whose fields were changed behind pydantic's back since
    (``object.__setattr__``, its ``__dict__``): a value replaced, added or removed. Only the
    outermost model carries the proof: a value that is itself a model (or holds one) may have
    been made around validation, and is not covered (the caller validates those).
    """
    try:
        values = _get_validated(event)
    except AttributeError:
        return False
    now = event.__dict__
    return len(now) == len(values) and all(map(_is, now.values(), values))


class EventRegistry:
    """Maps stored type names to event classes and old schema versions to current ones."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Event]] = {}
        #: The classes by stored type name, read-only and live (an append looks up each event's
        #: class here: a dict lookup, where :meth:`cls` is a call with a ``try``).
        self.by_type: Mapping[str, type[Event]] = MappingProxyType(self._classes)
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: type[Event]) -> None:
        existing = self._classes.get(cls.event_type)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {cls.event_type!r} is already taken by {existing}")
        self._classes[cls.event_type] = cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register ``fn`` to turn data of ``from_version`` into data of ``from_version + 1``."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return decorate

    def cls(self, event_type: str) -> type[Event]:
        try:
            return self._classes[event_type]
        except KeyError:
            raise UnknownEventType(
                f"unknown event type {event_type!r}; the catalogue has "
                f"{len(self._classes)} types (see `ppss events schema`)"
            ) from None

    def types(self) -> Mapping[str, type[Event]]:
        return dict(sorted(self._classes.items()))

    def upcast(self, event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
        """Lift ``data`` written at ``version`` to the class's current schema version."""
        current = self.cls(event_type).schema_version
        if version > current:
            raise InvalidEvent(
                f"{event_type} has schema_version {version} but this program knows only "
                f"up to {current}; upgrade ppss-workflow"
            )
        while version < current:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise InvalidEvent(f"no upcaster for {event_type} from schema_version {version}")
            try:
                data = step(data)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InvalidEvent(
                    f"{event_type} schema_version {version}: its data does not fit that "
                    f"version ({type(exc).__name__}: {exc})"
                ) from None
            version += 1
        return data

    def decode(self, event_type: str, version: int, data: dict[str, Any]) -> Event:
        """Build the current model from stored data, upcasting old versions first."""
        cls = self.cls(event_type)
        if version != cls.schema_version:
            data = self.upcast(event_type, version, data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidEvent(f"{event_type}: {_first_error(exc)}") from exc

    def decode_json(self, event_type: str, version: int, raw: str | bytes) -> Event:
        """Fast path for stored JSON: validate directly when no upcasting is needed."""
        cls = self.cls(event_type)
        if version == cls.schema_version:
            try:
                # The validator itself, not model_validate_json: a replay decodes every event,
                # and the wrapper costs a third of the time of a small model's validation.
                event: Event = cls.__pydantic_validator__.validate_json(raw)
                return event
            except ValidationError as exc:
                raise InvalidEvent(f"{event_type}: {_first_error(exc)}") from exc
        try:
            data = json.loads(raw)
        except ValueError:
            raise InvalidEvent(f"{event_type}: its data is not JSON") from None
        if not isinstance(data, dict):
            raise InvalidEvent(f"{event_type}: its data is not a JSON object")
        return self.decode(event_type, version, data)


def _first_error(exc: ValidationError) -> str:
    """One line for a person: the first failing field and what is wrong with it."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "event"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def describe_validation_error(exc: ValidationError) -> str:
    """Public wrapper so the machinery words validation errors the same way."""
    return _first_error(exc)


registry = EventRegistry()

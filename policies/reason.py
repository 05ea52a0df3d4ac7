"""Reasons as data: a code and typed parameters, never a sentence.

Every condition, payable, repayment and instalment reason, every refusal and every "already
recorded" answer of the policies is a :class:`Reason`. The policies never write a sentence: the
machinery says a reason in a language in one place (``ppss_workflow.words``), from the
catalogue, whose message for a code carries exactly the code's parameter names.

A code is declared once, with its parameter names, as a :class:`ReasonCode`; calling it
builds a reason and refuses unknown or missing parameters, so a typo fails where it is made.
:data:`REASON_CODES` lists every declared code; ``tests/unit/test_words.py`` proves each has a
Swedish and an English text with the same parameters.

Parameter values are typed so that the machinery can say them in the reader's language:

- :class:`Kronor` an amount of money in whole kronor;
- :class:`datetime.date` a day;
- :class:`Named` a thing named by code (a condition, a status, a role, an event kind, a
  district, a command...), said by its plain name;
- a nested :class:`Reason`, said in turn;
- a ``tuple`` of parameters, said as a list;
- ``int`` a count; ``str`` free text a person wrote (a plan's id, a why), shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Union

__all__ = [
    "JOINED",
    "REASON_CODES",
    "Kronor",
    "Named",
    "Param",
    "Reason",
    "ReasonCode",
    "joined",
]


@dataclass(frozen=True, slots=True)
class Kronor:
    """An amount of money in whole kronor (may be negative)."""

    amount: int


@dataclass(frozen=True, slots=True)
class Named:
    """A thing named by its code: ``kind`` says which catalogue names it (``condition``,
    ``status``, ``role``, ``event``, ``command``, ``purpose``, ``report``, ``district``...)."""

    kind: str
    code: str


Param = Union[int, str, date, Kronor, Named, "Reason", tuple["Param", ...]]


@dataclass(frozen=True, slots=True)
class Reason:
    """A code and its parameters, in the order the code declares them."""

    code: str
    params: tuple[tuple[str, Param], ...] = ()

    def __getitem__(self, name: str) -> Param:
        for key, value in self.params:
            if key == name:
                return value
        raise KeyError(name)

    def get(self, name: str, default: Param | None = None) -> Param | None:
        for key, value in self.params:
            if key == name:
                return value
        return default

    def __str__(self) -> str:
        """A compact form for logs and one-line errors: ``code(name=value, ...)``; people read
        a reason said by ``ppss_workflow.words``."""
        inner = ", ".join(f"{k}={_param_str(v)}" for k, v in self.params)
        return f"{self.code}({inner})" if inner else self.code

    def as_dict(self) -> dict[str, Param]:
        return dict(self.params)

    def walk(self) -> tuple[Reason, ...]:
        """This reason and every reason nested in its parameters, depth first."""
        found: list[Reason] = [self]

        def visit(value: Param) -> None:
            if isinstance(value, Reason):
                found.extend(value.walk())
            elif isinstance(value, tuple):
                for item in value:
                    visit(item)

        for _, value in self.params:
            visit(value)
        return tuple(found)

    # -- as JSON-able data (the read model and the audit's JSON store reasons this way) ------

    def to_data(self) -> dict[str, Any]:
        # A text or a number (the commonest) is said as it is without the call, which would say
        # it as it is too: no test can tell this fast path's mutants apart.
        return {
            "code": self.code,
            "params": {
                k: v if type(v) in _AS_IS else _param_to_data(v)  # pragma: no mutate - fast path
                for k, v in self.params
            },
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Reason:
        params = data.get("params", {})
        return cls(
            code=str(data["code"]),
            params=tuple((str(k), _param_from_data(v)) for k, v in params.items()),
        )


#: The types of the parameters said as they are (a text, a number), matched exactly.
_AS_IS = (str, int)


def _param_str(value: Param) -> str:
    if isinstance(value, Kronor):
        return f"{value.amount} kr"
    if isinstance(value, Named):
        return value.code
    if isinstance(value, tuple):
        return "[" + ", ".join(_param_str(v) for v in value) + "]"
    return str(value)


def _param_to_data(value: Param) -> Any:
    if isinstance(value, str | int):  # the commonest: said as they are
        return value
    if isinstance(value, Reason):
        return {"reason": value.to_data()}
    if isinstance(value, Kronor):
        return {"kr": value.amount}
    if isinstance(value, Named):
        return {"named": value.kind, "code": value.code}
    if isinstance(value, tuple):
        return {"list": [_param_to_data(v) for v in value]}
    return {"date": value.isoformat()}  # what is left of a parameter is a day


def _param_from_data(value: Any) -> Param:
    if isinstance(value, dict):
        if "reason" in value:
            return Reason.from_data(value["reason"])
        if "kr" in value:
            return Kronor(int(value["kr"]))
        if "named" in value:
            return Named(str(value["named"]), str(value["code"]))
        if "date" in value:
            return date.fromisoformat(value["date"])
        if "list" in value:
            return tuple(_param_from_data(v) for v in value["list"])
        raise ValueError(f"not a reason parameter: {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a reason parameter: {value!r}")
    return value


#: Every declared reason code by its code, with its parameter names.
REASON_CODES: dict[str, ReasonCode] = {}


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """A reason's code and the names of its parameters, declared once (module level)."""

    code: str
    names: tuple[str, ...] = ()

    def __init__(self, code: str, *names: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "names", names)
        if len(set(names)) != len(names):
            raise ValueError(f"reason code {code!r} names a parameter twice")
        known = REASON_CODES.get(code)
        if known is not None and known.names != names:
            raise ValueError(f"reason code {code!r} declared twice with other parameters")
        REASON_CODES[code] = self

    def __call__(self, **params: Param) -> Reason:
        names = self.names
        # The names are distinct (see __init__): as many given, each of them, is all of them.
        if len(params) == len(names):
            try:
                return Reason(self.code, tuple([(n, params[n]) for n in names]))
            except KeyError:
                pass
        missing = sorted(set(names) - set(params))
        extra = sorted(set(params) - set(names))
        raise TypeError(f"reason {self.code!r}: missing {missing}, unknown {extra}")


#: Reasons said one after the other ("…; …"): a condition met with a note, what is payable
#: with what holds it back.
JOINED = ReasonCode("joined", "parts")


def joined(*parts: Reason | None) -> Reason:
    """``parts`` said one after the other (nested joins flattened, ``None`` left out); a single
    part is itself."""
    flat: list[Reason] = []
    for part in parts:
        if part is None:
            continue
        if part.code == JOINED.code:
            inner = part["parts"]
            if isinstance(inner, tuple):
                flat.extend(r for r in inner if isinstance(r, Reason))
        else:
            flat.append(part)
    if len(flat) == 1:
        return flat[0]
    return JOINED(parts=tuple(flat))

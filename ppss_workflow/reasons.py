"""The policies' sentences in the reader's language.

The policies explain themselves in English sentences built from a fixed set of patterns
(``"{what} was due on {due_on} and is missing"``). They stay English in the store, the read
model and the logs, so an audit compares like with like; this module says them in the
reader's language when they are shown. Each pattern below is a catalogue message: its
Swedish text carries the same ``{names}``. A sentence is matched against the patterns; its
parts are put into words recursively (a condition code becomes its plain name, a nested
phrase is translated in turn; amounts and dates stay as they are); sentences joined by
``"; "`` are said one by one.

A sentence no pattern matches is shown with its codes replaced (:meth:`Translator.plain`);
``tests/unit/test_reasons.py`` proves that nothing the demo shows falls through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ppss_workflow.i18n import N_
from ppss_workflow.plan_reasons import PLAN_PATTERNS

__all__ = ["PATTERNS", "PHRASES", "say"]

#: Sentence patterns of the policies (policies/base.py, pilot2014.py, sst2018.py, decisions.py).
PATTERNS: tuple[str, ...] = (
    # dated obligations (Policy.dated)
    N_("{what} submitted on {on}, {days} days after the {due_on} deadline"),
    N_("{what} submitted on {on}"),
    N_("{what}: the date is not yet set by the city"),
    N_("{what} was due on {due_on} and is missing"),
    N_("{what} is due on {due_on}"),
    # shared conditions
    N_("the application was withdrawn"),
    N_("no application on record"),
    N_("application submitted on {on}"),
    N_("awarded {amount} ({refs})"),
    N_("no award decision on record"),
    N_("{amount} demanded back, due {due_on}, is not paid"),
    N_("the round was closed on {on}"),
    # payable now and owed back
    N_("blocked by {codes}"),
    N_("the award of {amount} is paid in full"),
    N_("award {amount} less paid {paid}"),
    N_("supervision {amount}"),
    N_("paid {paid} against an award of {amount}: {over} to pay back"),
    N_(
        "the application was withdrawn with {paid} paid: all of it is owed back until an "
        "account shows what was used"
    ),
    N_(
        "the application was withdrawn with {paid} of supervision money paid: all of it is "
        "owed back until an account shows its use"
    ),
    N_("supervision paid {paid} against a grant of {amount}: {over} to pay back"),
    N_("supervision paid {paid}, not stated in the account: {unused} to pay back"),
    N_("supervision paid {paid}, used {used}: {unused} to pay back"),
    N_("demanded {demanded}, received or waived {settled}"),
    N_("no final account yet"),
    N_("no year-end account yet"),
    N_("no final financial report yet"),
    N_(
        "paid {paid}, used according to plan {used} (spent {spent}, of which {outside} "
        "outside the plan): {unused} to pay back"
    ),
    N_("paid {paid}, spent {spent} by the final financial report: {unused} to pay back"),
    # work plans (2014)
    N_("no work plan submitted; the steering group must approve one before any payment"),
    N_("plan {plan} approved by the steering group on {on}"),
    N_("plan {plan} awaits the steering group"),
    N_("plan {plan} was rejected on {on}"),
    N_("plan {plan} approved on {on}; {newer}"),
    N_("plan {plan} was rejected on {on}: {why}; a revised plan must be submitted"),
    N_("plan {plan} submitted on {on} awaits the steering group's approval"),
    # network meetings and supervision (2014)
    N_(
        "missed without excuse: {sessions}; a coordinator must record a make-up or an "
        "exemption before further payment"
    ),
    N_("took part in or was excused from {done} of {held} mandatory sessions held so far"),
    N_("attendance not yet recorded for {count}"),
    N_("supervision requested on {on}, {amount} granted"),
    N_("supervision requested on {on}, not yet granted"),
    N_(
        "no supervision request yet: supervision money is paid only on a request that "
        "describes the joint supervision"
    ),
    # refusals a form shows (policies/decisions.py)
    N_("cannot pay {amount} ({purpose}) to {district}: {may} may be paid now ({why})"),
    N_("round {round} is closed: it takes no more reports or payments"),
    N_("{day} is outside round {round} ({first} to {last}); check the date"),
    N_("{day} is in the future: record what has happened, when it has"),
    N_("{district} has withdrawn its application"),
    N_("plan {plan} is already {status}"),
    N_("the period ends on {end}, before it starts on {start}"),
    # payment plans and report review
    *PLAN_PATTERNS,
)

#: Phrases the patterns are filled with (what a dated obligation is called, and the like).
PHRASES: tuple[str, ...] = (
    N_("the year-end account and cost description"),
    N_("the year-end account"),
    N_("the T2 follow-up"),
    N_("the T2 financial report"),
    N_("the T2 presentation of future self-financing"),
    N_("the final financial report"),
    N_("the follow-up in the annual report"),
    N_("the autumn follow-up for the December report"),
    N_("the autumn follow-up"),
    N_("approved"),
    N_("rejected"),
    N_("submitted"),
    N_("grant"),
    N_("supervision"),
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_DAY = r"\d{4}-\d{2}-\d{2}(?:[ T][\d:+.]+)?"
_MONEY = r"−?\d[\d\u00a0 ]* kr"
#: What each placeholder may hold (a name not listed holds any text).
_SHAPES: dict[str, str] = {
    **dict.fromkeys(("on", "due_on", "day", "first", "last", "start", "end"), _DAY),
    **dict.fromkeys(
        (
            "amount",
            "paid",
            "over",
            "unused",
            "used",
            "spent",
            "outside",
            "demanded",
            "settled",
            "may",
        ),
        _MONEY,
    ),
    **dict.fromkeys(("plan", "round"), r"\S+"),
    **dict.fromkeys(("days", "count", "done", "held"), r"\d+"),
}
_AMOUNT = re.compile(r"^−?[\d\u00a0 ]+ kr$")
_CODES = re.compile(r"^[a-z0-9_]+(?:, [a-z0-9_]+)*$")


@dataclass(frozen=True, slots=True)
class _Pattern:
    source: str
    regex: re.Pattern[str]


@cache
def _compiled() -> tuple[_Pattern, ...]:
    out = []
    for source in PATTERNS:
        parts, last = [], 0
        for match in _PLACEHOLDER.finditer(source):
            parts.append(re.escape(source[last : match.start()]))
            name = match.group(1)
            parts.append(f"(?P<{name}>{_SHAPES.get(name, '.+?')})")
            last = match.end()
        parts.append(re.escape(source[last:]))
        out.append(_Pattern(source, re.compile("^" + "".join(parts) + "$", re.DOTALL)))
    # The longest literal text first, so "… submitted on {on}, … deadline" wins over
    # "{what} submitted on {on}".
    out.sort(key=lambda p: -len(_PLACEHOLDER.sub("", p.source)))
    return tuple(out)


def _match(text: str) -> tuple[_Pattern, dict[str, str]] | None:
    for pattern in _compiled():
        found = pattern.regex.match(text)
        if found is not None:
            return pattern, found.groupdict()
    return None


def say(
    text: str,
    gettext: Callable[[str], str],
    code_name: Callable[[str], str],
    *,
    strict: bool = False,
) -> str:
    """``text`` (a policy's sentence) in the language of ``gettext``.

    ``code_name`` names a condition code. With ``strict``, a part no pattern matches raises
    ``LookupError`` (the tests use it); otherwise it is left as it is."""
    if not text:
        return text
    whole = _sentence(text, gettext, code_name, strict)
    if whole is not None:
        return whole
    # Sentences joined by "; " (a pattern may itself hold "; ": take the longest that fits).
    parts = text.split("; ")
    out: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            said = _sentence("; ".join(parts[i:j]), gettext, code_name, strict=False)
            if said is not None:
                out.append(said)
                i = j
                break
        else:
            if strict:
                raise LookupError(f"no pattern says {parts[i]!r}")
            out.append(parts[i])
            i += 1
    return "; ".join(out)


def _sentence(
    text: str, gettext: Callable[[str], str], code_name: Callable[[str], str], strict: bool
) -> str | None:
    found = _match(text)
    if found is None:
        if strict and "; " not in text:
            raise LookupError(f"no pattern says {text!r}")
        return None
    pattern, values = found
    said = {name: _value(name, value, gettext, code_name) for name, value in values.items()}
    return gettext(pattern.source).format(**said)


def _value(
    name: str, value: str, gettext: Callable[[str], str], code_name: Callable[[str], str]
) -> str:
    if _AMOUNT.match(value):
        return value
    if name == "codes" and _CODES.match(value):
        return ", ".join(code_name(code).lower() for code in value.split(", "))
    if value in PHRASES:
        return gettext(value)
    return say(value, gettext, code_name)

"""Reasons in words: the one place that says a policy's :class:`~policies.reason.Reason`.

The policies answer with reasons as data (a code and typed parameters). This module says one
in the reader's language: the text of each code is a message of the Babel catalogue (its
message id is the code, ``ppss_workflow/locale/{sv,en}/LC_MESSAGES/messages.po``), with the
code's parameters as ``{name}`` placeholders, the same names in both languages. Parameters
are said by their type:

- :class:`~policies.reason.Kronor`: ``1 234 567 kr`` (no-break spaces, ``−`` for a negative);
- a :class:`datetime.date`: ``2018-11-30``, as Swedish official texts write it;
- :class:`~policies.reason.Named`: the thing's plain name (a condition, a report, a status, a
  role, an event kind...), never its code;
- a nested reason: said in turn; ``joined`` reasons are said one after the other ("…; …");
- a tuple: a list, "a, b och c" / "a, b and c";
- ``int`` and ``str`` as they are (a count, or free text a person wrote).

A code whose text is missing from the catalogue fails ``tests/unit/test_words.py``, not a
user; should one reach a user anyway, it is said in English, else by its parameters only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from policies.reason import JOINED, Kronor, Named, Param, Reason
from ppss_workflow.i18n import N_, Translator, translator

__all__ = ["REPORT_NAMES", "english", "kronor", "say", "say_list", "say_refusal"]

#: What a report or dated obligation is called inside a sentence (``Named("report", code)``).
REPORT_NAMES: dict[str, str] = {
    "t2_follow_up": N_("the T2 follow-up"),
    "t2_financial_report": N_("the T2 financial report"),
    "t2_self_financing": N_("the T2 presentation of future self-financing"),
    "final_financial_report": N_("the final financial report"),
    "annual_follow_up": N_("the follow-up in the annual report"),
    "year_end_account": N_("the year-end account"),
    "year_end_account_and_costs": N_("the year-end account and cost description"),
    "autumn_follow_up": N_("the autumn follow-up"),
    "autumn_follow_up_december": N_("the autumn follow-up for the December report"),
}

#: What a document may be attached to (``Named("attached_to", ...)``).
ATTACHED_TO_NAMES: dict[str, str] = {
    "application": N_("the application"),
    "plan": N_("the work plan"),
    "t2-report": N_("the T2 report"),
    "annual-report": N_("the annual report"),
    "financial-report": N_("the financial report"),
    "year-end-account": N_("the year-end account"),
}

#: A work plan's status inside a sentence (``Named("plan_status", ...)``).
PLAN_STATUS_NAMES: dict[str, str] = {
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "submitted": N_("submitted"),
}

#: What a network record says (``Named("network_outcome", ...)``).
NETWORK_OUTCOME_NAMES: dict[str, str] = {
    "attended": N_("attended"),
    "absent": N_("absent"),
    "make-up": N_("a make-up"),
    "exemption": N_("an exemption"),
}

#: Who signs a 2018 application (``Named("signatory", ...)``, policies.sst2018).
SIGNATORY_NAMES: dict[str, str] = {
    "administration_director": N_("the administration director (förvaltningschef)"),
    "finance_director": N_("the finance director (ekonomichef)"),
    "head_of_department": N_("the head of department (avdelningschef)"),
}

#: What is wrong with a field of the input (``Named("validation", ...)``: pydantic's error
#: types); any other type is said as "is not valid".
VALIDATION_NAMES: dict[str, str] = {
    "missing": N_("is missing"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "string_type": N_("must be text"),
    "greater_than": N_("is too small"),
    "greater_than_equal": N_("is too small"),
    "less_than": N_("is too large"),
    "less_than_equal": N_("is too large"),
    "string_too_short": N_("is too short"),
    "too_short": N_("is too short"),
    "string_too_long": N_("is too long"),
    "too_long": N_("is too long"),
    "date_parsing": N_("must be a date, YYYY-MM-DD"),
    "date_type": N_("must be a date, YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("must be a date, YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("must be a date, YYYY-MM-DD"),
    "extra_forbidden": N_("is not expected here"),
    "literal_error": N_("is not one of the values allowed"),
    "enum": N_("is not one of the values allowed"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "list_type": N_("must be a list"),
    "tuple_type": N_("must be a list"),
    "dict_type": N_("must be an object"),
    "model_type": N_("must be an object"),
}
_NOT_VALID = N_("is not valid")

_TABLES: dict[str, dict[str, str]] = {
    "signatory": SIGNATORY_NAMES,
    "report": REPORT_NAMES,
    "attached_to": ATTACHED_TO_NAMES,
    "plan_status": PLAN_STATUS_NAMES,
    "network_outcome": NETWORK_OUTCOME_NAMES,
}


def kronor(amount: int) -> str:
    """Money for people: ``1 234 567 kr`` (a no-break space between groups, so it never
    wraps), ``−1 234 kr`` for a negative amount."""
    return Translator.money(amount)


def say(reason: Reason | dict[str, Any] | None, lang: str | None = None) -> str:
    """``reason`` in ``lang`` ("sv" by default, "en" on request); a stored reason
    (:meth:`Reason.to_data`) is read back first. ``None`` says nothing."""
    if reason is None:
        return ""
    if isinstance(reason, dict):
        reason = Reason.from_data(reason)
    return _say(reason, translator(lang))


def english(reason: Reason | dict[str, Any] | None) -> str:
    """The English sentence (the audit's JSON keeps it beside the code, for raw readers)."""
    return say(reason, "en")


def say_list(items: list[str], lang: str | None = None) -> str:
    """``a, b och c`` (``a, b and c`` in English)."""
    return _list(items, translator(lang))


def _say(reason: Reason, tr: Translator) -> str:
    if reason.code == JOINED.code:
        parts = reason["parts"]
        said = [_value(p, tr) for p in (parts if isinstance(parts, tuple) else (parts,))]
        return "; ".join(s for s in said if s)
    values = {name: _value(value, tr) for name, value in reason.params}
    text = tr.gettext(reason.code)
    if text == reason.code:
        text = translator("en").gettext(reason.code)
    if text == reason.code:  # no text at all: the parameters, never the code
        return ", ".join(v for v in values.values() if v)
    return text.format(**values)


def _value(value: Param, tr: Translator) -> str:
    if isinstance(value, Reason):
        return _say(value, tr)
    if isinstance(value, Kronor):
        return kronor(value.amount)
    if isinstance(value, Named):
        return _named(value, tr)
    if isinstance(value, date):
        return tr.date(value)
    if isinstance(value, tuple):
        return _list([_value(v, tr) for v in value], tr)
    return str(value)


def _list(items: list[str], tr: Translator) -> str:
    if len(items) <= 1:
        return "".join(items)
    return tr.gettext("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])


def _named(value: Named, tr: Translator) -> str:
    kind, code = value.kind, value.code
    table = _TABLES.get(kind, {})
    if code in table:
        return tr.gettext(table[code])
    if kind in ("condition", "release", "report", "deadline"):
        return _lower_first(tr.condition(code))
    if kind == "status":
        return tr.status(code)
    if kind == "role":
        return _lower_first(tr.role(code))
    if kind == "event":
        return _lower_first(tr.event(code))
    if kind == "purpose":
        return tr.purpose(code)
    if kind == "step":
        return tr.step(code)
    if kind in (
        "verb",
        "operation",
        "measure",
    ):  # a command's or operation's verb: its catalogue text
        return tr.gettext(code)
    if kind == "validation":
        return tr.gettext(VALIDATION_NAMES.get(code, _NOT_VALID))
    # a district, a round, a school: its own name
    return code


def _lower_first(text: str) -> str:
    """A name used inside a sentence: ``Grant awarded`` -> ``grant awarded`` (an acronym such
    as ``T2`` keeps its case)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def say_refusal(refusal: Any, lang: str | None = None) -> str:
    """What a :class:`~policies.decisions.Refusal` says to a person: its reason in ``lang``
    (a refusal not yet given a reason code shows its one-line message)."""
    reason = getattr(refusal, "reason", None)
    if isinstance(reason, Reason):
        return say(reason, lang)
    return str(getattr(refusal, "message", refusal))

"""Every reason code has a Swedish and an English text with exactly its parameters, and is
said with sample parameters (no database): a code with no text fails here, not a user."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest
from babel.messages.pofile import read_po

import policies.decisions  # declares the refusal and "already" codes
import policies.grants  # declares the role codes
import policies.registry  # noqa: F401 - every round's rules and their codes
import ppss_workflow.errors  # noqa: F401 - codes of lookups that find nothing
from policies.reason import JOINED, REASON_CODES, Kronor, Named, Reason, joined
from ppss_workflow.errors import ConcurrencyError
from ppss_workflow.i18n import LOCALE_DIR
from ppss_workflow.words import kronor, say, say_list

NBSP = "\u00a0"
_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _catalogue(lang: str) -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_there_are_reason_codes_to_check() -> None:
    """The policies declare their codes (no fixed count: a new code must only have texts)."""
    assert len(REASON_CODES) > 50
    assert {"payable.blocked", "obligation.missing", "payment.not_payable"} <= set(REASON_CODES)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_reason_code_has_a_text_with_exactly_its_parameters(lang: str) -> None:
    texts = _catalogue(lang)
    missing = sorted(code for code in REASON_CODES if not texts.get(code))
    assert missing == []
    wrong = {
        code: (sorted(_names(texts[code])), sorted(rc.names))
        for code, rc in REASON_CODES.items()
        if _names(texts[code]) != set(rc.names)
    }
    assert wrong == {}


def test_swedish_and_english_texts_differ_where_they_are_words() -> None:
    """A Swedish text is not the English one copied (a text of placeholders only may be)."""
    sv, en = _catalogue("sv"), _catalogue("en")
    copied = [
        code
        for code in REASON_CODES
        if sv[code] == en[code] and re.sub(r"\{\w+\}|[\W\d]", "", sv[code])
    ]
    assert copied == []


def _sample(name: str, depth: int = 0) -> object:
    if name in ("amount", "paid", "used", "unused", "over", "spent", "outside", "may"):
        return Kronor(1_234_567)
    if name in ("on", "due_on", "day", "first", "last", "start", "end", "meeting", "submitted"):
        return date(2018, 11, 30)
    if name in ("why", "newer", "review", "state") and depth == 0:
        return Reason("review.returned", (("on", date(2018, 1, 2)), ("why", "Saknar budget")))
    if name in ("conditions", "known", "roles", "allowed", "sessions", "parts", "refs"):
        return (Named("condition", "plan_approved"), Named("condition", "year_end_account"))
    if name in ("what", "report"):
        return Named("report", "year_end_account")
    if name in ("days", "count", "done", "held", "number", "schools"):
        return 3
    return "X-1"


@pytest.mark.parametrize("code", sorted(REASON_CODES))
def test_every_reason_code_is_said_in_both_languages(code: str) -> None:
    """Said with sample parameters: no placeholder left, no internal code shown in Swedish."""
    rc = REASON_CODES[code]
    reason = Reason(code, tuple((n, _sample(n)) for n in rc.names))  # type: ignore[misc]
    sv, en = say(reason, "sv"), say(reason, "en")
    assert sv
    assert en
    assert "{" not in sv
    assert "{" not in en
    assert _CODE.findall(sv) == []
    assert code not in sv


def test_money_dates_and_lists_are_written_once_for_people() -> None:
    assert kronor(1_234_567) == f"1{NBSP}234{NBSP}567 kr"
    assert kronor(-1_500) == f"\u22121{NBSP}500 kr"
    assert kronor(0) == "0 kr"
    assert say_list(["a", "b", "c"], "sv") == "a, b och c"
    assert say_list(["a", "b", "c"], "en") == "a, b and c"
    assert say_list(["a"], "sv") == "a"


def test_a_reason_nests_and_joins_and_survives_storage() -> None:
    blocked = REASON_CODES["payable.blocked"](
        conditions=(
            Named("condition", "plan_approved"),
            Named("condition", "network_participation"),
        )
    )
    late = REASON_CODES["repayment.overdue"](amount=Kronor(-5_000), due_on=date(2015, 3, 31))
    both = joined(blocked, late)
    assert both.code == JOINED.code
    said = say(both, "sv")
    assert said == say(Reason.from_data(both.to_data()), "sv")
    assert said.startswith("stoppas av: ")
    assert " och " in said
    assert "; " in said
    assert f"\u22125{NBSP}000 kr" in said
    assert "2015-03-31" in said
    assert say(both, "en").startswith("blocked by ")
    assert joined(blocked) is blocked


def test_a_code_with_no_text_is_never_shown_as_a_code() -> None:
    odd = Reason("nowhere.to_be_found", (("amount", Kronor(5)),))
    assert say(odd, "sv") == "5 kr"


def test_the_catalogue_is_compiled_from_the_po_files_in_memory() -> None:
    """No compiled file is needed: the words come from the ``.po`` files themselves."""
    from ppss_workflow.i18n import _catalogue, translator  # noqa: PLC0415

    _catalogue.cache_clear()
    assert translator("sv").gettext("payable.blocked") == "stoppas av: {conditions}"
    assert translator("en").gettext("payable.blocked") == "blocked by {conditions}"


def test_a_lost_race_for_a_stream_is_said_in_the_readers_language() -> None:
    """The 409 for a command that lost the race to append is a reason, said in Swedish by
    default, in English on request, and names no internal stream id."""
    error = ConcurrencyError("project:ppss-2014:Farsta", 3, 4)
    assert error.reason is not None
    assert error.reason.code == "store.someone_else_first"
    swedish = say(error.reason, "sv")
    assert swedish.startswith("någon annan hann registrera")
    assert "ladda om" in swedish
    assert "project:" not in swedish
    assert not _CODE.search(swedish)
    assert say(error.reason, "en").startswith("someone else recorded")


def test_an_unknown_district_names_the_rounds_districts_or_says_it_has_none_yet() -> None:
    from policies.decisions import unknown_district  # noqa: PLC0415

    none_yet = unknown_district("Xby", "ppss-2014", [])
    assert say(none_yet, "sv") == (
        "ingen stadsdel Xby i omgång ppss-2014: omgången har inga ansökningar ännu"
    )
    named = [f"D{i:02d}" for i in range(20)]
    some = unknown_district("Xby", "ppss-2014", named)
    assert some["known"] == tuple(named[:12])
    assert say(some, "en") == (
        "no district Xby in round ppss-2014 (the round has: " + ", ".join(named[:11]) + " and D11)"
    )

"""What people type into commands: printable names and references on one line, reasons that
may span lines; never a control character or a bidirectional override (issue 12)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from policies.commands import Disburse, Withdraw


def _pay(reference: str) -> Disburse:
    return Disburse(round_id="r", district="Farsta", amount_sek=1, payment_reference=reference)


@pytest.mark.parametrize("bad", ["R\x00", "R\x1b[2J", "R\u202e1", "rad 1\nrad 2", "R\x7f"])
def test_a_reference_is_one_printable_line(bad: str) -> None:
    with pytest.raises(ValidationError, match="printable characters only"):
        _pay(bad)


def test_printable_names_pass_and_are_bounded() -> None:
    assert _pay('=HYPERLINK("x")').payment_reference == '=HYPERLINK("x")'  # exports quote it
    assert _pay("Ärende 2014-01 / Skärholmen").payment_reference.startswith("Ärende")
    with pytest.raises(ValidationError):
        _pay("x" * 201)


def test_a_reason_may_span_lines_but_holds_no_control_character() -> None:
    ok = Withdraw(round_id="r", district="Farsta", reason="Första raden\nAndra raden\tmed tab")
    assert "\n" in ok.reason
    with pytest.raises(ValidationError, match="control character"):
        Withdraw(round_id="r", district="Farsta", reason="ok\x1b[2J")
    with pytest.raises(ValidationError, match="control character"):
        Withdraw(round_id="r", district="Far\x00sta", reason="ok")


@pytest.mark.parametrize("count", [True, "3", 3.0, 1e3])
def test_a_count_is_a_whole_number_not_a_bool_text_or_float(count: object) -> None:
    from datetime import date  # noqa: PLC0415

    from events import ApplicationSubmitted, FollowUpIndicators  # noqa: PLC0415

    with pytest.raises(ValidationError, match="school_count"):
        ApplicationSubmitted(
            round_id="r", project_id="farsta", district="Farsta", school_count=count,  # type: ignore[arg-type]
            applied_sek=100_000, period_start=date(2014, 1, 1), period_end=date(2014, 12, 31),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="pupils_reached"):
        FollowUpIndicators(target_group_size=10, pupils_reached=count)  # type: ignore[arg-type]


def test_a_control_character_is_refused_naming_it_and_what_the_value_must_be() -> None:
    with pytest.raises(ValidationError) as one_line:
        _pay("Ärende\t14")
    assert one_line.value.errors()[0]["msg"] == (
        "Value error, contains the control character '\\t': use printable characters only,"
        " on one line"
    )
    with pytest.raises(ValidationError) as free_text:
        Withdraw(round_id="r", district="Farsta", reason="rad ett\nrad två\x07")
    assert free_text.value.errors()[0]["msg"] == (
        "Value error, contains the control character '\\x07': use printable characters only"
    )


def test_a_control_character_after_a_line_break_is_refused_too() -> None:
    with pytest.raises(ValidationError, match="control character '\\\\x00'"):
        Withdraw(round_id="r", district="Farsta", reason="rad ett\n\trad två\x00")

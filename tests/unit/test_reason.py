"""Reasons as data (policies.reason): kept as JSON by the read model and the audit and read
back the same; a compact form for logs; a code refuses parameters it does not declare."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from policies.reason import JOINED, REASON_CODES, Kronor, Named, Reason, ReasonCode, joined

INNER = Reason("inner", (("sum", Kronor(5)),))
DEEP = Reason("deep", ())
EVERY_KIND = Reason(
    "every.kind",
    (
        ("count", 3),
        ("text", "Fel konto"),
        ("day", date(2014, 9, 1)),
        ("money", Kronor(-1_000)),
        ("who", Named("district", "Farsta")),
        ("why", INNER),
        ("list", (Named("condition", "plan_approved"), Kronor(7), (DEEP,), "Fel", 2)),
    ),
)


@pytest.fixture
def declared() -> Iterator[list[str]]:
    """Codes a test declares are taken back out of the catalogue's list afterwards."""
    codes: list[str] = []
    yield codes
    for code in codes:
        REASON_CODES.pop(code, None)


def test_a_reason_is_stored_as_plain_json_and_read_back_the_same() -> None:
    data = EVERY_KIND.to_data()
    assert data == {
        "code": "every.kind",
        "params": {
            "count": 3,
            "text": "Fel konto",
            "day": {"date": "2014-09-01"},
            "money": {"kr": -1_000},
            "who": {"named": "district", "code": "Farsta"},
            "why": {"reason": {"code": "inner", "params": {"sum": {"kr": 5}}}},
            "list": {
                "list": [
                    {"named": "condition", "code": "plan_approved"},
                    {"kr": 7},
                    {"list": [{"reason": {"code": "deep", "params": {}}}]},
                    "Fel",
                    2,
                ]
            },
        },
    }
    assert Reason.from_data(data) == EVERY_KIND
    assert Reason.from_data({"code": "bare"}) == Reason("bare")


@pytest.mark.parametrize("value", [{"other": 1}, True, 1.5, [1], None])
def test_what_is_not_a_reason_parameter_is_not_read(value: object) -> None:
    with pytest.raises(ValueError, match="not a reason parameter"):
        Reason.from_data({"code": "x", "params": {"p": value}})


def test_the_compact_form_for_logs_names_the_code_and_each_parameter() -> None:
    assert str(EVERY_KIND) == (
        "every.kind(count=3, text=Fel konto, day=2014-09-01, money=-1000 kr, who=Farsta, "
        "why=inner(sum=5 kr), list=[plan_approved, 7 kr, [deep], Fel, 2])"
    )
    assert str(DEEP) == "deep"


def test_parameters_are_found_by_name_and_nested_reasons_are_walked_depth_first() -> None:
    assert (EVERY_KIND["count"], EVERY_KIND.get("text"), EVERY_KIND.get("none")) == (
        3,
        "Fel konto",
        None,
    )
    assert EVERY_KIND.get("none", 0) == 0
    with pytest.raises(KeyError) as unknown:
        EVERY_KIND["none"]
    assert unknown.value.args == ("none",)
    assert EVERY_KIND.as_dict()["money"] == Kronor(-1_000)
    assert [r.code for r in EVERY_KIND.walk()] == ["every.kind", "inner", "deep"]


def test_a_code_builds_reasons_with_exactly_its_parameters_in_its_order(
    declared: list[str],
) -> None:
    declared.append("test.code")
    code = ReasonCode("test.code", "b", "a")
    assert REASON_CODES["test.code"] is code
    assert code(a=1, b=2) == Reason("test.code", (("b", 2), ("a", 1)))
    with pytest.raises(TypeError, match=r"missing \['a'\], unknown \['c'\]"):
        code(b=1, c=2)
    assert ReasonCode("test.code", "b", "a") == code  # declared again alike: the same code
    with pytest.raises(ValueError, match="declared twice"):
        ReasonCode("test.code", "a")
    with pytest.raises(ValueError, match=r"'test\.twice' names a parameter twice"):
        ReasonCode("test.twice", "a", "b", "a")
    assert "test.twice" not in REASON_CODES
    assert REASON_CODES["test.code"].names == ("b", "a")


def test_joined_reasons_are_said_one_after_the_other_flat() -> None:
    a, b, c = Reason("a"), Reason("b"), Reason("c")
    assert joined(a) is a
    assert joined(None, a, None) is a
    assert joined(a, b) == JOINED(parts=(a, b))
    assert joined(joined(a, b), None, c) == JOINED(parts=(a, b, c))
    assert joined() == JOINED(parts=())
    odd = Reason(JOINED.code, (("parts", "not a list"),))
    assert joined(odd, c) is c

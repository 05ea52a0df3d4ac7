"""``ppss board`` decodes only the details it prints, and keeps none (issue 23, must show 4):
a row that blocks nothing and has no payment plan is printed from its columns alone."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from policies.reason import Reason
from ppss_workflow.cli import workflow_cmds
from ppss_workflow.cli.workflow_cmds import render_board
from ppss_workflow.rows import BoardRow, ConditionLine

#: Reasons as the read model stores them: codes and parameters.
NONE = Reason("review.none").to_data()


def _row(name: str, *, blocking: tuple[str, ...] = (), plan: bool = False) -> BoardRow:
    condition = ConditionLine(
        "follow_up", "unmet" if blocking else "met", Reason("review.none"), "payment"
    )
    detail: dict[str, object] = {
        "conditions": [condition.as_json()],
        "payable_reason": NONE,
        "repayment_reason": NONE,
    }
    if plan:
        detail["instalments"] = [
            {
                "number": 1,
                "share": "60 %",
                "amount_sek": 600_000,
                "releases_on": [],
                "released": True,
                "reason": NONE,
                "evidence": [],
            }
        ]
    return BoardRow(
        project=name, district=name, awarded_sek=1_000_000, disbursed_sek=0,
        payable_sek=0 if blocking else 1_000_000, may_be_paid=not blocking, blocking=blocking,
        repayment_due_sek=0, status="awarded", next_deadline=("follow_up", date(2026, 12, 1)),
        detail=orjson.dumps(detail).decode(),
    )  # fmt: skip


@pytest.mark.parametrize("rows_in_board", [3, 400])  # a Rich table, and plain text
def test_board_decodes_only_what_it_prints(
    rows_in_board: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPSS_LANG", "en")
    # wide enough that the table never wraps a district's name, whatever the terminal
    monkeypatch.setattr(workflow_cmds.out_console, "width", 200)
    plain = [_row(f"Distrikt {n:04d}") for n in range(rows_in_board - 2)]
    blocked = _row("Blocked district", blocking=("follow_up",))
    planned = _row("Planned district", plan=True)
    decoded: list[str] = []
    real = BoardRow.read_detail

    def counting(self: BoardRow) -> object:
        decoded.append(self.district)
        return real(self)

    monkeypatch.setattr(BoardRow, "read_detail", counting)
    rows = [*plain, blocked, planned]
    render_board(rows, "Board", "table")
    out = capsys.readouterr().out
    assert sorted(decoded) == ["Blocked district", "Planned district"]
    assert not any("_detail" in r.__dict__ for r in rows)  # nothing kept after printing
    assert "Blocked district:" in out
    assert "Planned district:" in out
    assert "Distrikt 0000:" not in out
    for row in plain:
        assert row.district in out  # every row printed, in the Rich table or the plain one


def test_has_instalments_reads_the_key_not_a_sentence() -> None:
    assert _row("a", plan=True).has_instalments
    assert not _row("b").has_instalments
    sentence = _row("c")
    tricky = BoardRow(
        **{
            **{k: getattr(sentence, k) for k in sentence.__dataclass_fields__},
            "detail": orjson.dumps(
                {"conditions": [], "payable_reason": {"code": 'see "instalments"', "params": {}}}
            ).decode(),
        }
    )
    assert not tricky.has_instalments
    assert tricky.read_detail() == ((), ())

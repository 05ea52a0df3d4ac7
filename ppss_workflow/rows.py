"""The coordinator's board row: built from an assessment, stored in the read model, read back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import orjson

from policies.base import Assessment, Condition
from policies.ledger import Ledger
from policies.reason import Reason

__all__ = ["BoardRow", "ConditionLine", "board_row"]

#: Where board_row keeps a project's last conditions with their JSON (in its state's memo).
_LAST_CONDITIONS = "rows.board_row.conditions"
#: Where it keeps the last payable's and repayment's reasons with their JSON.
_LAST_PAYABLE = "rows.board_row.payable"
_LAST_REPAYMENT = "rows.board_row.repayment"


@dataclass(frozen=True, slots=True)
class ConditionLine:
    """One condition as the board shows it: its reason (a code and parameters), the positions
    of its evidence."""

    code: str
    status: str
    reason: Reason
    blocks: str
    evidence: tuple[int, ...] = ()
    due_on: date | None = None
    since: date | None = None

    @property
    def blocking(self) -> bool:
        return self.status == "unmet" and bool(self.blocks)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "reason": self.reason.to_data(),
            "blocks": self.blocks,
            "evidence": list(self.evidence),
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "since": self.since.isoformat() if self.since else None,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ConditionLine:
        return cls(
            d["code"],
            d["status"],
            Reason.from_data(d["reason"]),
            d["blocks"],
            tuple(d["evidence"]),
            date.fromisoformat(d["due_on"]) if d["due_on"] else None,
            date.fromisoformat(d["since"]) if d["since"] else None,
        )


@dataclass(frozen=True)
class BoardRow:
    """One line of the coordinator's board. The conditions' details are decoded on demand, so
    a board of thousands of rows read from the read model costs one small decode per row."""

    project: str
    district: str
    #: The grant alone: awarded, paid and payable now. Supervision money (seed 000's separate
    #: R&D pool) is kept apart: :attr:`supervision_granted_sek` and the two after it.
    awarded_sek: int
    disbursed_sek: int
    payable_sek: int
    may_be_paid: bool
    blocking: tuple[str, ...]
    repayment_due_sek: int
    status: str
    next_deadline: tuple[str, date] | None
    #: JSON: the conditions, and the reasons for what is payable and what is owed back.
    detail: str = field(repr=False, compare=True)

    @cached_property
    def _detail(self) -> dict[str, Any]:
        decoded: dict[str, Any] = orjson.loads(self.detail)
        return decoded

    @property
    def _supervision(self) -> tuple[int, int, int]:
        """(granted, paid, payable now) of supervision money; read without decoding the whole
        detail when the project has none (most rows of most rounds)."""
        if '"supervision":' not in self.detail:
            return (0, 0, 0)
        granted, paid, payable = self._detail.get("supervision", (0, 0, 0))
        return int(granted), int(paid), int(payable)

    @property
    def supervision_granted_sek(self) -> int:
        return self._supervision[0]

    @property
    def supervision_paid_sek(self) -> int:
        return self._supervision[1]

    @property
    def supervision_payable_sek(self) -> int:
        return self._supervision[2]

    @property
    def conditions(self) -> tuple[ConditionLine, ...]:
        return tuple(ConditionLine.from_json(c) for c in self._detail["conditions"])

    @property
    def payable_reason(self) -> Reason:
        return Reason.from_data(self._detail["payable_reason"])

    @property
    def repayment_reason(self) -> Reason:
        return Reason.from_data(self._detail["repayment_reason"])

    @property
    def has_instalments(self) -> bool:
        """Whether a payment plan's instalments may be in the detail, seen without decoding it:
        ``"instalments":`` can only be an object key (inside a JSON string every quote is
        escaped). A false yes costs one decode that finds none, never a wrong answer."""
        return '"instalments":' in self.detail

    def read_detail(self) -> tuple[tuple[ConditionLine, ...], tuple[dict[str, Any], ...]]:
        """The conditions and the instalments, decoded for one use and not kept: a printed
        board of 10 000 rows would otherwise hold every row's decoded details to the end."""
        decoded: dict[str, Any] = self.__dict__.get("_detail") or orjson.loads(self.detail)
        return (
            tuple(ConditionLine.from_json(c) for c in decoded["conditions"]),
            tuple(decoded.get("instalments", ())),
        )

    @property
    def instalments(self) -> tuple[dict[str, Any], ...]:
        """The payment plan's instalments (number, share, amount_sek, releases_on, released,
        reason, evidence); empty when the project is paid by the round's default rule."""
        return tuple(self._detail.get("instalments", ()))

    def as_json(self) -> dict[str, Any]:
        # The detail decoded once, here, and not kept (nor through the cached property, whose
        # lock every thread of a server would take for each row).
        detail: dict[str, Any] = self.__dict__.get("_detail") or orjson.loads(self.detail)
        granted, paid, payable = detail.get("supervision", (0, 0, 0))
        instalments = detail.get("instalments", ())
        return {
            "project": self.project,
            "district": self.district,
            "awarded_sek": self.awarded_sek,
            "disbursed_sek": self.disbursed_sek,
            "payable_sek": self.payable_sek,
            "supervision_granted_sek": int(granted),
            "supervision_disbursed_sek": int(paid),
            "supervision_payable_sek": int(payable),
            "may_be_paid": self.may_be_paid,
            "blocking": list(self.blocking),
            "repayment_due_sek": self.repayment_due_sek,
            "status": self.status,
            "next_deadline": (
                {"code": self.next_deadline[0], "due_on": self.next_deadline[1].isoformat()}
                if self.next_deadline
                else None
            ),
            "conditions": [
                {k: c[k] for k in ("code", "status", "reason", "blocks", "evidence")}
                for c in detail["conditions"]
            ],
        } | ({"instalments": list(instalments)} if instalments else {})


def _condition_json(c: Condition) -> dict[str, Any]:
    """What ConditionLine(...).as_json() says, without making the ConditionLine first."""
    return {
        "code": c.code,
        "status": str(c.status),
        "reason": c.reason.to_data(),
        "blocks": c.blocks,
        "evidence": [r.position for r in c.evidence],
        "due_on": c.due_on.isoformat() if c.due_on else None,
        "since": c.since.isoformat() if c.since else None,
    }


def _said(memo: dict[Any, Any], key: str, reason: Reason) -> bytes:
    """``reason.to_data()`` as JSON, kept in ``memo`` under ``key`` with the reason it says:
    the same reason (the policies keep a project's repayment, and its payable while what it
    reads stands) is not said again."""
    last: tuple[Reason, bytes] | None = memo.get(key)
    if last is not None and (last[0] is reason or last[0] == reason):
        return last[1]
    said = orjson.dumps(reason.to_data())
    memo[key] = (reason, said)
    return said


def board_row(
    project: str,
    district: str,
    ledger: Ledger,
    a: Assessment,
    memo: dict[Any, Any] | None = None,
) -> BoardRow:
    """The board's line for a project assessed at some instant.

    ``memo``: the project state's own (see ``ProjectState.memo``). The conditions of its
    last line are kept there with their JSON, and a condition equal to the one in the same
    place last time is not said again (a deadline moved changes the conditions it dates,
    not the plan's or the award's); so are the payable's and the repayment's reasons. The
    detail is then put together from the JSON kept: the very text one ``orjson.dumps`` of
    the whole says (JSON's object and array syntax around each part's own text)."""
    supervision = (
        ledger.supervision_granted_sek,
        ledger.disbursed_supervision_sek,
        a.payable.supervision_sek,
    )
    if memo is None:
        fields: dict[str, Any] = {
            "conditions": [_condition_json(c) for c in a.conditions],
            "payable_reason": a.payable.reason.to_data(),
            "repayment_reason": a.repayment.reason.to_data(),
        }
        if any(supervision):
            fields["supervision"] = list(supervision)
        if a.payable.instalments:
            fields["instalments"] = [line.as_json() for line in a.payable.instalments]
        detail = orjson.dumps(fields).decode()
    else:
        last: tuple[tuple[Condition, bytes], ...] = memo.get(_LAST_CONDITIONS, ())
        pairs: list[tuple[Condition, bytes]] = []
        for i, c in enumerate(a.conditions):
            if i < len(last) and (last[i][0] is c or last[i][0] == c):
                pairs.append(last[i])
            else:
                pairs.append((c, orjson.dumps(_condition_json(c))))
        memo[_LAST_CONDITIONS] = tuple(pairs)
        parts = [
            b'{"conditions":[',
            b",".join([said for _, said in pairs]),
            b'],"payable_reason":',
            _said(memo, _LAST_PAYABLE, a.payable.reason),
            b',"repayment_reason":',
            _said(memo, _LAST_REPAYMENT, a.repayment.reason),
        ]
        if any(supervision):
            parts += [b',"supervision":', orjson.dumps(list(supervision))]
        if a.payable.instalments:
            lines = [line.as_json() for line in a.payable.instalments]
            parts += [b',"instalments":', orjson.dumps(lines)]
        parts.append(b"}")
        detail = b"".join(parts).decode()
    return BoardRow(
        project=project,
        district=district,
        awarded_sek=ledger.awarded_sek,
        disbursed_sek=ledger.disbursed_grant_sek,
        payable_sek=a.payable.grant_sek,
        may_be_paid=a.may_be_paid,
        blocking=a.blocking,
        repayment_due_sek=a.repayment.due_sek,
        status=a.status,
        next_deadline=a.next_deadline,
        detail=detail,
    )

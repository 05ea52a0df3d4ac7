"""The API's board is written straight from the read model's rows (issue 23: validating every
row through ``BoardOut`` again cost more than reading the board); it must say exactly what the
model would have said, supervision money and the as-of day included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import orjson

from policies.state import stockholm_day
from ppss_workflow.access import Principal
from ppss_workflow.bench_board import RID, _build
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import scratch_store
from ppss_workflow.web.api import BoardOut, BoardRowOut, TotalsOut, board_json
from ppss_workflow.web.views import Totals, visible_board

COORDINATOR = Principal("token c", "token:c", "coordinator", None)


def test_the_boards_json_is_what_the_model_would_give() -> None:
    now = datetime.now(UTC)
    with scratch_store() as store:
        _build(store, 12, stockholm_day(now), lambda *_: None)
        reads = Reads(store, lambda: now)
        year_end = date(now.year - 1, 12, 31)
        for day in (None, year_end, year_end - timedelta(days=200)):
            rows = visible_board(reads, COORDINATOR, RID, day)
            assert rows
            model = BoardOut(
                round_id=RID,
                as_of=day,
                rows=[BoardRowOut.model_validate(row.as_json()) for row in rows],
                totals=TotalsOut(**Totals.of(rows).as_json()),
            ).model_dump(mode="json")
            assert orjson.loads(board_json(RID, day, rows)) == model
            # Again, every row's JSON now kept: the same answer.
            assert orjson.loads(board_json(RID, day, rows)) == model
            for row in rows:  # as_json decodes the detail once: the same figures as the row's
                said = row.as_json()
                assert (
                    said["supervision_granted_sek"],
                    said["supervision_disbursed_sek"],
                    said["supervision_payable_sek"],
                ) == (row.supervision_granted_sek, row.supervision_paid_sek,
                      row.supervision_payable_sek)  # fmt: skip
                assert said.get("instalments", []) == list(row.instalments)
            if day is None:
                # The round has supervision money: the figures the model carries are there.
                assert any(r.supervision_granted_sek for r in rows)
                assert any(c["status"] for r in model["rows"] for c in r["conditions"])


def test_a_changed_row_is_written_anew_not_taken_from_what_was_kept() -> None:
    now = datetime.now(UTC)
    with scratch_store() as store:
        _build(store, 4, stockholm_day(now), lambda *_: None)
        rows = visible_board(Reads(store, lambda: now), COORDINATOR, RID, None)
        board_json(RID, None, rows)  # every row's JSON kept
        changed = [replace(rows[0], disbursed_sek=rows[0].disbursed_sek + 1), *rows[1:]]
        said = orjson.loads(board_json(RID, None, changed))
        assert said["rows"][0]["disbursed_sek"] == rows[0].disbursed_sek + 1
        assert said["totals"]["disbursed_sek"] == sum(r.disbursed_sek for r in rows) + 1
        assert said["rows"][0] == BoardRowOut.model_validate(changed[0].as_json()).model_dump(
            mode="json"
        )

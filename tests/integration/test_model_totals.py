"""A payment decides on the round's totals read from the read model (one statement: the
checkpoint, the round's sums and the payments under the payment's reference). They must be
the totals folded from every project's events, for references paid under (one of them
with an annulment on its project), one never used, and none; and a reference already used
is refused through them; on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from policies.commands import Annul, Disburse
from policies.state import fold_project, stockholm_day
from policies.totals import RoundTotals
from ppss_workflow.bench_board import RID, _build
from ppss_workflow.errors import InvalidCommand
from ppss_workflow.handlers import Actor, Commands
from ppss_workflow.projections import Projector
from ppss_workflow.readmodels import group_streams
from ppss_workflow.scratch import scratch_store
from tests.conftest import base_url_for

COORDINATOR = Actor("coordinator", "samordnare@example.org")


def test_the_models_totals_are_the_folded_totals(backend: str) -> None:
    now = datetime.now(UTC)
    paid_on = date(now.year - 1, 12, 15)
    with scratch_store(base_url_for(backend)) as store:
        _build(store, 6, stockholm_day(now), lambda *_: None)
        commands = Commands(store, lambda: now)
        for i, reference in enumerate(["load-1-1", "load-2-1", "load-3-1"]):
            commands.execute(
                COORDINATOR,
                Disburse(
                    round_id=RID, district=f"Distrikt {i:06d}", amount_sek=1 + i,
                    payment_reference=reference, on=paid_on,
                ),
            )  # fmt: skip
        # The model's totals know the reference: it is not used twice.
        with pytest.raises(InvalidCommand, match="load-2-1"):
            commands.execute(
                COORDINATOR,
                Disburse(
                    round_id=RID, district="Distrikt 000004", amount_sek=1,
                    payment_reference="load-2-1", on=paid_on,
                ),
            )  # fmt: skip
        annulled = commands.execute(
            COORDINATOR,
            Disburse(
                round_id=RID, district="Distrikt 000005", amount_sek=7,
                payment_reference="load-4-1", on=paid_on,
            ),
        ).first.last_position  # fmt: skip
        commands.execute(
            COORDINATOR,
            Annul(round_id=RID, district="Distrikt 000005", position=annulled,
                  reason="registrerad av misstag", money_never_left=True),
        )  # fmt: skip
        model = Projector(store, lambda: now)
        position = model.catch_up()
        folded = RoundTotals.of(
            fold_project(stream_id, history)
            for stream_id, history in group_streams(store.read_streams(f"project:{RID}:")).items()
        )
        assert folded.payments["load-1-1"]
        assert folded.supervision_granted_sek
        for reference in ["load-1-1", "load-2-1", "load-3-1", "load-4-1", "never-used", None]:
            totals, at = model.totals(RID, reference)
            assert at == position
            assert totals.awarded_sek == folded.awarded_sek
            assert totals.supervision_granted_sek == folded.supervision_granted_sek
            wanted = folded.payments.get(reference, ()) if reference is not None else ()
            assert totals.payments == ({reference: wanted} if wanted else {})
        assert model.totals("no-such-round", "load-1-1") == (RoundTotals(0, 0, {}), position)

"""The rows after the last signed checkpoint (ppss_workflow.checkpoints.unsigned_tail) and how
they are said (export.unsigned_tail_text), Swedish by default."""

from __future__ import annotations

from ppss_workflow.checkpoints import UnsignedTail, unsigned_tail
from ppss_workflow.export import unsigned_tail_text
from ppss_workflow.i18n import translator


def test_the_tail_after_the_newest_checkpoint() -> None:
    assert unsigned_tail([10, 40], 45) == UnsignedTail(5, 41, 45, 40)
    assert unsigned_tail([10, 45], 45) is None
    assert unsigned_tail([], 3) == UnsignedTail(3, 1, 3, 0)
    assert unsigned_tail([], 0) is None


def test_the_tail_is_said_in_swedish_and_in_english() -> None:
    sv, en = translator("sv"), translator("en")
    assert unsigned_tail_text(UnsignedTail(5, 41, 45, 40), sv) == (
        "5 rader efter den senaste signerade kontrollpunkten vid position 40 (positionerna 41–45)"
    )
    assert unsigned_tail_text(UnsignedTail(1, 41, 41, 40), sv) == (
        "1 rad efter den senaste signerade kontrollpunkten vid position 40 (position 41)"
    )
    assert unsigned_tail_text(UnsignedTail(3, 1, 3, 0), sv) == (
        "3 rader täcks inte av någon signerad kontrollpunkt (positionerna 1–3)"
    )
    assert unsigned_tail_text(UnsignedTail(5, 41, 45, 40), en) == (
        "5 rows after the last signed checkpoint at position 40 (positions 41–45)"
    )

"""A benchmark's table shows a nested figure (``ppss bench load``'s latencies by kind of
request) one row a figure, named ``outer.inner``, in the result's order."""

from __future__ import annotations

from ppss_workflow.cli.bench import _flat


def test_nested_figures_are_one_row_each() -> None:
    result = {"p95_ms": 1.5, "by_kind": {"pay": {"requests": 3, "p95_ms": 9.0}}, "ok": True}
    assert _flat(result) == [
        ("p95_ms", 1.5),
        ("by_kind.pay.requests", 3),
        ("by_kind.pay.p95_ms", 9.0),
        ("ok", True),
    ]

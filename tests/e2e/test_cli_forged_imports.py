"""`ppss import` of forged histories: rows appended to a real export and hashed again.

The chain of a forged file verifies (its hash has no key), so each is refused for what it
says: a payment no rule allowed, a role acting outside its rights, an event on the wrong
kind of stream, metadata that is not JSON. One line naming the line number, nothing written.
"""

from __future__ import annotations

import io
import json
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from events import registry
from ppss_workflow.checkpoints import generate_key, load_private_key, read_checkpoints, sign_head
from ppss_workflow.codec import canonical_json, chain_hash_text
from ppss_workflow.errors import InvalidEventError
from ppss_workflow.export import bounded_lines, with_head
from ppss_workflow.scratch import scratch_url
from ppss_workflow.store import EventStore
from tests.conftest import base_url_for
from tests.demo_template import demo_copy, demo_copy_url
from tests.e2e.cli import assert_one_line_error, ppss

COLUMNS = ("position", "stream_id", "version", "event_id", "event_type", "schema_version",
           "data", "metadata", "occurred_at", "recorded_at")  # fmt: skip
FARSTA = "project:ppss-2014:farsta"
COORDINATOR = {"actor": "samordnare@example.org", "role": "coordinator"}


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo rounds exported once per module."""
    folder = tmp_path_factory.mktemp("demo")
    with demo_copy_url() as url:
        out = folder / "demo.jsonl"
        done = ppss("export", "-o", str(out), "--database", url, home=folder)
        assert done.code == 0, done.err
    return out


def forge(source: Path, target: Path, stream: str, event_type: str, data: Any,
          metadata: Any = COORDINATOR) -> int:  # fmt: skip
    """Append one row to the export, hashed on from its head; the header says the new head.
    Returns the line number of the forged row."""
    lines = source.read_bytes().splitlines()
    header = json.loads(lines[0])
    rows = [json.loads(line) for line in lines[1:] if line.strip()]
    last = rows[-1]
    version = sum(1 for r in rows if r["stream_id"] == stream) + 1
    row = {
        "position": last["position"] + 1,
        "stream_id": stream,
        "version": version,
        "event_id": str(uuid4()),
        "event_type": event_type,
        "schema_version": registry.cls(event_type).schema_version,
        "data": data if isinstance(data, str) else json.dumps(data, sort_keys=True),
        "metadata": metadata if isinstance(metadata, str) else json.dumps(metadata),
        # Within the round's period, so only the forged content can be at fault.
        "occurred_at": "2014-10-01T10:00:00.000000Z",
        "recorded_at": last["recorded_at"],
    }
    row["hash"] = chain_hash_text(last["hash"], *(row[c] for c in COLUMNS))
    header.update(head_position=row["position"], head_hash=row["hash"])
    body = [json.dumps(header), *(line.decode() for line in lines[1:]), json.dumps(row)]
    target.write_text("\n".join(body) + "\n", encoding="utf-8")
    return len(body)


@pytest.fixture
def target(backend: str) -> Iterator[str]:
    """An empty store to import into: a new SQLite file, or a new PostgreSQL schema."""
    with scratch_url(base_url_for(backend)) as url:
        yield url


def assert_nothing_written(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        assert not list(path.parent.glob(path.name + "*")), "a store file was left behind"
        return
    store = EventStore.from_url(url)
    try:
        assert store.count() == 0
        assert not read_checkpoints(store)
    finally:
        store.close()


PAYMENT = {"amount_sek": 10**12, "payment_reference": "FORGED-1", "purpose": "grant"}
FORGERIES = {
    "a 10^12 kr payment on a 400 000 kr award": (
        FARSTA, "DisbursementMade", PAYMENT, COORDINATOR,
        "motorn skulle ha avslagit denna utbetalning: kan inte betala ut", "regel: payable grant",
    ),
    "metadata claiming the auditor role": (
        FARSTA, "FinancialReportSubmitted",
        {"kind": "final", "spent_sek": 1, "forecast_sek": 1},
        {"actor": "granskare@example.org", "role": "auditor"},
        "(position {position}, ekonomisk rapport inlämnad på project:ppss-2014:farsta)",
        "regel: roles",
    ),
    "a payment on a round stream": (
        "round:ppss-2014", "DisbursementMade", {**PAYMENT, "amount_sek": 1}, COORDINATOR,
        "en utbetalning registreras aldrig på round:ppss-2014",
    ),
    "metadata that is not JSON": (
        FARSTA, "FinancialReportSubmitted", {"kind": "final", "spent_sek": 1, "forecast_sek": 1},
        "{role: coordinator", "har metadata som programmet inte kan läsa (den är inte JSON)",
    ),
    "a district acting for another district": (
        FARSTA, "FinancialReportSubmitted", {"kind": "final", "spent_sek": 1, "forecast_sek": 1},
        {"actor": "projektledare@skarpnack.example.org", "role": "district",
         "district": "skarpnack"},
        "(position {position}, ekonomisk rapport inlämnad på project:ppss-2014:farsta)",
        "regel: own district only",
    ),
    "a supervision grant over the pool's cap": (
        FARSTA, "SupervisionFundsGranted", {"amount_sek": 900_000, "decision_ref": "X"},
        COORDINATOR, "motorn skulle ha avslagit denna medel för gemensam handledning beviljade",
    ),
    "a role granted by a district": (
        "access", "RoleGranted", {"email": "ny@example.org", "role": "coordinator"},
        {"actor": "projektledare@farsta.example.org", "role": "district", "district": "farsta"},
        "the district role recorded a RoleGranted, which only coordinator may record",
    ),
    "a grant revoked that was never given": (
        "access", "RoleRevoked", {"email": "ingen@example.org"}, COORDINATOR,
        "ingen@example.org har ingen tilldelad roll",
    ),
    "a review of a report never handed in": (
        FARSTA, "ReportAccepted",
        {"report": "t2_follow_up", "submission_id": "6f1c1f8e-0000-4000-8000-000000000000"},
        COORDINATOR, "motorn skulle ha avslagit denna redovisning godkänd",
    ),
}  # fmt: skip


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_forged_import_is_refused_in_one_line_and_nothing_is_written(
    demo_export: Path, target: str, tmp_path: Path, forgery: str
) -> None:
    stream, event_type, data, metadata, *needles = FORGERIES[forgery]
    forged = tmp_path / "forged.jsonl"
    line = forge(demo_export, forged, stream, event_type, data, metadata)
    run = ppss("import", str(forged), "--database", target, home=tmp_path)
    # The forged row is the one after the demo's head: the header is line 1.
    needles = [n.replace("{position}", str(line - 1)) for n in needles]
    assert_one_line_error(run, f"rad {line} ", *needles, "inget lästes in")
    assert_nothing_written(target)


def test_the_honest_demo_export_imports_cleanly(
    demo_export: Path, target: str, tmp_path: Path
) -> None:
    """Every event of the demo is one the engine could have recorded: the copy imports and
    exports to the same bytes."""
    run = ppss("import", str(demo_export), "--database", target, home=tmp_path)
    assert run.code == 0, run.err
    again = tmp_path / "again.jsonl"
    assert ppss("export", "-o", str(again), "--database", target, home=tmp_path).code == 0
    assert again.read_bytes() == demo_export.read_bytes()
    # The same export again, into the store that now holds it: refused, in Swedish.
    twice = ppss("import", str(demo_export), "--database", target, home=tmp_path)
    assert_one_line_error(twice, "fel:", "innehåller redan händelser", "tom databas")


# -- forged decisions: each judged by the engine's own decision ------------------------------


def rows_of(export: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in export.read_bytes().splitlines()
            if line.startswith(b'{"data"')]  # fmt: skip


def forge_many(source: Path, target: Path,
               rows: list[tuple[str, str, dict[str, Any], str]]) -> int:  # fmt: skip
    """Append rows (stream, event type, data, occurred_at), each by a coordinator, hashed on
    from the export's head. Returns the line number of the first forged row."""
    first = None
    for stream, event_type, data, occurred in rows:
        line = forge(source, target, stream, event_type, data)
        lines = target.read_bytes().splitlines()
        row = json.loads(lines[-1])
        row["occurred_at"] = occurred
        row["hash"] = chain_hash_text(json.loads(lines[-2])["hash"] if len(lines) > 2 else
                                      "0" * 64, *(row[c] for c in COLUMNS))  # fmt: skip
        header = json.loads(lines[0])
        header.update(head_hash=row["hash"])
        body = [json.dumps(header), *(x.decode() for x in lines[1:-1]), json.dumps(row)]
        target.write_text("\n".join(body) + "\n", encoding="utf-8")
        source = target
        first = first or line
    assert first is not None
    return first


def _row(export: Path, position: int) -> dict[str, Any]:
    return next(r for r in rows_of(export) if r["position"] == position)


def _position_of(export: Path, stream: str, event_type: str, **holds: Any) -> int:
    """The position of the one event of ``event_type`` on ``stream`` whose data holds
    ``holds``: found by what it is, so the attacks follow the demo as it grows."""
    found = [r["position"] for r in rows_of(export)
             if r["stream_id"] == stream and r["event_type"] == event_type
             and holds.items() <= json.loads(r["data"]).items()]  # fmt: skip
    assert len(found) == 1, (stream, event_type, holds, found)
    return int(found[0])


def _annulment_of(export: Path, stream: str, event_type: str, occurred: str,
                  **holds: Any) -> list[Any]:  # fmt: skip
    row = _row(export, _position_of(export, stream, event_type, **holds))
    data = {"annulled_event_id": row["event_id"], "reason": "registrerad av misstag"}
    return [(row["stream_id"], "EventAnnulled", data, occurred)]


def _second_allocation(export: Path) -> list[Any]:
    """The 2014 allocation again under a new reference, its awards, and Hässelby-Vällingby
    paid a second time under the new award."""
    decision = _row(export, 10)
    data = json.loads(decision["data"])
    data["decision_ref"] = "SN 2014-02-05"
    when = "2014-12-01T10:00:00.000000Z"
    rows: list[Any] = [("round:ppss-2014", "AllocationDecided", data, when)]
    for position in range(11, 19):
        award = _row(export, position)
        rows.append(
            (
                award["stream_id"],
                "GrantAwarded",
                {**json.loads(award["data"]), "decision_ref": "SN 2014-02-05"},
                when,
            )
        )
    rows.append(("project:ppss-2014:hasselby-vallingby", "DisbursementMade",
                 {"amount_sek": 1_476_302, "payment_reference": "UTB-2014-hv-extra",
                  "purpose": "grant"}, when))  # fmt: skip
    return rows


SKARHOLMEN_2018 = "project:sst-2018:skarholmen"

#: Attacks of issue 19: (the rows, needles of the one-line refusal).
ATTACKS = {
    "a second allocation with its awards and a second payment": (
        _second_allocation,
        ("fördelning beslutad på round:ppss-2014", "regel: one allocation per round"),
    ),
    "annulling a fully paid award": (
        lambda e: _annulment_of(e, SKARHOLMEN_2018, "GrantAwarded", "2019-01-15T10:00:00.000000Z"),
        ("uppgift makulerad på project:sst-2018:skarholmen", "regel: money stays consistent"),
    ),
    "annulling the T2 acceptance after the second instalment": (
        lambda e: _annulment_of(e, SKARHOLMEN_2018, "ReportAccepted", "2019-01-15T10:00:00.000000Z",
                                report="t2_follow_up"),
        ("uppgift makulerad på project:sst-2018:skarholmen", "regel: payments stay allowed"),
    ),
    "annulling a plan approval after payments": (
        lambda e: _annulment_of(e, FARSTA, "PlanApproved", "2014-12-01T10:00:00.000000Z"),
        ("uppgift makulerad på project:ppss-2014:farsta", "regel: payments stay allowed"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_forged_decision_is_refused_by_the_engine_s_own_decision(
    demo_export: Path, target: str, tmp_path: Path, attack: str
) -> None:
    """Issue 19's forged imports: a re-hashed export whose added rows verify as a chain is
    refused at the first row the engine would not record, in one line naming its position
    and the rule; nothing is written."""
    build, needles = ATTACKS[attack]
    forged = tmp_path / "forged.jsonl"
    line = forge_many(demo_export, forged, build(demo_export))
    position = line - 1  # the header is line 1; the demo export holds no checkpoint
    run = ppss("import", str(forged), "--database", target, home=tmp_path)
    assert_one_line_error(run, f"rad {line} (position {position}, ", *needles,
                          "inget lästes in")  # fmt: skip
    assert_nothing_written(target)


def test_a_200_mb_line_is_refused_at_once_in_one_line(tmp_path: Path) -> None:
    """A line longer than 1 MiB is refused as soon as its first MiB is read: one line, no
    store left behind, in a few seconds (the whole line would take ~1 GB to parse)."""
    source = tmp_path / "huge.jsonl"
    header = {"ppss_export": 1, "scope": "all", "head_position": 1, "head_hash": "0" * 64}
    with source.open("wb") as out:
        out.write(json.dumps(header).encode() + b"\n")
        out.write(b'{"data":"')
        chunk = b"x" * (1 << 20)
        for _ in range(200):
            out.write(chunk)
        out.write(b'"}\n')
    target = f"sqlite:///{tmp_path}/t.sqlite3"
    started = time.monotonic()
    run = ppss("import", str(source), "--database", target, home=tmp_path)
    assert_one_line_error(run, "rad 2 är längre än 1024 KiB", "inget lästes in")
    assert time.monotonic() - started < 30
    assert not list(tmp_path.glob("t.sqlite3*"))


def test_bounded_lines_never_holds_more_than_a_line_s_limit() -> None:
    """Reading a 50 MB line costs about the limit in memory, not the line."""
    source = io.BytesIO(b"short\n" + b"y" * (50 << 20) + b"\n")
    tracemalloc.start()
    try:
        lines = bounded_lines(source)
        assert next(lines) == b"short\n"
        with pytest.raises(InvalidEventError, match="line 2 is longer than 1024 KiB"):
            next(lines)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20
    exact = io.BytesIO(b"z" * (1 << 20) + b"\n" + b"z" * (1 << 20))
    assert [len(x) for x in bounded_lines(exact)] == [(1 << 20) + 1, 1 << 20]


def test_the_progress_bar_s_total_is_the_header_s_head_and_the_lines_are_unchanged(
    demo_export: Path,
) -> None:
    text = demo_export.read_bytes()
    head = json.loads(text.splitlines()[0])["head_position"]
    with demo_export.open("rb") as source:
        lines, total = with_head(bounded_lines(source))
        assert total == head
        assert b"".join(lines) == text
    # Not a header: no total, and the lines go on to the import, which refuses them.
    lines, total = with_head([b"hello\n", b"world\n"])
    assert total is None
    assert list(lines) == [b"hello\n", b"world\n"]
    lines, total = with_head([])
    assert (list(lines), total) == ([], None)


# -- signed checkpoints travel with the export ----------------------------------------------


@pytest.fixture(scope="module")
def signed_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo with its head signed, exported: (the export, the signing key)."""
    folder = tmp_path_factory.mktemp("signed")
    key = folder / "signer.key"
    generate_key(key)
    with demo_copy() as store:
        sign_head(store, load_private_key(key), datetime(2026, 11, 23, 9, tzinfo=UTC))
        url = store.engine.url.render_as_string(hide_password=False)
        out = folder / "signed.jsonl"
        assert ppss("export", "-o", str(out), "--database", url, home=folder).code == 0
    return out, key


def rewrite(source: Path, target: Path, change: Any, *, keep: int | None = None) -> None:
    """Apply ``change`` to every row dict, keep the first ``keep`` rows, hash them all again
    and set the header's head: a chain that verifies on its own."""
    lines = source.read_bytes().splitlines()
    header = json.loads(lines[0])
    checkpoints = [line.decode() for line in lines[1:] if line.startswith(b'{"checkpoint"')]
    rows = [json.loads(line) for line in lines[1:] if line.startswith(b'{"data"')][:keep]
    prev = "0" * 64
    for row in rows:
        change(row)
        prev = row["hash"] = chain_hash_text(prev, *(row[c] for c in COLUMNS))
    header.update(head_position=len(rows), head_hash=prev)
    body = [json.dumps(header), *checkpoints, *(json.dumps(r) for r in rows)]
    target.write_text("\n".join(body) + "\n", encoding="utf-8")


def test_checkpoints_travel_with_the_export_and_are_checked_on_import(
    signed_export: tuple[Path, Path], target: str, tmp_path: Path
) -> None:
    """The export holds the signed checkpoint; an import with the public key takes it in,
    and the copy verifies with that key."""
    export, key = signed_export
    lines = export.read_bytes().splitlines()
    assert json.loads(lines[0])["ppss_export"] == 2
    head = json.loads(lines[0])["head_position"]
    assert json.loads(lines[1])["checkpoint"]["position"] == head
    run = ppss("import", str(export), "--public-key", f"{key}.pub", "--database", target,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    assert f"Läste in {head} händelser och 1 signerad kontrollpunkt" in run.out
    verified = ppss("audit", "verify", "--public-key", f"{key}.pub", "--database", target,
                    home=tmp_path)  # fmt: skip
    assert verified.code == 0, verified.err
    assert (
        f"1 signerad kontrollpunkt kontrollerad; den senaste vid position {head}, " in verified.out
    )


def edit_an_actor(row: dict[str, Any]) -> None:
    if row["position"] == 5:
        row["metadata"] = canonical_json({**json.loads(row["metadata"]), "actor": "annan@x.se"})


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("another key", "är inte signerad med den här nyckeln (den anger en annan nyckel)"),
        ("re-hashed", "har inte den hash som signerades 2026-11-23 09:00 UTC (position 227)"),
        ("cut off", "ligger efter exportens slut 100: slutet har klippts bort"),
    ],
)
def test_a_checkpoint_that_does_not_match_the_imported_chain_is_refused(
    signed_export: tuple[Path, Path], target: str, tmp_path: Path, case: str, needle: str
) -> None:
    export, key = signed_export
    source, public = tmp_path / "spoiled.jsonl", f"{key}.pub"
    if case == "another key":
        other = tmp_path / "other.key"
        generate_key(other)
        source, public = export, f"{other}.pub"
    elif case == "re-hashed":
        rewrite(export, source, edit_an_actor)
    else:
        rewrite(export, source, lambda row: None, keep=100)
    run = ppss("import", str(source), "--public-key", public, "--database", target,
               home=tmp_path)  # fmt: skip
    assert_one_line_error(run, needle, "inget lästes in")
    assert_nothing_written(target)

"""Fuzzing the CLI's inputs (issue 12): application files, allocation inputs, imports and
options. Whatever comes in: never a traceback (only a one-line WorkflowError or a usage
error), and a command that fails writes nothing. Each test counts that it reached both the
refusals and the paths that record or import, so a strategy that only ever produces junk
fails. In-process (Typer's runner) on a SQLite copy of the demo, derandomized and quick.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.main import get_command

from ppss_workflow.cli import app
from ppss_workflow.codec import chain_hash_text
from ppss_workflow.demo import SKARHOLMEN_2018, load_demo
from ppss_workflow.errors import WorkflowError
from ppss_workflow.store import EventStore

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RUNNER = CliRunner()
#: The click command built once: Typer would build it again on every call.
PPSS = get_command(app)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**15), 10**15) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
#: Text as people (and attackers) type it: words, amounts, dates, control characters.
TYPED = st.one_of(
    st.sampled_from(["Farsta", "Skärholmen", "Fårsta", "1 400 000", "1400000 kr", "0", "-5",
                     "1e3", "2018-03-01", "1/3/2018", "coordinator", "district:Farsta",
                     "auditor", "=HYPERLINK(1)", "a\x00b", "\x1b[2J", " ", ""]),
    st.text(max_size=20),
)  # fmt: skip


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo rounds in a SQLite file, made once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("fuzz") / "demo.sqlite3"
    store = EventStore.from_url(f"sqlite:///{path}")
    try:
        from ppss_workflow.schema import ensure_schema  # noqa: PLC0415

        ensure_schema(store.engine, create=True)
        load_demo(store)
    finally:
        store.close()
    return path


@pytest.fixture
def demo_url(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "store.sqlite3"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


def run(*args: str) -> tuple[int, str]:
    """``ppss ARGS`` in-process: (exit code, the one-line error or the output). Anything but
    a WorkflowError or a usage error is a traceback the user would have seen: the test fails."""
    result = RUNNER.invoke(PPSS, list(args), catch_exceptions=True)
    error = result.exception
    if isinstance(error, WorkflowError):
        message = str(error)
        assert "\n" not in message.strip(), message
        return error.exit_code, message
    if error is not None and not isinstance(error, SystemExit):
        raise AssertionError(f"ppss {' '.join(args)!r} raised {error!r}") from error
    return result.exit_code, result.output


def head(url: str) -> tuple[int, str]:
    store = EventStore.from_url(url)
    try:
        found = store.head()
        return found.position, found.hash
    finally:
        store.close()


def outcome(seen: Counter[str], code: int, before: tuple[int, str], url: str) -> None:
    """Count what happened; a failure must have left the store as it was."""
    after = head(url)
    if code != 0:
        assert after == before, "a failed command wrote to the store"
        seen["refused"] += 1
        event("refused")
    else:
        seen["ok" if after == before else "recorded"] += 1
        event("ok")


# -- apply --file ---------------------------------------------------------------------------


def _application(district: str) -> dict[str, Any]:
    data = json.loads(json.dumps(SKARHOLMEN_2018, default=str))
    data["district"] = district
    return data


APPLICATIONS = st.one_of(
    JSON,
    st.builds(
        lambda district, changes, drop: {
            k: v for k, v in {**_application(district), **changes}.items() if k not in drop
        },
        st.sampled_from(["Bromma", "Kungsholmen", "Norrmalm", "Östermalm", "Söderm\x00alm"]),
        st.dictionaries(st.sampled_from(["school_count", "applied_sek", "schools", "bankgiro",
                                         "period_end", "junk"]), JSON, max_size=2),
        st.sets(st.sampled_from(["applied_sek", "period_start", "district"]), max_size=1),
    ),
)  # fmt: skip


def test_fuzz_apply_file(demo_url: str, tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    source = tmp_path / "application.json"

    @FUZZ
    @given(application=APPLICATIONS, on=st.sampled_from(["2017-12-29", "2019-01-01", "junk"]))
    def fuzz(application: Any, on: str) -> None:
        source.write_text(json.dumps(application), encoding="utf-8")
        before = head(demo_url)
        code, _ = run("apply", "--round", "sst-2018", "--file", str(source), "--on", on,
                      "--as", "coordinator", "--database", demo_url)  # fmt: skip
        outcome(seen, code, before, demo_url)

    fuzz()
    assert seen["refused"] >= 10, seen
    assert seen["recorded"] >= 1, seen


# -- allocate --input -----------------------------------------------------------------------


SPEC = {
    "total_sek": 10_000_000,
    "districts": [{"name": "Farsta", "schools": 3, "applied_sek": 1_134_896},
                  {"name": "Skarpnäck", "schools": 2, "applied_sek": 1_134_896}],
    "exclude": [],
}  # fmt: skip
ALLOCATIONS = st.one_of(
    JSON,
    st.builds(lambda changes: {**SPEC, **changes},
              st.dictionaries(st.sampled_from(["total_sek", "districts", "exclude",
                                               "min_excess_sek", "junk"]), JSON, max_size=2)),
    st.builds(lambda line: {**SPEC, "districts": [*SPEC["districts"], line]},
              st.fixed_dictionaries({"name": TYPED, "schools": JSON, "applied_sek": JSON})),
    st.just(SPEC),
)  # fmt: skip


def test_fuzz_allocate_input(demo_url: str, tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    source = tmp_path / "allocation.json"

    @FUZZ
    @given(spec=ALLOCATIONS)
    def fuzz(spec: Any) -> None:
        source.write_text(json.dumps(spec), encoding="utf-8")
        before = head(demo_url)
        code, _ = run("allocate", "--input", str(source), "--format", "json",
                      "--database", demo_url)  # fmt: skip
        outcome(seen, code, before, demo_url)

    fuzz()
    assert seen["refused"] >= 10, seen
    assert seen["ok"] >= 1, seen


# -- import ---------------------------------------------------------------------------------


def _mutate(lines: list[bytes], op: str, at: int, value: Any, field: str) -> list[bytes]:
    out = list(lines)
    i = 1 + at % (len(out) - 1)
    if op == "drop":
        del out[i]
    elif op == "duplicate":
        out.insert(i, out[i])
    elif op == "swap":
        j = 1 + (at * 7) % (len(out) - 1)
        out[i], out[j] = out[j], out[i]
    elif op == "truncate":
        out[i] = out[i][: at % max(len(out[i]), 1)]
    elif op == "field":
        row = json.loads(out[i])
        if "checkpoint" not in row:
            row[field] = value
        out[i] = json.dumps(row).encode()
    elif op == "header":
        header = json.loads(out[0])
        header[field] = value
        out[0] = json.dumps(header).encode()
    return out


COLUMNS = ("position", "stream_id", "version", "event_id", "event_type", "schema_version",
           "data", "metadata", "occurred_at", "recorded_at")  # fmt: skip


def _rehash(lines: list[bytes]) -> list[bytes]:
    """Hash the rows again from the start and set the header's head, as a forger would: the
    chain verifies, and only the checks beyond it can refuse."""
    out, prev, count = [lines[0]], "0" * 64, 0
    for line in lines[1:]:
        try:
            row = json.loads(line)
            prev = row["hash"] = chain_hash_text(prev, *(row[c] for c in COLUMNS))
            count += 1
            out.append(json.dumps(row).encode())
        except (ValueError, TypeError, KeyError, AttributeError):
            out.append(line)
    try:
        header = json.loads(lines[0])
        header.update(head_position=count, head_hash=prev)
        out[0] = json.dumps(header).encode()
    except (ValueError, TypeError, AttributeError):
        pass
    return out


def test_fuzz_import(demo_file: Path, tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    store = EventStore.from_url(f"sqlite:///{demo_file}")
    export = tmp_path / "demo.jsonl"
    try:
        with export.open("wb") as out:
            from ppss_workflow.export import export_jsonl  # noqa: PLC0415

            export_jsonl(store, out)
    finally:
        store.close()
    lines = export.read_bytes().splitlines()
    fields = ["data", "metadata", "event_type", "stream_id", "version", "position",
              "occurred_at", "schema_version", "head_position", "ppss_export"]  # fmt: skip
    counter = iter(range(10**6))

    @FUZZ
    @given(
        op=st.sampled_from(["none", "drop", "duplicate", "swap", "truncate", "field", "header"]),
        at=st.integers(0, 10_000),
        value=JSON,
        field=st.sampled_from(fields),
        rehash=st.booleans(),
    )
    def fuzz(op: str, at: int, value: Any, field: str, rehash: bool) -> None:
        source = tmp_path / "in.jsonl"
        mutated = _mutate(lines, op, at, value, field)
        if rehash:
            mutated = _rehash(mutated)
        source.write_bytes(b"\n".join(mutated) + b"\n")
        target = tmp_path / f"copy-{next(counter)}.sqlite3"
        code, message = run("import", str(source), "--database", f"sqlite:///{target}")
        if code != 0:
            assert not list(tmp_path.glob(target.name + "*")), "a failed import left a file"
            seen["refused"] += 1
            if "the engine would" in message or "role" in message or "metadata" in message:
                seen["replay"] += 1
        else:
            seen["imported"] += 1
            assert head(f"sqlite:///{target}")[0] >= 1
        event("refused" if code else "imported")

    fuzz()
    assert seen["refused"] >= 10, seen
    assert seen["imported"] >= 1, seen
    assert seen["replay"] >= 1, seen  # rows hashed again reach the decisions' replay


# -- options --------------------------------------------------------------------------------

COMMANDS = {
    "disburse": ["--round", "--district", "--amount", "--reference", "--on", "--as"],
    "supervision request": ["--round", "--district", "--amount", "--description", "--as"],
    "report financial": ["--round", "--district", "--kind", "--spent", "--forecast", "--as"],
    "board": ["--round", "--as-of", "--format"],
    "explain": ["--round", "--district", "--as-of"],
}
GOOD = {"--round": "sst-2018", "--district": "Skärholmen", "--amount": "1 000",
        "--reference": "U-F1", "--on": "2018-03-01", "--as": "coordinator",
        "--description": "Handledning", "--kind": "t2", "--spent": "100", "--forecast": "200",
        "--as-of": str(date(2018, 6, 1)), "--format": "json"}  # fmt: skip


def test_fuzz_options(demo_url: str) -> None:
    seen: Counter[str] = Counter()

    @FUZZ
    @given(
        name=st.sampled_from(sorted(COMMANDS)),
        spoiled=st.dictionaries(st.sampled_from(sorted(GOOD)), TYPED, max_size=2),
        reference=st.integers(0, 10**6),
    )
    def fuzz(name: str, spoiled: dict[str, str], reference: int) -> None:
        args = [*name.split()]
        values = {**GOOD, "--reference": f"U-F{reference}", **spoiled}
        for option in COMMANDS[name]:
            args += [option, values[option]]
        before = head(demo_url)
        code, _ = run(*args, "--database", demo_url)
        outcome(seen, code, before, demo_url)

    fuzz()
    assert seen["refused"] >= 10, seen
    assert seen["recorded"] + seen["ok"] >= 3, seen

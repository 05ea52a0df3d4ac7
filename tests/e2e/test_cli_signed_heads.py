"""Signed heads (issue 19): `ppss export --sign-with KEY` signs the head it writes; an import or
`ppss audit verify` with `--public-key` says which rows follow the last signed checkpoint
(how many, which positions, in Swedish), and `--require-signed-head` refuses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ppss_workflow.checkpoints import generate_key, load_private_key, read_checkpoints, sign_head
from ppss_workflow.demo import load_demo
from ppss_workflow.scratch import scratch_store, scratch_url
from ppss_workflow.store import EventStore
from tests.conftest import base_url_for
from tests.e2e.cli import assert_one_line_error, ppss
from tests.e2e.test_cli_forged_imports import assert_nothing_written

#: How many rows the partly signed export holds after its last signed checkpoint.
TAIL = 5


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path]]:
    """The demo exported twice: signed by `--sign-with`, and with its newest checkpoint
    five rows before the head. (the signed export, the partly signed one, the key)"""
    folder = tmp_path_factory.mktemp("heads")
    key = folder / "signer.key"
    generate_key(key)
    with scratch_store() as store:
        load_demo(store)
        url = store.engine.url.render_as_string(hide_password=False)
        head = store.head().position
        earlier = store.find(position=head - TAIL)
        assert earlier is not None
        sign_head(store, load_private_key(key), datetime(2026, 11, 23, 9, tzinfo=UTC),
                  at=(earlier.position, earlier.hash))  # fmt: skip
        partly = folder / "partly.jsonl"
        assert ppss("export", "-o", str(partly), "--database", url, home=folder).code == 0
        signed = folder / "signed.jsonl"
        run = ppss("export", "-o", str(signed), "--sign-with", str(key), "--database", url,
                   home=folder)  # fmt: skip
        assert run.code == 0, run.err
        assert [c.position for c in read_checkpoints(store)] == [head - TAIL, head]
        yield signed, partly, key


@pytest.fixture
def target(backend: str) -> Iterator[str]:
    with scratch_url(base_url_for(backend)) as url:
        yield url


def test_an_export_signed_with_a_key_carries_a_checkpoint_at_its_head(
    exports: tuple[Path, Path, Path], target: str, tmp_path: Path
) -> None:
    signed, _, key = exports
    lines = signed.read_bytes().splitlines()
    header = json.loads(lines[0])
    checkpoints = [json.loads(x)["checkpoint"] for x in lines[1:] if x.startswith(b'{"check')]
    assert checkpoints[-1]["position"] == header["head_position"]
    assert checkpoints[-1]["hash"] == header["head_hash"]
    run = ppss("import", str(signed), "--public-key", f"{key}.pub", "--require-signed-head",
               "--database", target, home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    assert "signerade kontrollpunkt" not in run.err
    verified = ppss("audit", "verify", "--public-key", f"{key}.pub", "--require-signed-head",
                    "--database", target, home=tmp_path)  # fmt: skip
    assert verified.code == 0, verified.err


def test_rows_after_the_last_signed_checkpoint_are_reported_and_can_be_refused(
    exports: tuple[Path, Path, Path], target: str, tmp_path: Path
) -> None:
    _, partly, key = exports
    head = json.loads(partly.read_bytes().splitlines()[0])["head_position"]
    said = (
        f"{TAIL} rader efter den senaste signerade kontrollpunkten vid position {head - TAIL} "
        f"(positionerna {head - TAIL + 1}–{head})"
    )
    refused = ppss("import", str(partly), "--public-key", f"{key}.pub", "--require-signed-head",
                   "--database", target, home=tmp_path)  # fmt: skip
    assert_one_line_error(refused, said, "--require-signed-head")
    assert_nothing_written(target)
    run = ppss("import", str(partly), "--public-key", f"{key}.pub", "--database", target,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    assert said in run.err
    verified = ppss("audit", "verify", "--public-key", f"{key}.pub", "--database", target,
                    home=tmp_path)  # fmt: skip
    assert verified.code == 0, verified.err
    assert said in verified.err
    strict = ppss("audit", "verify", "--public-key", f"{key}.pub", "--require-signed-head",
                  "--database", target, home=tmp_path)  # fmt: skip
    assert strict.code == 7
    assert said in strict.err
    english = ppss("--lang", "en", "audit", "verify", "--public-key", f"{key}.pub", "--database",
                   target, home=tmp_path)  # fmt: skip
    assert f"{TAIL} rows after the last signed checkpoint at position {head - TAIL}" in english.err


def test_require_signed_head_needs_the_public_key(
    exports: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    signed, _, _ = exports
    target = f"sqlite:///{tmp_path}/t.sqlite3"
    run = ppss("import", str(signed), "--require-signed-head", "--database", target,
               home=tmp_path)  # fmt: skip
    assert_one_line_error(run, "--require-signed-head behöver --public-key")
    assert not list(tmp_path.glob("t.sqlite3*"))
    store = EventStore  # the store module is importable without a database
    assert store is not None

"""Bad input, tried as a new user would: one line that says what is wrong, and nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ppss_workflow.store import EventStore
from tests.e2e.cli import Run, assert_one_line_error, ppss

ROUND = ["--round", "ppss-2014"]
PAY = ["disburse", *ROUND, "--amount", "100000", "--reference", "U-9", "--on", "2014-12-01"]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, recorded once; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("demo")
    run = ppss("demo", "--database", f"sqlite:///{folder}/demo.sqlite3", home=folder)
    assert run.code == 0, run.err
    return folder / "demo.sqlite3"


@pytest.fixture
def store(demo_file: Path, tmp_path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{demo_file}{suffix}").exists():
            shutil.copy(f"{demo_file}{suffix}", tmp_path / f"store.sqlite3{suffix}")
    return f"sqlite:///{tmp_path}/store.sqlite3"


def state(url: str, home: Path) -> tuple[bytes, int, str]:
    """The database file's bytes (after a checkpoint), event count and head hash."""
    store = EventStore.from_url(url)
    try:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        count, head = store.count(), store.head().hash
    finally:
        store.close()
    return Path(str(store.engine.url.database)).read_bytes(), count, head


def attempt(url: str, home: Path, *args: str) -> Run:
    """In English (``PPSS_LANG=en``): the needles are the English one-line errors."""
    return ppss(*args, "--database", url, home=home, env={"PPSS_LANG": "en"})


CASES = {
    "payment-above-payable": (
        [*PAY[:1], *ROUND, "--district", "Rinkeby-Kista", *PAY[3:], "--as", "coordinator"],
        [
            "cannot pay 100\u00a0000 kr (grant) to Rinkeby-Kista",
            "blocked by network meetings and training",
        ],
    ),
    "plan-never-submitted": (
        ["plan", "approve", *ROUND, "--district", "Farsta", "--plan", "plan-nope",
         "--meeting-on", "2014-03-10", "--as", "steering_group"],
        ["Farsta has not submitted plan plan-nope"],
    ),
    "unknown-district": (
        [*PAY[:1], *ROUND, "--district", "Östermalm", *PAY[3:], "--as", "coordinator"],
        ["no district Östermalm in round ppss-2014", "Farsta"],
    ),
    "unknown-round": (
        ["disburse", "--round", "ppss-1999", "--district", "Farsta", "--amount", "1",
         "--reference", "U", "--as", "coordinator"],
        ["no round ppss-1999"],
    ),
    "negative-amount": (
        [*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "-5", "--reference", "U",
         "--on", "2014-12-01", "--as", "coordinator"],
        ["'-5' is not an amount in whole kronor"],
    ),
    "zero-amount": (
        [*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "0", "--reference", "U",
         "--on", "2014-12-01", "--as", "coordinator"],
        ["the amount must be at least 1 kr"],
    ),
    "date-outside-round": (
        ["plan", "submit", *ROUND, "--district", "Farsta", "--plan", "p9", "--summary", "S",
         "--on", "2016-06-01", "--as", "district:Farsta"],
        ["2016-06-01 is outside round ppss-2014"],
    ),
    "malformed-date": (
        [*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "1", "--reference", "U",
         "--on", "10/3/2014", "--as", "coordinator"],
        ["--on '10/3/2014' is not a date: use YYYY-MM-DD"],
    ),
    "other-districts-project": (
        ["plan", "submit", *ROUND, "--district", "Skarpnäck", "--plan", "p9", "--summary", "S",
         "--on", "2014-03-01", "--as", "district:Farsta"],
        ["acting for district farsta, you may not act on the project of skarpnack"],
    ),
    "auditor-appends": (
        [*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "1", "--reference", "U",
         "--as", "auditor"],
        ["the auditor role may not record payments"],
    ),
    "no-role": (
        [*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "1", "--reference", "U"],
        ["say which role you act in: --as coordinator"],
    ),
    "unknown-role": (
        [*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "1", "--reference", "U",
         "--as", "mayor"],
        ["unknown role 'mayor'"],
    ),
    "repayment-above-owed": (
        ["repayment", "demand", *ROUND, "--district", "Skarpnäck", "--amount", "5000",
         "--reason", "R", "--due", "2015-04-30", "--on", "2015-02-16", "--as", "coordinator"],
        ["cannot demand 5\u00a0000 kr back from Skarpnäck: 0 kr is owed"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("args", "needles"), CASES.values(), ids=list(CASES))
def test_bad_input_is_one_line_and_writes_nothing(
    store: str, tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    """Each mistake gives its own one-line reason and a non-zero exit; the store is unchanged."""
    before = state(store, tmp_path)
    run = attempt(store, tmp_path, *args)
    assert_one_line_error(run, *needles)
    assert state(store, tmp_path) == before


def test_a_report_for_a_closed_round_is_refused(store: str, tmp_path: Path) -> None:
    """Once a round is closed it takes no more reports: one line, nothing written."""
    closed = attempt(store, tmp_path, "round", "close", "--round", "sst-2018", "--reason",
                     "Avslutad", "--as", "coordinator")  # fmt: skip
    assert closed.code == 0, closed.err
    before = state(store, tmp_path)
    run = attempt(store, tmp_path, "report", "financial", "--round", "sst-2018", "--district",
                  "Skärholmen", "--kind", "final", "--spent", "1", "--forecast", "1", "--on",
                  "2018-11-29", "--as", "district:Skärholmen")  # fmt: skip
    assert_one_line_error(run, "round sst-2018 is closed")
    assert state(store, tmp_path) == before


def test_the_same_commands_done_right_are_recorded(store: str, tmp_path: Path) -> None:
    """The happy path of the cases above works, so the refusals are about the input.

    The demo's year-end account of Rinkeby-Kista (used 1 476 302 kr, all that was paid)
    closes its year: the unpaid remainder lapses. A corrected account showing 100 000 kr
    more used (above what was paid, so with an explanation) makes that much payable again;
    the missed network meeting still blocks it until the make-up is recorded."""
    account = attempt(store, tmp_path, "report", "year-end", *ROUND, "--district",
                      "Rinkeby-Kista", "--spent", "1576302", "--supervision-spent", "25000",
                      "--description", "Personal, handledning och utbildning enligt plan",
                      "--explanation", "Fler elever än planerat; kostnaden över utbetalt",
                      "--on", "2015-01-28", "--as", "district:Rinkeby-Kista")  # fmt: skip
    assert account.code == 0, account.err
    blocked = attempt(store, tmp_path, *PAY[:1], *ROUND, "--district", "Rinkeby-Kista",
                      *PAY[3:], "--as", "coordinator")  # fmt: skip
    assert_one_line_error(blocked, "blocked by network meetings and training")
    ok = attempt(store, tmp_path, "network", "record", *ROUND, "--district", "Rinkeby-Kista",
                 "--session", "natverk-2", "--outcome", "make-up", "--note", "Extra träff",
                 "--on", "2014-10-15", "--as", "coordinator")  # fmt: skip
    assert ok.code == 0, ok.err
    paid = attempt(store, tmp_path, *PAY[:1], *ROUND, "--district", "Rinkeby-Kista", *PAY[3:],
                   "--as", "coordinator")  # fmt: skip
    assert paid.code == 0, paid.err
    board = json.loads(attempt(store, tmp_path, "board", *ROUND, "--format", "json").out)
    rinkeby = next(row for row in board if row["district"] == "Rinkeby-Kista")
    # The board shows grant and supervision money apart.
    assert rinkeby["disbursed_sek"] == 1_476_302 + 100_000
    assert rinkeby["supervision_disbursed_sek"] == 25_000


def test_allocate_reproduces_the_published_2014_table(tmp_path: Path) -> None:
    """`ppss allocate` on seed 000's inputs gives every published figure and 905 208 kr."""
    spec = {
        "total_sek": 10_000_000,
        "districts": [
            {"name": n, "schools": s, "applied_sek": a}
            for n, s, a in [("Farsta", 3, 1_134_896), ("Skarpnäck", 2, 1_134_896),
                            ("Rinkeby-Kista", 4, 3_200_000), ("Skärholmen", 2, 1_200_000),
                            ("Enskede-Årsta-Vantör", 1, 1_083_656), ("Spånga-Tensta", 1, 900_000),
                            ("Älvsjö", 1, 650_000), ("Hässelby-Vällingby", 2, 2_880_000)]
        ],
        "exclude": ["Älvsjö"],
    }  # fmt: skip
    source = tmp_path / "alloc.json"
    source.write_text(json.dumps(spec), encoding="utf-8")
    run = ppss("allocate", "--input", str(source), "--format", "json", home=tmp_path)
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert [a["allocated_sek"] for a in result["allocations"]] == [
        1_134_896,
        1_134_896,
        2_952_604,
        1_200_000,
        738_151,
        738_151,
        625_000,
        1_476_302,
    ]
    assert (result["per_school_sek"], result["remainder_sek"]) == (625_000, 905_208)
    assert (result["total_allocated_sek"], result["unallocated_sek"]) == (10_000_000, 0)

    source.write_text("{not json", encoding="utf-8")
    assert_one_line_error(
        ppss("allocate", "--input", str(source), home=tmp_path), "är ingen JSON-fil"
    )
    source.write_text(json.dumps({**spec, "total_sek": -1}), encoding="utf-8")
    assert_one_line_error(ppss("allocate", "--input", str(source), home=tmp_path), "total_sek")
    source.write_text(json.dumps({"total_sek": 1}), encoding="utf-8")
    assert_one_line_error(ppss("allocate", "--input", str(source), home=tmp_path), "districts")


def test_a_failed_command_on_a_mistyped_path_creates_no_store(tmp_path: Path) -> None:
    """A command given a store path that does not exist fails in one line and leaves no
    empty database behind; only `db upgrade`, `demo` and `import` create stores."""
    typo = tmp_path / "typo.sqlite3"
    run = ppss(*PAY[:1], *ROUND, "--district", "Farsta", "--amount", "1", "--reference", "U",
               "--on", "10/3/2014", "--as", "coordinator", "--database", f"sqlite:///{typo}",
               home=tmp_path)  # fmt: skip
    assert_one_line_error(run, "ingen databas finns på")
    assert not typo.exists()
    assert_one_line_error(
        ppss("board", *ROUND, "--database", f"sqlite:///{typo}", home=tmp_path),
        "ingen databas finns på",
    )
    assert not typo.exists()


def test_a_missing_role_is_said_in_swedish_and_in_english(store: str, tmp_path: Path) -> None:
    """The first mistake a new user makes (no --as) is one line in the CLI's language, with
    nothing written; an error the catalogue has no line for stays the error's own."""
    before = state(store, tmp_path)
    args = ("round", "open", "--round", "ppss-2099", "--title", "T", "--policy", "ppss-2014")
    swedish = ppss(*args, "--database", store, home=tmp_path, env={"PPSS_LANG": "sv"})
    assert_one_line_error(swedish, "ppss: fel: säg vilken roll du agerar i", "PPSS_ROLE")
    english = attempt(store, tmp_path, *args)
    assert_one_line_error(english, "ppss: error: say which role you act in", "PPSS_ROLE")
    assert state(store, tmp_path) == before

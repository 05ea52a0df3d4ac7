"""`ppss reminders`, `ppss scheduler run --once` and `ppss calendar` as users and cron run them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

from icalendar import Calendar

from policies.state import STOCKHOLM
from ppss_workflow.demo_now import round_id_for
from ppss_workflow.scratch import scratch_url
from tests.conftest import pg_url
from tests.demo_template import demo_file
from tests.e2e.cli import assert_one_line_error, ppss
from tests.poll import wait_for_line
from tests.smtp import smtp_server

MAIL_ENV = {
    "PPSS_REMINDER_COORDINATOR_EMAIL": "samordnare@example.org",
    "PPSS_REMINDER_DISTRICT_EMAIL": "projektledare@example.org",
}


def demo_store(tmp_path: Path, url: str | None = None) -> str:
    """The demo in a SQLite file in ``tmp_path`` (a copy of the session's recording), or
    recorded by ``ppss demo`` into ``url``."""
    if url is None:
        return demo_file(tmp_path / "store.sqlite3")
    assert ppss("demo", "--database", url, home=tmp_path).code == 0
    return url


def test_reminders_as_of_lists_what_is_due(tmp_path: Path) -> None:
    """On the demo store, 29 Jan 2015 lists one reminder: Skärholmen's account, 3 days before."""
    url = demo_store(tmp_path)
    run = ppss("reminders", "--as-of", "2015-01-29", "--format", "json", "--database", url,
               home=tmp_path)  # fmt: skip
    assert run.code == 0, run.err
    (only,) = json.loads(run.out)
    assert {k: only[k] for k in ("project", "obligation", "due_on", "step", "recipient_role")} == {
        "project": "ppss-2014:skarholmen", "obligation": "year_end_account",
        "due_on": "2015-01-31", "step": "before-3", "recipient_role": "district",
    }  # fmt: skip
    assert only["key"] == "ppss-2014:skarholmen/year_end_account/2015-01-31/before-3"
    assert only["blocks"] == "grant"  # as the policy's year-end account condition states it
    assert_one_line_error(
        ppss("reminders", "--as-of", "29/1", "--database", url, home=tmp_path), "--as-of"
    )
    assert_one_line_error(
        ppss("reminders", "--round", "nope", "--database", url, home=tmp_path), "nope"
    )


def test_two_schedulers_on_postgresql_send_each_reminder_once(tmp_path: Path) -> None:
    """Two `scheduler run --once` processes started together: the SMTP server gets each once."""
    with scratch_url(pg_url()) as url, smtp_server() as (inbox, port):
        demo_store(tmp_path, url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PPSS_")}
        env.update(MAIL_ENV, PPSS_SMTP_HOST="127.0.0.1", PPSS_SMTP_PORT=str(port),
                   XDG_DATA_HOME=str(tmp_path))  # fmt: skip
        command = [sys.executable, "-m", "ppss_workflow", "scheduler", "run", "--once",
                   "--as-of", "2015-01-13", "--database", url]  # fmt: skip
        procs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
    keys = inbox.keys()
    assert len(keys) == 8  # eight districts, one before-14 reminder each
    assert len(set(keys)) == 8  # and nobody got one twice
    sent = [int(out.decode().split("Skickade ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(sent) == 8


def test_calendar_parses_and_keeps_its_uids(tmp_path: Path) -> None:
    """The .ics parses with icalendar; a second run gives the same UIDs, and a moved deadline
    keeps its UID with a higher SEQUENCE (clients update rather than duplicate)."""
    url = demo_store(tmp_path)
    first = ppss("calendar", "--round", "sst-2018", "--database", url, home=tmp_path)
    again = ppss("calendar", "--round", "sst-2018", "--database", url, home=tmp_path)
    assert first.code == 0, first.err
    assert first.out == again.out
    events = {str(e["uid"]): e for e in Calendar.from_ical(first.out).walk("VEVENT")}
    assert len(events) == 5  # T2 x3, final financial report, annual follow-up
    # An alarm on what is still to hand in; none on what is in (it would only be noise).
    for e in events.values():
        assert bool(e.walk("VALARM")) == ("Sista dag" in str(e["description"])), e
    t2_uid = next(uid for uid, e in events.items() if "T2" in str(e["summary"]))

    moved = ppss("round", "deadline", "--round", "sst-2018", "--code", "t2", "--due",
                 "2018-09-21", "--reason", "Ny T2", "--on", "2018-06-01", "--as", "coordinator",
                 "--database", url, home=tmp_path)  # fmt: skip
    assert moved.code == 0, moved.err
    after = ppss("calendar", "--round", "sst-2018", "--database", url, home=tmp_path)
    events_after = {str(e["uid"]): e for e in Calendar.from_ical(after.out).walk("VEVENT")}
    assert set(events_after) == set(events)
    assert events_after[t2_uid]["dtstart"].dt.isoformat() == "2018-09-21"
    # SEQUENCE counts every change (here: the move, and its being handed in if it was).
    assert int(events_after[t2_uid]["sequence"]) == int(events[t2_uid]["sequence"]) + 1


def test_scheduler_process_dispatches_on_start_and_stops_cleanly(tmp_path: Path) -> None:
    """`ppss scheduler run` (APScheduler) dispatches at once to the outbox; Ctrl-C stops it.
    The demo as `ppss demo` records it: with the round running now."""
    url = demo_store(tmp_path, f"sqlite:///{tmp_path / 'alive.sqlite3'}")
    outbox = tmp_path / "outbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPSS_")}
    env.update(MAIL_ENV, XDG_DATA_HOME=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ppss_workflow", "scheduler", "run", "--interval", "3600",
         "--outbox", str(outbox), "--database", url],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # The first dispatch is over once the scheduler says what it sent.
        assert proc.stdout is not None
        seen = wait_for_line(proc.stdout, "Skickade ")
    finally:
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    out = seen + rest
    assert proc.returncode == 0, err
    # Today, in the demo store: Skärholmen's 2014 account, the 2018 annual follow-up, Farsta's
    # 2014 repayment, Farsta's 2016 account and Skärholmen's 2016 autumn follow-up are overdue
    # (late-30, to the coordinators) and not yet reminded: one digest lists them all. The
    # round running now has its first reminders due too: one digest to the districts.
    messages = [message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in outbox.glob("*.eml")]  # fmt: skip
    (message,) = [m for m in messages if str(m["To"]) == "samordnare@example.org"]
    districts = [m for m in messages if str(m["To"]) != "samordnare@example.org"]
    current = round_id_for(datetime.now(STOCKHOLM).date())
    assert districts
    assert all(
        k.startswith(f"{current}:")
        for m in districts
        for k in str(m["X-PPSS-Reminder-Keys"]).split()
    )
    assert str(message["X-PPSS-Reminder-Keys"]).split() == sorted(
        [
            "ppss-2014:farsta/repayment/2015-03-31/late-30",
            "ppss-2014:skarholmen/year_end_account/2015-01-31/late-30",
            "ppss-2016:farsta/year_end_account/2017-01-31/late-30",
            "ppss-2016:skarholmen/autumn_follow_up/2016-10-14/late-30",
            "sst-2018:skarholmen/annual_follow_up/2019-02-15/late-30",
        ],
        key=lambda k: (k.split("/")[2], k),
    )
    assert str(message["To"]) == "samordnare@example.org"
    # Written to the coordinators (what the districts have not handed in), not as to a district.
    assert str(message["Subject"]) == "Försenat hos stadsdelarna: 5 inte inlämnade"
    assert "Kontakta samordnaren" not in message.get_content()
    said = " ".join(out.split())  # the console wraps long lines at its width
    assert f"i {len(messages)} e-brev (ett per mottagare och dag), misslyckade 0" in said
    # Each says what its condition blocks: the 2018 annual follow-up blocks the grant, the
    # 2016 autumn follow-up nothing.
    body = message.get_content()
    sections = {s.split("\n")[0]: s for s in body.split("\n\n") if s[:2].strip(". ").isdigit()}
    assert len(sections) == 5
    assert body.count("betalas inget mer av bidraget ut") == 4
    assert body.count("Den stoppar inga utbetalningar, men behövs för uppföljningen.") == 1
    assert "kan lämnas vidare för indrivning" in body
    assert "Medel som inte kan redovisas ska betalas tillbaka" in body
    assert "Saknas: höstens uppföljning inför delrapporten i december" in body
    assert "Uppföljningen behövs för delrapporten till socialnämnden." in body


def test_reminders_in_english_on_request(tmp_path: Path) -> None:
    """PPSS_REMINDER_LANGUAGE=en gives English subject and body."""
    url = demo_store(tmp_path)
    outbox = tmp_path / "outbox"
    run = ppss("scheduler", "run", "--once", "--as-of", "2015-01-29", "--outbox", str(outbox),
               "--database", url, home=tmp_path,
               env={**MAIL_ENV, "PPSS_REMINDER_LANGUAGE": "en"})  # fmt: skip
    assert run.code == 0, run.err
    (message,) = [message_from_bytes(p.read_bytes(), policy=policy.default)
                  for p in outbox.glob("*.eml")]  # fmt: skip
    assert str(message["Subject"]) == (
        "Reminder: the year-end account and cost description, Pilotprojekt samverkan "
        "skola–socialtjänst 2014 (Skärholmen), by 2015-01-31"
    )
    body = message.get_content()
    assert "Deadline: 2015-01-31" in body
    assert "Until it is in, no further payment of the grant is made." in body
    assert "Money that cannot be accounted for must be paid back." in body
    assert "samordnare@example.org" in body

"""The reminder digest as it arrives at a real SMTP server: one e-mail per recipient per
day, whatever is due and however often the dispatcher runs; the next day, what is still due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from events import ReminderSent
from policies.commands import SetContact, SetDeadline, SubmitFollowUp
from policies.state import end_of_day
from ppss_workflow.demo import COORDINATOR, Story, district_actor
from ppss_workflow.notify import ReminderSettings, SmtpNotifier, SmtpSettings
from ppss_workflow.reminders import Dispatcher, DispatchReport
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from tests.integration.test_reminder_dispatch import ROUND, STREAM, record_round
from tests.smtp import Inbox, smtp_server

LEAD = "projektledare@skarholmen.example.org"
FINANCE = "ekonomi@skarholmen.example.org"
SENDER = "paminnelser@socialforvaltningen.example.org"
SETTINGS = ReminderSettings(
    coordinator_email="samordnare@example.org",
    language="sv",
    sender=SENDER,
    public_url="https://ppss.example.org/",
)
DAY_1 = end_of_day(date(2018, 9, 25))  # T2 (14 Sep) is five working days late
DAY_2 = end_of_day(date(2018, 9, 26))


@pytest.fixture
def given() -> Iterator[tuple[EventStore, Story]]:
    """The 2018 round, Skärholmen's T2 on 14 Sep, its project lead and finance contacts."""
    with scratch_store() as store:
        story = record_round(store)
        district = district_actor("Skärholmen")
        for role, email in (("project_lead", LEAD), ("finance", FINANCE)):
            story.do(
                district,
                SetContact(round_id=ROUND, district="Skärholmen", role=role, email=email),
            )
        yield store, story


def run(store: EventStore, port: int, as_of: datetime) -> DispatchReport:
    notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port))
    return Dispatcher(store, notifier, SETTINGS).run(as_of=as_of)


def by_recipient(inbox: Inbox) -> dict[str, list[EmailMessage]]:
    out: dict[str, list[EmailMessage]] = {}
    for m in inbox.messages:
        assert isinstance(m, EmailMessage)
        out.setdefault(str(m["To"]), []).append(m)
    return out


def body_lines(message: EmailMessage) -> list[str]:
    return [line.rstrip() for line in message.get_content().splitlines()]


def test_one_digest_per_recipient_per_day_and_the_next_day_only_what_is_still_due(
    given: tuple[EventStore, Story],
) -> None:
    """Three T2 obligations overdue: the project lead gets one e-mail listing the follow-up
    and the self-financing plan, the finance contact one listing the financial report. A
    second run the same day sends nothing, even after a moved deadline makes them due anew;
    the next day, after the follow-up came in, each gets one e-mail with what is still due."""
    store, story = given
    with smtp_server() as (inbox, port):
        first = run(store, port, DAY_1)
        again = run(store, port, DAY_1)
        assert len(inbox.messages) == 2
        mail = by_recipient(inbox)
        assert sorted(mail) == [FINANCE, LEAD]
        assert len(first.sent) == 3
        assert sorted(first.digests) == [
            f"digest/2018-09-25/{FINANCE}",
            f"digest/2018-09-25/{LEAD}",
        ]
        assert again.sent == []
        assert again.digests == []

        (lead,) = mail[LEAD]
        assert parseaddr(str(lead["From"]))[1] == SENDER
        assert not SENDER.endswith("@localhost")
        assert str(lead["Subject"]) == (
            "Försenat: 2 uppgifter att lämna in till socialförvaltningen"
        )
        lines = body_lines(lead)
        assert lines[:3] == [
            "Hej,",
            "",
            "Detta ska lämnas in till socialförvaltningen (läget 2018-09-25):",
        ]
        portal = "https://ppss.example.org/rounds/sst-2018/projects/skarholmen"
        assert lines[4:10] == [
            "1. Skolsociala team 2018 – Skärholmen",
            "   Att lämna in: uppföljningen vid T2",
            "   Sista dag: 2018-09-14 (försenad)",
            f"   Var: {portal}",
            "   Om den inte kommer in: Tills den har kommit in betalas inget mer av bidraget ut.",
            "",
        ]
        assert lines[10:12] == [
            "2. Skolsociala team 2018 – Skärholmen",
            "   Att lämna in: presentationen vid T2 av hur arbetet kan finansieras i egen regi",
        ]
        assert (
            "Frågor? Kontakta samordnaren på socialförvaltningen: samordnare@example.org." in lines
        )

        (finance,) = mail[FINANCE]
        assert str(finance["Subject"]) == (
            "Försenad: den ekonomiska återrapporteringen vid T2, Skolsociala team 2018 "
            "(Skärholmen), skulle ha lämnats senast 2018-09-14"
        )
        # No internal id in any subject: no round id, no project slug, no key.
        for m in inbox.messages:
            subject = str(m["Subject"])
            assert "sst-2018" not in subject
            assert "skarholmen" not in subject
            assert "late-5" not in subject

        # Later the same day the coordinator moves T2 to 21 Sep: three obligations are due
        # anew (new keys), but each recipient has had the day's e-mail: nothing goes out.
        story.on(date(2018, 9, 25)).do(
            COORDINATOR,
            SetDeadline(round_id=ROUND, code="t2", due_on=date(2018, 9, 21), reason="Ny T2"),
        )
        story.do(
            district_actor("Skärholmen"),
            SubmitFollowUp(
                round_id=ROUND,
                district="Skärholmen",
                kind="t2",
                indicators={"target_group_size": 50, "pupils_reached": 24},
                period_start=date(2018, 1, 1),
                period_end=date(2018, 8, 31),
            ),
        )
        third = run(store, port, DAY_1)
        assert third.sent == []
        assert len(third.skipped) == 2
        assert len(inbox.messages) == 2

        # The next day: one e-mail each, with only what is still due (the follow-up is in).
        fourth = run(store, port, DAY_2)
        assert len(fourth.sent) == 2
        assert len(inbox.messages) == 4
        mail = by_recipient(inbox)
        assert [len(mail[FINANCE]), len(mail[LEAD])] == [2, 2]
        lead_2 = body_lines(mail[LEAD][1])
        assert "   Att lämna in: uppföljningen vid T2" not in lead_2
        assert (
            "   Att lämna in: presentationen vid T2 av hur arbetet kan finansieras i egen regi"
        ) in lead_2
        assert "   Sista dag: 2018-09-21 (försenad)" in lead_2  # the moved date, passed
        assert mail[LEAD][1]["Message-ID"] != mail[LEAD][0]["Message-ID"]

    # Every obligation in every digest is on record as sent, once.
    sent = [r.event.key for r in store.read_stream(STREAM) if isinstance(r.event, ReminderSent)]
    assert len(sent) == len(set(sent)) == 5
    assert sorted(sent) == sorted([*first.sent, *fourth.sent])

"""An honest history that holds every kind of event the engine records (role grants, contacts
and school kinds, documents, payment plans, reviews) imports through the replay of the rules
and exports to the same bytes (issue 12 with the events of issues 11 and 13)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from events.streams import EVENT_STREAMS
from policies.commands import SetContact, SetPaymentPlan
from ppss_workflow.demo import COORDINATOR, load_demo
from ppss_workflow.documents import attach
from ppss_workflow.export import export_jsonl, import_jsonl
from ppss_workflow.grants import grant_role, revoke_role
from ppss_workflow.handlers import Commands
from ppss_workflow.scratch import scratch_store

NOW = datetime(2014, 12, 15, 11, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_every_kind_of_event_imports_and_exports_to_the_same_bytes() -> None:
    with scratch_store() as store, scratch_store() as copy:
        load_demo(store)
        commands = Commands(store, lambda: NOW)
        commands.execute(
            COORDINATOR,
            SetContact(round_id="ppss-2014", district="Farsta", role="finance",
                       email="ekonomi@farsta.example.org"),
        )  # fmt: skip
        attach(commands, COORDINATOR, round_id="ppss-2014", district="Farsta",
               attached_to="year-end-account", name="bokslut.pdf", content=PDF)  # fmt: skip
        commands.execute(
            COORDINATOR,
            SetPaymentPlan(
                round_id="ppss-2014",
                district="Skarpnäck",
                instalments=({"percent": 100, "releases_on": ("plan_approved",)},),
            ),
        )
        grant_role(store, COORDINATOR, "rektor@example.org", "district:Farsta", now=NOW)
        grant_role(store, COORDINATOR, "revisor@example.org", "auditor", now=NOW)
        revoke_role(store, COORDINATOR, "rektor@example.org", now=NOW)

        exported = io.BytesIO()
        export_jsonl(store, exported)
        kinds = {r.event_type for r in store.read_all()}
        # every kind the engine records without a reminder run or a correction is here
        wanted = set(EVENT_STREAMS) - {
            "ReminderSent", "ReminderFailed", "ReminderAbandoned", "EventAnnulled",
            "PaymentAnnulmentRequested",  # a correction, as EventAnnulled
            "ApplicationWithdrawn", "DeadlineChanged", "ReminderLadderSet", "RoundClosed",
            "NetworkMakeUpRecorded", "NetworkExemptionGranted", "RepaymentReceived",
            "RepaymentWaived", "ReportReturned", "ContactRemoved",
            "SchoolKindSet",  # the demo's 2014 applications name no schools
        }  # fmt: skip
        assert wanted <= kinds, wanted - kinds

        imported = import_jsonl(copy, io.BytesIO(exported.getvalue()).read().splitlines())
        assert imported == store.count()
        again = io.BytesIO()
        export_jsonl(copy, again)
        assert again.getvalue() == exported.getvalue()

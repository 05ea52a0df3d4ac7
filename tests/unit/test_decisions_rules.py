"""Rules of :mod:`policies.decisions` pinned where they live, without a database: who may run an
operation, a school's term within the round, documents attached as the content store holds
them, a report reviewed once. Each refusal is pinned by its reason (code and parameters), its
rule and its kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import pytest

from events import (
    ApplicationSubmitted,
    DisbursementMade,
    DocumentAttached,
    FinancialReportSubmitted,
    GrantAwarded,
    Instalment,
    NetworkSessionScheduled,
    PaymentPlanSet,
    RepaymentDemanded,
    RepaymentReceived,
    RepaymentWaived,
    ReportAccepted,
    ReportReturned,
    RoundOpened,
    SchoolFollowUpRecorded,
    SupervisionFundsRequested,
)
from events.contacts import ContactRemoved, SchoolKindSet
from policies.commands import (
    AttachDocument,
    AwardGrant,
    Disburse,
    GrantSupervision,
    InstalmentInput,
    RecordSchoolFollowUp,
    RemoveContact,
    ReviewReport,
    ScheduleSession,
    SetContact,
    SetPaymentPlan,
    SettleRepayment,
    SubmitFinancialReport,
    SubmitFollowUp,
)
from policies.decisions import (
    ALREADY_ATTACHED,
    ALREADY_AWARDED,
    ALREADY_CONTACT,
    ALREADY_GRANTED,
    ALREADY_PLAN,
    ALREADY_REPAID,
    ALREADY_REVIEWED,
    ALREADY_SCHOOL_FOLLOW_UP,
    ALREADY_WAIVED,
    BAD_FIELD,
    BAD_FIELDS,
    BAD_INPUT,
    DOCUMENT_NOT_AS_STORED,
    DOCUMENT_NOT_STORED,
    KIND_NEEDS_SCHOOL,
    MAY_NOT_OPERATE,
    NO_CONTACT,
    NO_DISTRICT,
    NO_SCHOOL,
    NOT_A_REPORT,
    NOT_ON_RECORD,
    NOTHING_TO_REVIEW,
    REACHED_ABOVE_TARGET,
    REFERENCE_USED,
    RETURN_NEEDS_REASON,
    REVIEW_BEFORE,
    REVIEWED_ONCE,
    SESSION_EXISTS,
    SESSION_OUTSIDE,
    SETTLE_OVER,
    TERM_NOT_BEGUN,
    TERM_OUTSIDE,
    Decision,
    Refusal,
    authorise_operation,
    bad_fields,
    decide,
    some_names,
)
from policies.reason import Kronor, Named
from policies.review import REPORT_STANDS_ACCEPTED, REPORTS, REVIEW_ACCEPTED, REVIEW_RETURNED
from policies.state import STOCKHOLM
from tests.unit.said import said_line
from tests.unit.world import FARSTA, RID, ROUND, TODAY, World, applied, opened, refused


def pinned(refusal: Refusal) -> tuple[Any, ...]:
    """What a refusal decides: its reason, rule and kind."""
    return refusal.reason, refusal.rule, refusal.kind


# -- operations ---------------------------------------------------------------------------------


def test_an_operation_refused_names_the_role_the_operation_and_who_may() -> None:
    """The scheduler may not import a history: only the coordinator may; the line names the
    operation as the command, the store as the project and the role as the state."""
    with pytest.raises(Refusal) as caught:
        authorise_operation("import a history", "scheduler")
    no = caught.value
    assert pinned(no) == (
        MAY_NOT_OPERATE(
            role=Named("role", "scheduler"),
            operation=Named("operation", "import a history"),
            allowed=(Named("role", "coordinator"),),
        ),
        "roles",
        "not_authorised",
    )
    assert said_line(no) == (
        "the reminder service role may not import a history: act as coordinator "
        "[import a history; the store; acting as scheduler; rule: roles]"
    )
    with pytest.raises(Refusal) as caught:
        authorise_operation("sign checkpoints", "district")
    assert caught.value.reason == MAY_NOT_OPERATE(
        role=Named("role", "district"),
        operation=Named("operation", "sign checkpoints"),
        allowed=(Named("role", "scheduler"), Named("role", "coordinator")),
    )


# -- a school's counts for a term ---------------------------------------------------------------


def _school(term: str, **counts: Any) -> RecordSchoolFollowUp:
    base: dict[str, Any] = {"round_id": RID, "district": "Farsta", "school": "Farstaskolan",
                            "term": term, "target_group": 40, "enrolled": 12}  # fmt: skip
    return RecordSchoolFollowUp(**(base | counts))


def _round(start: date, end: date) -> World:
    world = World()
    world.given(
        ROUND,
        RoundOpened(round_id=RID, title="Runda", budget_sek=1_000_000, period_start=start,
                    period_end=end, policy_name="ppss-2014", policy_version=1),
        date(2013, 5, 2),
    )  # fmt: skip
    applied(world, "Farsta")
    return world


def test_a_term_touching_the_rounds_period_on_its_first_or_last_day_is_taken() -> None:
    """VT2014 ends on 30 June, HT2014 begins on 1 August: a round from 30 June to 1 August
    takes both; VT2015 and HT2013 fall outside it."""
    world = _round(date(2014, 6, 30), date(2014, 8, 1))
    for term in ("VT2014", "HT2014"):
        assert [e for _, es in world.decide(_school(term), TODAY).appends for e in es] == [
            SchoolFollowUpRecorded(school="Farstaskolan", term=term, target_group=40, enrolled=12)
        ]
    for term in ("HT2013", "VT2015"):
        no = refused(world, _school(term), date(2015, 2, 1))
        assert pinned(no) == (
            TERM_OUTSIDE(term=term, round=RID, first=date(2014, 6, 30), last=date(2014, 8, 1)),
            "terms within the round",
            "invalid",
        )


def test_a_term_is_taken_from_its_first_day() -> None:
    """HT2014 begins on 1 August 2014: taken that day, refused the day before."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    assert world.decide(_school("HT2014"), date(2014, 8, 1)).appends
    no = refused(world, _school("HT2014"), date(2014, 7, 31))
    assert pinned(no) == (
        TERM_NOT_BEGUN(term="HT2014", starts=date(2014, 8, 1), day=date(2014, 7, 31)),
        "terms that have begun",
        "invalid",
    )
    outside = refused(world, _school("HT2015"), date(2015, 8, 3))
    assert outside.reason is not None
    assert outside.reason.code == TERM_OUTSIDE.code


def test_the_same_counts_again_are_already_recorded_and_new_counts_are_recorded() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    world.run(_school("HT2014"), TODAY)
    assert world.decide(_school("HT2014"), TODAY) == Decision(
        already=ALREADY_SCHOOL_FOLLOW_UP(school="Farstaskolan", term="HT2014")
    )
    assert world.decide(_school("HT2014", enrolled=13), TODAY).appends
    assert world.decide(_school("VT2014"), TODAY).appends


# -- documents ----------------------------------------------------------------------------------

SHA = "ab" * 32


def _attach(**fields: Any) -> AttachDocument:
    base = {"round_id": RID, "district": "Farsta", "attached_to": "plan", "file_name": "x.pdf",
            "media_type": "application/pdf", "size_bytes": 10, "sha256": SHA}  # fmt: skip
    return AttachDocument(**(base | fields))


def _attached_world() -> World:
    world = World()
    opened(world)
    applied(world, "Farsta")
    world.given(
        FARSTA,
        DocumentAttached(attached_to="plan", name="plan.pdf", media_type="application/pdf",
                         size_bytes=10, sha256=SHA),
        date(2014, 3, 1),
    )  # fmt: skip
    return world


def test_a_document_not_in_the_store_or_not_as_stored_is_refused() -> None:
    world = _attached_world()
    cmd = _attach(sha256="cd" * 32, size_bytes=11, media_type="image/png")
    view = world.view(cmd, TODAY, None)
    with pytest.raises(Refusal) as caught:
        decide(cmd, replace(view, held_document=None))
    assert pinned(caught.value) == (
        DOCUMENT_NOT_STORED(sha256="cd" * 32),
        "documents are stored before they are attached",
        "invalid",
    )
    with pytest.raises(Refusal) as caught:
        decide(cmd, replace(view, held_document=(10, "application/pdf")))
    assert pinned(caught.value) == (
        DOCUMENT_NOT_AS_STORED(sha256="cd" * 32, size=11, media_type="image/png",
                               stored_size=10, stored_type="application/pdf"),
        "documents are stored before they are attached",
        "invalid",
    )  # fmt: skip
    for held in ((11, "application/pdf"), (10, "image/png")):
        with pytest.raises(Refusal):
            decide(cmd, replace(view, held_document=held))


def test_the_same_file_to_the_same_thing_is_already_attached() -> None:
    """The same bytes to the plan again: already attached (its recorded name); the same bytes
    to the account, or other bytes to the plan, are attached."""
    world = _attached_world()
    assert world.decide(_attach(), TODAY) == Decision(
        already=ALREADY_ATTACHED(name="plan.pdf", to=Named("attached_to", "plan"))
    )
    other_use = world.decide(_attach(attached_to="year-end-account"), TODAY)
    assert [e for _, es in other_use.appends for e in es] == [
        DocumentAttached(attached_to="year-end-account", name="x.pdf",
                         media_type="application/pdf", size_bytes=10, sha256=SHA)
    ]  # fmt: skip
    assert world.decide(_attach(sha256="cd" * 32), TODAY).appends


# -- reviewing a report -------------------------------------------------------------------------

FINAL = "final_financial_report"
HANDED_IN = date(2015, 1, 20)


def _handed_in() -> tuple[World, Any]:
    world = World()
    opened(world)
    applied(world, "Farsta")
    report = FinancialReportSubmitted(kind="final", spent_sek=100, forecast_sek=100)
    return world, world.given(FARSTA, report, HANDED_IN)


def _review(accept: bool, report: str = FINAL, **fields: Any) -> ReviewReport:
    return ReviewReport(round_id=RID, district="Farsta", report=report, accept=accept, **fields)


def test_only_a_known_report_that_was_handed_in_is_reviewed() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    unknown = refused(world, _review(True, report="t3_report"))
    assert pinned(unknown) == (
        NOT_A_REPORT(report="t3_report", known=tuple(Named("report", r) for r in REPORTS)),
        "known reports",
        "invalid",
    )
    nothing = refused(world, _review(True))
    assert pinned(nothing) == (
        NOTHING_TO_REVIEW(district="Farsta", report=Named("report", FINAL)),
        "review what is submitted",
        "condition",
    )
    assert nothing.state == "not submitted"


def test_a_review_is_dated_on_or_after_the_day_the_report_was_handed_in() -> None:
    world, submitted = _handed_in()
    early = refused(world, _review(True, on=date(2015, 1, 19)), date(2015, 1, 25))
    assert pinned(early) == (
        REVIEW_BEFORE(report=Named("report", FINAL), submitted=HANDED_IN),
        "review not before submission",
        "invalid",
    )
    same_day = world.decide(_review(True, on=HANDED_IN), date(2015, 1, 25))
    assert [e for _, es in same_day.appends for e in es] == [
        ReportAccepted(report=FINAL, submission_id=submitted.event_id, note=None)
    ]


def test_a_report_is_accepted_with_a_note_or_returned_with_a_reason() -> None:
    world, submitted = _handed_in()
    day = date(2015, 1, 25)
    accepted = world.decide(_review(True, reason="Bra"), day)
    assert accepted.appends == (
        (FARSTA, (ReportAccepted(report=FINAL, submission_id=submitted.event_id, note="Bra"),)),
    )
    bare = refused(world, _review(False), day)
    assert pinned(bare) == (RETURN_NEEDS_REASON(), "returns give a reason", "invalid")
    returned = world.decide(_review(False, reason="Saknas"), day)
    assert returned.appends == (
        (FARSTA, (ReportReturned(report=FINAL, submission_id=submitted.event_id,
                                 reason="Saknas"),)),
    )  # fmt: skip


def test_a_report_is_reviewed_once_and_the_same_review_again_is_already_recorded() -> None:
    world, _ = _handed_in()
    world.run(_review(True), date(2015, 1, 25))
    accepted_on = REVIEW_ACCEPTED(on=date(2015, 1, 25))
    assert world.decide(_review(True), date(2015, 2, 1)) == Decision(
        already=ALREADY_REVIEWED(report=Named("report", FINAL), district="Farsta",
                                 review=accepted_on)
    )  # fmt: skip
    twice = refused(world, _review(False, reason="Nej"), date(2015, 2, 1))
    assert pinned(twice) == (
        REVIEWED_ONCE(report=Named("report", FINAL), district="Farsta", review=accepted_on),
        "a submission is reviewed once",
        "condition",
    )
    assert twice.state == "report accepted"
    other, _ = _handed_in()
    other.run(_review(False, reason="Saknas"), date(2015, 1, 25))
    returned_on = REVIEW_RETURNED(on=date(2015, 1, 25), why="Saknas")
    assert other.decide(_review(False, reason="Igen"), date(2015, 2, 1)) == Decision(
        already=ALREADY_REVIEWED(report=Named("report", FINAL), district="Farsta",
                                 review=returned_on)
    )  # fmt: skip
    assert pinned(refused(other, _review(True), date(2015, 2, 1)))[0] == REVIEWED_ONCE(
        report=Named("report", FINAL), district="Farsta", review=returned_on
    )


def test_an_accepted_final_financial_report_is_not_replaced_by_a_new_one() -> None:
    """What is owed back is worked out from the final financial report (2018): once accepted,
    a new final report is refused (until the acceptance is annulled)."""
    world, _ = _handed_in()
    world.run(_review(True), date(2015, 1, 25))
    final = SubmitFinancialReport(round_id=RID, district="Farsta", kind="final", spent_sek=90,
                                  forecast_sek=90)  # fmt: skip
    again = refused(world, final, date(2015, 2, 1))
    assert pinned(again) == (
        REPORT_STANDS_ACCEPTED(report=Named("report", FINAL), district="Farsta",
                               on=date(2015, 1, 25)),
        "an accepted report stands",
        "condition",
    )  # fmt: skip
    assert (again.state, again.day) == ("report accepted", date(2015, 2, 1))


# -- payment plans ------------------------------------------------------------------------------


def _plan(*releases: tuple[str, ...], district: str | None = None) -> SetPaymentPlan:
    share = 100 // len(releases)
    items = tuple(InstalmentInput(percent=share, releases_on=codes) for codes in releases)
    return SetPaymentPlan(round_id=RID, district=district, instalments=items)


def _plan_set(*releases: tuple[str, ...]) -> PaymentPlanSet:
    share = 100 // len(releases)
    items = tuple(Instalment(percent=share, releases_on=codes) for codes in releases)
    return PaymentPlanSet(instalments=items)


def test_every_release_code_of_every_instalment_is_one_the_round_knows() -> None:
    """The second instalment's second code is unknown: refused, naming it."""
    world = World()
    opened(world)
    no = refused(world, _plan(("awarded",), ("plan_approved", "t2_accepted")))
    assert no.reason is not None
    assert (no.reason["code"], no.reason["round"], no.rule, no.kind) == (
        Named("release", "t2_accepted"),
        RID,
        "release conditions the round knows",
        "invalid",
    )
    assert Named("release", "plan_approved") in no.reason["known"]  # type: ignore[operator]


def test_a_plan_is_set_on_the_round_or_on_a_district_project_once() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    day = date(2014, 1, 10)
    on_round = world.decide(_plan(("awarded",), ("plan_approved",)), day)
    assert on_round.appends == ((ROUND, (_plan_set(("awarded",), ("plan_approved",)),)),)
    on_farsta = _plan(("awarded",), district="Farsta")
    assert world.decide(on_farsta, day).appends == ((FARSTA, (_plan_set(("awarded",)),)),)
    world.run(on_farsta, day)
    assert world.decide(on_farsta, day) == Decision(already=ALREADY_PLAN(district="Farsta"))
    assert world.decide(_plan((), district="Farsta"), day).appends == ((FARSTA, (_plan_set(()),)),)
    nacka = refused(world, _plan((), district="Nacka"), day)
    assert pinned(nacka) == (
        NO_DISTRICT(district="Nacka", round=RID, known=("Farsta",)),
        "known districts",
        "not_found",
    )
    other_spelling = refused(world, _plan((), district="Fårsta"), day)
    assert pinned(other_spelling) == (
        NOT_ON_RECORD(district="Fårsta", recorded="Farsta"),
        "one project per district",
        "not_found",
    )


# -- contacts -----------------------------------------------------------------------------------

SCHOOLS = ("Fokusskola 1", "Fokusskola 2")


def _with_schools() -> World:
    world = World()
    opened(world)
    world.given(
        FARSTA,
        ApplicationSubmitted(round_id=RID, project_id="farsta", district="Farsta",
                             school_count=2, schools=SCHOOLS, applied_sek=1_000_000,
                             period_start=date(2014, 1, 1), period_end=date(2014, 12, 31)),
        date(2013, 5, 31),
    )  # fmt: skip
    return world


def _contact(**fields: Any) -> SetContact:
    base: dict[str, Any] = {"round_id": RID, "district": "Farsta", "role": "school_contact",
                            "email": "skola@farsta.example.org",
                            "school": "fokusskola 2"}  # fmt: skip
    return SetContact(**(base | fields))


def test_a_school_is_named_as_the_application_names_it() -> None:
    """Any case finds the school; the events name it as the application does; a school the
    application does not name is not found; a kind needs a school."""
    world = _with_schools()
    world.run(_contact(), TODAY)
    kind_only = world.decide(_contact(school="FOKUSSKOLA 2", school_kind="free"), TODAY)
    assert kind_only.appends == ((FARSTA, (SchoolKindSet(school="Fokusskola 2", kind="free"),)),)
    assert world.decide(_contact(), TODAY) == Decision(already=ALREADY_CONTACT())
    other = refused(world, _contact(school="Fokusskola 3"))
    assert pinned(other) == (
        NO_SCHOOL(district="Farsta", school="Fokusskola 3", known=SCHOOLS),
        "known schools",
        "not_found",
    )
    alone = refused(world, _contact(school=None, school_kind="free"))
    assert pinned(alone) == (KIND_NEEDS_SCHOOL(), "school kinds", "invalid")
    remove = RemoveContact(round_id=RID, district="Farsta", role="school_contact",
                           school="fokusskola 2")  # fmt: skip
    assert world.decide(remove, TODAY).appends == (
        (FARSTA, (ContactRemoved(role="school_contact", school="Fokusskola 2"),)),
    )
    missing = refused(world, remove.model_copy(update={"school": "Fokusskola 1"}))
    assert pinned(missing) == (
        NO_CONTACT(district="Farsta", role=Named("contact_role", "school_contact")),
        "known contacts",
        "not_found",
    )


def test_some_names_lists_a_dozen_and_counts_the_rest() -> None:
    names = [f"d{i}" for i in range(14)]
    assert some_names(names[:12]) == ", ".join(names[:12])
    assert some_names(names[:13]) == ", ".join(names[:12]) + " and 1 more"
    assert some_names(names, most=2) == "d0, d1 and 12 more"
    assert some_names([]) == ""


# -- network sessions ---------------------------------------------------------------------------


def _session(day: date, session_id: str = "n1") -> ScheduleSession:
    starts = datetime.combine(day, time(13), STOCKHOLM)
    return ScheduleSession(round_id=RID, session_id=session_id, title="Nätverk", starts_at=starts)


def test_a_session_is_scheduled_once_on_a_day_of_the_rounds_period() -> None:
    """The period's first and last days take a session; the days around them do not."""
    world = World()
    opened(world)
    for day in (date(2014, 1, 1), date(2014, 12, 31)):
        cmd = _session(day)
        assert world.decide(cmd, TODAY).appends == (
            (ROUND, (NetworkSessionScheduled(session_id="n1", title="Nätverk",
                                             starts_at=cmd.starts_at, mandatory=True),)),
        )  # fmt: skip
    for day in (date(2013, 12, 31), date(2015, 1, 1)):
        no = refused(world, _session(day), date(2015, 1, 2))
        assert pinned(no) == (
            SESSION_OUTSIDE(day=day, round=RID, first=date(2014, 1, 1), last=date(2014, 12, 31)),
            "sessions within the round's period",
            "invalid",
        )
    world.run(_session(date(2014, 3, 12)), TODAY)
    again = refused(world, _session(date(2014, 4, 1)))
    assert pinned(again) == (
        SESSION_EXISTS(session="n1", round=RID),
        "one session per id",
        "invalid",
    )


# -- ill-formed input ---------------------------------------------------------------------------


def test_bad_fields_names_the_first_field_what_is_wrong_and_how_many_more() -> None:
    """pydantic's errors as data: the field less the first ``skip`` parts of its place, the
    error type by name, a count of the rest; a rule of our own model says its own words."""
    too_big = {"loc": ("body", "steps", 0, "offset"), "type": "less_than_equal", "msg": "x"}
    missing = {"loc": ("body", "title"), "type": "missing", "msg": "y"}
    assert bad_fields([too_big]) == BAD_FIELD(
        field="body.steps.0.offset", problem=Named("validation", "less_than_equal")
    )
    assert bad_fields([too_big, missing, missing], skip=1) == BAD_FIELDS(
        field="steps.0.offset", problem=Named("validation", "less_than_equal"), more=2
    )
    assert bad_fields([{"type": "missing"}]) == BAD_FIELD(
        field="-", problem=Named("validation", "missing")
    )
    assert bad_fields([{}]) == BAD_FIELD(field="-", problem=Named("validation", ""))
    ours = {"loc": ("period_end",), "type": "value_error", "msg": "Value error, too early"}
    assert bad_fields([ours]) == BAD_INPUT(problem="period_end: Value error, too early")
    assert bad_fields([ours, missing]) == BAD_INPUT(
        problem="period_end: Value error, too early (and 1 more)"
    )
    asserted = {"loc": (), "type": "assertion_error"}
    assert bad_fields([asserted]) == BAD_INPUT(problem="-: ")


# -- money: the same decision or payment again is already on record ------------------------------


def test_the_same_award_or_supervision_grant_again_is_already_on_record() -> None:
    """Same reference and amount: "already", naming both and the district; the same
    reference with another amount is a new decision."""
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    award = AwardGrant(round_id=RID, district="Farsta", amount_sek=300_000, decision_ref="SN 1",
                       decided_on=date(2014, 2, 1))  # fmt: skip
    world.run(award, TODAY)
    assert world.decide(award, TODAY) == Decision(
        already=ALREADY_AWARDED(ref="SN 1", amount=Kronor(300_000), district="Farsta")
    )
    assert world.decide(award.model_copy(update={"amount_sek": 1}), TODAY).appends
    world.given(FARSTA, SupervisionFundsRequested(amount_sek=20_000, description="Handledning"),
                date(2014, 2, 2))  # fmt: skip
    grant = GrantSupervision(round_id=RID, district="Farsta", amount_sek=10_000,
                             decision_ref="FoU 1")  # fmt: skip
    world.run(grant, TODAY)
    assert world.decide(grant, TODAY) == Decision(
        already=ALREADY_GRANTED(ref="FoU 1", amount=Kronor(10_000), district="Farsta")
    )
    assert world.decide(grant.model_copy(update={"amount_sek": 5_000}), TODAY).appends


def test_a_settlement_again_is_already_on_record_by_its_own_kind() -> None:
    """A receipt is matched by its payment reference among receipts, a waiver by its decision
    among waivers; one never answers for the other."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    world.given(FARSTA, RepaymentDemanded(amount_sek=1_000, reason="Ej använt",
                                          due_on=date(2015, 3, 1)), date(2015, 1, 5))  # fmt: skip
    day = date(2015, 1, 10)
    paid_back = SettleRepayment(round_id=RID, district="Farsta", amount_sek=300, waive=False,
                                reference="I-1")  # fmt: skip
    waived = SettleRepayment(round_id=RID, district="Farsta", amount_sek=300, waive=True,
                             reference="I-1", reason="Ringa")  # fmt: skip
    world.run(paid_back, day)
    assert world.decide(paid_back, day) == Decision(
        already=ALREADY_REPAID(ref="I-1", amount=Kronor(300), district="Farsta")
    )
    assert world.decide(waived, day).appends == (
        (FARSTA, (RepaymentWaived(amount_sek=300, reason="Ringa", decision_ref="I-1"),)),
    )
    world.run(waived, day)
    assert world.decide(waived, day) == Decision(
        already=ALREADY_WAIVED(ref="I-1", amount=Kronor(300), district="Farsta")
    )
    rest = world.decide(paid_back.model_copy(update={"amount_sek": 400}), day)
    assert rest.appends == (
        (FARSTA, (RepaymentReceived(amount_sek=400, payment_reference="I-1"),)),
    )
    over = refused(world, paid_back.model_copy(update={"amount_sek": 401}), day)
    assert pinned(over) == (
        SETTLE_OVER(amount=Kronor(401), outstanding=Kronor(400), district="Farsta"),
        "settle within demanded",
        "condition",
    )
    assert over.state == "outstanding 400 kr"


def test_an_award_records_its_decision_whole() -> None:
    """Who decided, the diary number and the minutes go into the award as given."""
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    award = AwardGrant(round_id=RID, district="Farsta", amount_sek=300_000, decision_ref="SN 1",
                       decided_on=date(2014, 2, 1), decided_by="Styrgruppen",
                       diary_number="UTB 2014/12", minutes_ref="P 3 §4")  # fmt: skip
    assert world.decide(award, TODAY).appends == (
        (FARSTA, (GrantAwarded(amount_sek=300_000, decision_ref="SN 1",
                               decided_on=date(2014, 2, 1), decided_by="Styrgruppen",
                               diary_number="UTB 2014/12", minutes_ref="P 3 §4"),)),
    )  # fmt: skip


def test_a_used_payment_reference_names_the_payment_that_used_it() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    world.given(FARSTA, DisbursementMade(amount_sek=5_000, purpose="supervision",
                                         payment_reference="U-1"), date(2014, 4, 1))  # fmt: skip
    pay = Disburse(round_id=RID, district="Farsta", amount_sek=1, purpose="grant",
                   payment_reference="U-1")  # fmt: skip
    no = refused(world, pay)
    assert pinned(no) == (
        REFERENCE_USED(ref="U-1", amount=Kronor(5_000), purpose=Named("purpose", "supervision"),
                       district="Farsta"),
        "payment reference unique in the round",
        "invalid",
    )  # fmt: skip


def test_counts_that_cannot_be_are_refused_as_ill_formed() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    no = refused(world, _school("HT2014", target_group=20, enrolled=35))
    assert (no.rule, no.kind) == ("plausible counts", "invalid")


def test_a_plan_records_its_reason_and_refuses_ill_formed_instalments() -> None:
    world = World()
    opened(world)
    day = date(2014, 1, 10)
    half = InstalmentInput(percent=50)
    halves = SetPaymentPlan(round_id=RID, reason="Två delar", instalments=(half, half))
    assert world.decide(halves, day).appends == (
        (ROUND, (PaymentPlanSet(instalments=(Instalment(percent=50), Instalment(percent=50)),
                                reason="Två delar"),)),
    )  # fmt: skip
    neither = halves.model_copy(update={"instalments": (InstalmentInput(),)})
    over = halves.model_copy(
        update={"instalments": (InstalmentInput(percent=60), InstalmentInput(percent=60))}
    )
    for bad in (neither, over):
        no = refused(world, bad, day)
        assert (no.rule, no.kind) == ("well-formed input", "invalid")


def test_a_district_not_found_is_answered_with_the_first_twelve_districts() -> None:
    world = World()
    opened(world, budget=100_000_000)
    names = [f"Distrikt {chr(ord('A') + i)}" for i in range(13)]
    for name in names:
        applied(world, name)
    no = refused(world, _plan((), district="Nacka"), date(2014, 1, 10))
    assert no.reason == NO_DISTRICT(district="Nacka", round=RID, known=tuple(names[:12]))


def test_a_contact_is_removed_only_at_a_school_the_application_names() -> None:
    world = _with_schools()
    remove = RemoveContact(round_id=RID, district="Farsta", role="school_contact",
                           school="Fokusskola 3")  # fmt: skip
    assert pinned(refused(world, remove)) == (
        NO_SCHOOL(district="Farsta", school="Fokusskola 3", known=SCHOOLS),
        "known schools",
        "not_found",
    )


def test_a_payment_refused_names_its_purpose_by_kind() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta", 1_000_000)
    pay = Disburse(round_id=RID, district="Farsta", amount_sek=1, purpose="supervision",
                   payment_reference="U-1")  # fmt: skip
    no = refused(world, pay)
    assert no.reason is not None
    assert (no.reason.code, no.reason["purpose"], no.reason["may"]) == (
        "payment.not_payable",
        Named("purpose", "supervision"),
        Kronor(0),
    )
    assert (no.rule, no.state) == ("payable supervision", "payable 0 kr")


# -- counts ------------------------------------------------------------------------------------


def test_a_follow_up_reaching_more_pupils_than_its_target_group_is_implausible() -> None:
    """Seed 001 measures reach "i relation till målgruppens storlek": 35 reached of 20 (the
    project's or a school's) is refused as implausible counts, naming where."""
    world = World()
    opened(world)
    applied(world, "Farsta")

    def follow_up(**indicators: Any) -> SubmitFollowUp:
        return SubmitFollowUp(round_id=RID, district="Farsta", kind="annual",
                              indicators=indicators)  # fmt: skip

    no = refused(world, follow_up(target_group_size=20, pupils_reached=35))
    assert pinned(no) == (
        REACHED_ABOVE_TARGET(where="Farsta", reached=35, target=20),
        "plausible counts",
        "invalid",
    )
    school = {"school": "A", "target_group_size": 4, "pupils_reached": 6}
    other = {"school": "B", "target_group_size": 16, "pupils_reached": 4}
    no = refused(world, follow_up(target_group_size=20, pupils_reached=10,
                                  schools=(school, other)))  # fmt: skip
    assert pinned(no) == (
        REACHED_ABOVE_TARGET(where="A", reached=6, target=4),
        "plausible counts",
        "invalid",
    )
    assert world.decide(follow_up(target_group_size=20, pupils_reached=20), TODAY).appends

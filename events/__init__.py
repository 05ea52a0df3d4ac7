"""The event catalogue: everything that can happen to a funding round and its projects.

Pure: pydantic models only, no I/O and no clock. Importing this package registers every
event type in :data:`events.base.registry`.
"""

from events.access import ACCESS_STREAM, RoleGranted, RoleRevoked
from events.annulment import EventAnnulled, PaymentAnnulmentRequested
from events.application import (
    ApplicationSubmitted,
    ApplicationWithdrawn,
    BudgetLine,
    ContactRole,
    Signature,
)
from events.award import GrantAwarded
from events.base import (
    Event,
    EventRegistry,
    InvalidEvent,
    Kronor,
    PositiveKronor,
    UnknownEventType,
    registry,
)
from events.contacts import CONTACT_ROLES, ContactRemoved, ContactSet, SchoolKindSet
from events.disbursement import DisbursementMade
from events.documents import DocumentAttached
from events.envelope import ROLES, Metadata, NewEvent, Recorded, Role
from events.followup import SchoolFollowUpRecorded
from events.instalments import Instalment, PaymentPlanSet
from events.network import (
    NetworkAbsenceRecorded,
    NetworkAttendanceRecorded,
    NetworkExemptionGranted,
    NetworkMakeUpRecorded,
)
from events.plan import PlanApproved, PlanRejected, PlanSubmitted
from events.reminder import (
    LadderStep,
    ReminderAbandoned,
    ReminderFailed,
    ReminderLadderSet,
    ReminderSent,
)
from events.repayment import RepaymentDemanded, RepaymentReceived, RepaymentWaived
from events.reporting import (
    FinancialReportSubmitted,
    FollowUpIndicators,
    FollowUpSubmitted,
    YearEndAccountSubmitted,
)
from events.review import ReportAccepted, ReportReturned
from events.round import (
    AllocationDecided,
    AllocationLine,
    DeadlineChanged,
    DeadlineSet,
    NetworkSessionScheduled,
    RoundClosed,
    RoundDeadline,
    RoundOpened,
)
from events.supervision import SupervisionFundsGranted, SupervisionFundsRequested

__all__ = [
    "ACCESS_STREAM",
    "CONTACT_ROLES",
    "ROLES",
    "AllocationDecided",
    "AllocationLine",
    "ApplicationSubmitted",
    "ApplicationWithdrawn",
    "BudgetLine",
    "ContactRemoved",
    "ContactRole",
    "ContactSet",
    "DeadlineChanged",
    "DeadlineSet",
    "DisbursementMade",
    "DocumentAttached",
    "Event",
    "EventAnnulled",
    "EventRegistry",
    "FinancialReportSubmitted",
    "FollowUpIndicators",
    "FollowUpSubmitted",
    "GrantAwarded",
    "Instalment",
    "InvalidEvent",
    "Kronor",
    "LadderStep",
    "Metadata",
    "NetworkAbsenceRecorded",
    "NetworkAttendanceRecorded",
    "NetworkExemptionGranted",
    "NetworkMakeUpRecorded",
    "NetworkSessionScheduled",
    "NewEvent",
    "PaymentAnnulmentRequested",
    "PaymentPlanSet",
    "PlanApproved",
    "PlanRejected",
    "PlanSubmitted",
    "PositiveKronor",
    "Recorded",
    "ReminderAbandoned",
    "ReminderFailed",
    "ReminderLadderSet",
    "ReminderSent",
    "RepaymentDemanded",
    "RepaymentReceived",
    "RepaymentWaived",
    "ReportAccepted",
    "ReportReturned",
    "Role",
    "RoleGranted",
    "RoleRevoked",
    "RoundClosed",
    "RoundDeadline",
    "RoundOpened",
    "SchoolFollowUpRecorded",
    "SchoolKindSet",
    "Signature",
    "SupervisionFundsGranted",
    "SupervisionFundsRequested",
    "UnknownEventType",
    "YearEndAccountSubmitted",
    "registry",
]

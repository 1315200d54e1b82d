"""The data model, one module per aggregate."""
from .api_token import ApiToken
from .attendance import Certificate, SessionAttendance, SessionChoice
from .audit import AuditEntry
from .badge import BadgeLogo, BadgePrint, BadgeRun, BadgeRunStatus
from .booking import Booking, DiscountCode, InvoiceTiming
from .event import AgendaItem, Event, EventKind, EventSession, Question, QuestionKind, Series
from .feedback import Feedback
from .grouping import GroupSeat, TableGroup
from .invoice import (
    ChargeKind,
    Delivery,
    EventBilling,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSeries,
    NoShowCharge,
    Payment,
    Refund,
    VatTreatment,
)
from .message import Audience, EmailText, EventMessage, MessageStatus
from .organisation import County, Organisation, OrganisationAlias, OrganisationKind
from .outbox import OutboxMessage, OutboxStatus
from .personal_link import PersonalLink
from .registration import Answer, Registration, RegistrationStatus
from .staff import CheckinAssignment
from .user import Role, StaffLink, StaffLinkPurpose, User

__all__ = [
    "AgendaItem",
    "Answer",
    "AuditEntry",
    "Certificate",
    "SessionAttendance",
    "SessionChoice",
    "BadgeLogo",
    "BadgePrint",
    "BadgeRun",
    "BadgeRunStatus",
    "Booking",
    "DiscountCode",
    "InvoiceTiming",
    "County",
    "Event",
    "EventKind",
    "EventSession",
    "Organisation",
    "OrganisationAlias",
    "OrganisationKind",
    "Question",
    "QuestionKind",
    "Registration",
    "RegistrationStatus",
    "Role",
    "Series",
    "User",
    "ChargeKind",
    "Delivery",
    "EventBilling",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceSeries",
    "NoShowCharge",
    "Payment",
    "Refund",
    "VatTreatment",
    "CheckinAssignment",
    "ApiToken",
    "Feedback",
    "GroupSeat",
    "TableGroup",
    "OutboxMessage",
    "OutboxStatus",
    "PersonalLink",
    "Audience",
    "EmailText",
    "EventMessage",
    "MessageStatus",
    "StaffLink",
    "StaffLinkPurpose",
]

"""Domain errors: each carries a message in the user's language, ready to show."""


class DomainError(Exception):
    """A rule said no. ``str(error)`` is the translated message for the user."""

    #: Stable machine-readable code, used by the API.
    code = "domain_error"
    #: The form field the message belongs beside, if any.
    field: str | None = None

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    code = "not_found"


class RegistrationClosed(DomainError):
    code = "registration_closed"


class EventFull(DomainError):
    code = "event_full"


class AlreadyRegistered(DomainError):
    code = "already_registered"
    field = "email"


class CancellationNotAllowed(DomainError):
    code = "cancellation_not_allowed"


class TransferNotAllowed(DomainError):
    code = "transfer_not_allowed"


class InvalidOrganisationNumber(DomainError):
    code = "invalid_org_number"
    field = "org_number"


class InvalidEmailAddress(DomainError):
    """Not an address, or one no message can be sent to."""

    code = "invalid_email"
    field = "email"


class ValidationFailed(DomainError):
    """Several fields are wrong at once; ``errors`` maps each field to its messages."""

    code = "validation_failed"

    def __init__(self, errors: dict[str, list]):
        first = next(iter(errors.values()))[0]
        super().__init__(first)
        self.errors = errors


class Forbidden(DomainError):
    code = "forbidden"


class NothingToPrint(DomainError):
    """No badge matches what was asked for."""

    code = "nothing_to_print"


class NoShowReviewRefused(DomainError):
    """The no-show list cannot be changed or approved as asked."""

    code = "no_show_review_refused"


class InvoicingRefused(DomainError):
    """An invoice cannot be issued, credited or followed up as asked."""

    code = "invoicing_refused"

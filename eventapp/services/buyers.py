"""Who pays an invoice: Peppol participant IDs, the buyer's postal address, and the e-invoice address
proposed for public buyers."""
import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from stdnum import ean
from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr

from ..extensions import db
from ..models import OrganisationKind, Registration
from .errors import DomainError, ValidationFailed
from .organisations import find_organisation_id, validate_org_number

#: Public bodies that receive e-invoices through Peppol at 0007:<organisation number>.
PUBLIC_KINDS = (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION, OrganisationKind.AGENCY)
PEPPOL_ID_RE = re.compile(r"^(\d{4}):([A-Za-z0-9][A-Za-z0-9.\-_]{0,49})$")
POSTCODE_RE = re.compile(r"^(?:SE-?)?(\d{3}) ?(\d{2})$", re.IGNORECASE)


class InvalidPeppolId(DomainError):
    code = "invalid_peppol_id"
    field = "peppol_id"


# Peppol participant IDs -----------------------------------------------------------------------


@cache
def peppol_schemes() -> dict[str, str]:
    """{code: name} of the electronic address schemes Peppol accepts (``data/peppol_eas.csv``)."""
    with resources.files("eventapp").joinpath("data/peppol_eas.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["scheme"] for row in csv.DictReader(f)}


def _digits(length: int, check: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda identifier: identifier.isdigit() and len(identifier) == length and check(identifier)


#: The schemes whose identifiers the Peppol rules check as fatal (PEPPOL-COMMON-R040 to R050), with
#: the same check, so that no ID accepted here makes an invoice the network refuses.
SCHEME_CHECKS: dict[str, tuple[Callable[[str], bool], object]] = {
    "0007": (_digits(10, orgnr.is_valid), _l("a Swedish organisation number, 10 digits")),
    "0088": (_digits(13, ean.is_valid), _l("a GLN, 13 digits")),
    "0192": (_digits(9, no_orgnr.is_valid), _l("a Norwegian organisation number, 9 digits")),
    "0184": (lambda i: re.fullmatch(r"(?:DK)?\d{8}", i) is not None, _l("a Danish CVR number, 8 digits")),
    "0208": (_digits(10, be_vat.is_valid), _l("a Belgian enterprise number, 10 digits")),
    "0151": (_digits(11, abn.is_valid), _l("an Australian Business Number, 11 digits")),
}


def validate_peppol_id(value: str) -> str:
    """A Peppol participant ID "<scheme>:<id>", e.g. "0007:2120000142", checked as the Peppol network
    checks it: the scheme from Peppol's list, the identifier (and its check digit) by the scheme's rule."""
    compact = "".join(value.split())
    match = PEPPOL_ID_RE.fullmatch(compact)
    if match is None:
        raise InvalidPeppolId(_l("%(value)s is not a Peppol ID like 0007:2120000142.", value=value))
    scheme, identifier = match.groups()
    if scheme not in peppol_schemes():
        raise InvalidPeppolId(_l("%(scheme)s is not a Peppol scheme: a Swedish organisation's Peppol ID begins "
                                 "with 0007 (organisation number) or 0088 (GLN).", scheme=scheme))
    check, what = SCHEME_CHECKS.get(scheme, (None, None))
    if check is not None and not check(identifier):
        raise InvalidPeppolId(_l("%(identifier)s is not %(what)s with a correct check digit; check the Peppol ID.",
                                 identifier=identifier, what=what))
    return compact


def proposed_peppol_id(registration: Registration) -> str:
    """``0007:<orgnr>`` for a municipality, region or agency whose organisation number is known."""
    organisation = registration.organisation
    if organisation is None or organisation.kind not in PUBLIC_KINDS:
        return ""
    number = registration.org_number or organisation.org_number or ""
    return "0007:" + number.replace("-", "") if number else ""


# The buyer's postal address -------------------------------------------------------------------


@dataclass(frozen=True)
class BuyerAddress:
    """Where an invoice is addressed: street, postcode and city, and an optional extra line (a c/o,
    or the e-mail address a PDF invoice goes to). A booking of many people carries one."""

    street: str = ""
    postcode: str = ""
    city: str = ""
    extra: str = ""

    @property
    def is_complete(self) -> bool:
        """Street, postcode and city are all given: what an invoice needs."""
        return bool(self.street and self.postcode and self.city)

    @property
    def is_empty(self) -> bool:
        return not (self.street or self.postcode or self.city)

    @classmethod
    def of(cls, registration: Registration) -> "BuyerAddress":
        """The registration's invoice address; for one made before street, postcode and city were asked
        for separately, read from the address lines it gave (see ``from_lines``)."""
        if registration.invoice_street or registration.invoice_city:
            return cls(registration.invoice_street, registration.invoice_postcode, registration.invoice_city,
                       registration.invoice_address)
        return cls.from_lines(registration.invoice_address, registration.organisation_name)

    @classmethod
    def of_invoice(cls, invoice) -> "BuyerAddress":
        """The address an invoice was issued to; for one issued before street, postcode and city were
        asked for separately, read from its address lines."""
        if invoice.buyer_street or invoice.buyer_city:
            return cls(invoice.buyer_street, invoice.buyer_postcode, invoice.buyer_city, invoice.buyer_address)
        return cls.from_lines(invoice.buyer_address, invoice.buyer_name)

    @classmethod
    def from_lines(cls, text: str, buyer_name: str = "") -> "BuyerAddress":
        """An address typed as free lines: the line before "NNN NN City" is the street, the other
        lines (a c/o, an e-mail address) the extra line. A line naming the buyer is left out: the
        organisation's name is never taken for its street."""
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        name = " ".join(buyer_name.casefold().split())
        lines = [line for line in lines if " ".join(line.casefold().split()) != name
                 and line.casefold() not in ("sverige", "sweden")]
        for i, line in enumerate(lines):
            match = re.fullmatch(r"(?:SE-?)?(\d{3} ?\d{2})\s+(\D.*)", line, re.IGNORECASE)
            if match and i > 0:
                extra = ", ".join(lines[:i - 1] + lines[i + 1:])
                return cls(lines[i - 1], normalised_postcode(match.group(1)) or "", match.group(2).strip(), extra)
            match = re.fullmatch(r"(.+?),\s*(?:SE-?)?(\d{3} ?\d{2})\s+(\D.*)", line, re.IGNORECASE)
            if match:  # "Box 1, 131 81 Nacka" on one line
                extra = ", ".join(lines[:i] + lines[i + 1:])
                return cls(match.group(1).strip(), normalised_postcode(match.group(2)) or "", match.group(3).strip(),
                           extra)
        return cls(extra=", ".join(lines))


def normalised_postcode(value: str) -> str | None:
    """A Swedish postcode as "NNN NN" ("SE-13181", "131 81" and "13181" alike); None if it is not one."""
    match = POSTCODE_RE.fullmatch((value or "").strip())
    return None if match is None else f"{match.group(1)} {match.group(2)}"


def address_errors(street: str, postcode: str, city: str, *, required: bool) -> dict[str, list]:
    """What is wrong with an invoice address, by field (``invoice_street``, ``invoice_postcode``,
    ``invoice_city``). Optional unless ``required``, but never half given: an invoice needs all three."""
    given = {"invoice_street": (street or "").strip(), "invoice_postcode": (postcode or "").strip(),
             "invoice_city": (city or "").strip()}
    errors: dict[str, list] = {}
    if required or any(given.values()):
        missing = {
            "invoice_street": _l("Enter the street address or box for the invoice."),
            "invoice_postcode": _l("Enter the postcode for the invoice."),
            "invoice_city": _l("Enter the city for the invoice."),
        }
        for name, message in missing.items():
            if not given[name]:
                errors[name] = [message]
    if given["invoice_postcode"] and normalised_postcode(given["invoice_postcode"]) is None:
        errors["invoice_postcode"] = [_l("Enter a Swedish postcode with five digits, e.g. 131 81.")]
    return errors


def checked_address(street: str, postcode: str, city: str, extra: str = "", *, required: bool) -> BuyerAddress:
    """The invoice address as it is stored, or ValidationFailed with a message beside each wrong field."""
    errors = address_errors(street, postcode, city, required=required)
    if errors:
        raise ValidationFailed(errors)
    return BuyerAddress(" ".join(street.split()), normalised_postcode(postcode) or "", " ".join(city.split()),
                        (extra or "").strip())


def missing_address_reason():
    return _l("No invoice address: add street, postcode and city to the registration, then issue again.")


# What an organisation gave before -------------------------------------------------------------


@dataclass(frozen=True)
class ProposedInvoiceDetails:
    """The invoice details an organisation gave last: what its next registrant is offered."""

    street: str
    postcode: str
    city: str
    peppol_id: str


#: How many of an organisation number's latest registrations are looked through for the typed name.
_LATEST = 50


def proposed_invoice_details(organisation: str, org_number: str) -> ProposedInvoiceDetails | None:
    """The invoice address and Peppol ID last given for the organisation named ``organisation`` with the
    organisation number ``org_number``, or None.

    Only someone who names the organisation and gives its number is offered them, inside their own
    registration. The reference and the extra line are left out: the one is often a person's or a
    department's, the other may be a person's e-mail address.
    """
    try:
        number = validate_org_number(org_number)
    except DomainError:
        return None
    typed = " ".join((organisation or "").split()).casefold()
    if not typed:
        return None
    organisation_id = find_organisation_id(organisation)
    candidates = db.session.scalars(
        select(Registration).where(Registration.org_number == number, Registration.invoice_street != "",
                                   Registration.invoice_postcode != "", Registration.invoice_city != "")
        .order_by(Registration.created_at.desc(), Registration.id.desc()).limit(_LATEST))
    for registration in candidates:
        same = (registration.organisation_id == organisation_id if organisation_id is not None
                else " ".join(registration.organisation_name.split()).casefold() == typed)
        if same:
            return ProposedInvoiceDetails(registration.invoice_street, registration.invoice_postcode,
                                          registration.invoice_city, registration.peppol_id)
    return None

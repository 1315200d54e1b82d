"""Who pays an invoice: Peppol participant IDs and the e-invoice address proposed for public buyers."""
import re

from flask_babel import lazy_gettext as _l
from stdnum.se import orgnr

from ..models import OrganisationKind, Registration
from .errors import DomainError

#: Public bodies that receive e-invoices through Peppol at 0007:<organisation number>.
PUBLIC_KINDS = (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION, OrganisationKind.AGENCY)
PEPPOL_ID_RE = re.compile(r"^(\d{4}):([A-Za-z0-9][A-Za-z0-9.\-_]{0,49})$")


class InvalidPeppolId(DomainError):
    code = "invalid_peppol_id"
    field = "peppol_id"


def validate_peppol_id(value: str) -> str:
    """A Peppol participant ID "<scheme>:<id>", e.g. "0007:2120000142" (0007: a Swedish organisation number)."""
    compact = "".join(value.split())
    match = PEPPOL_ID_RE.fullmatch(compact)
    if match is None or (match.group(1) == "0007" and not orgnr.is_valid(match.group(2))):
        raise InvalidPeppolId(_l("%(value)s is not a Peppol ID like 0007:2120000142.", value=value))
    return compact


def proposed_peppol_id(registration: Registration) -> str:
    """``0007:<orgnr>`` for a municipality, region or agency whose organisation number is known."""
    organisation = registration.organisation
    if organisation is None or organisation.kind not in PUBLIC_KINDS:
        return ""
    number = registration.org_number or organisation.org_number or ""
    return "0007:" + number.replace("-", "") if number else ""

"""The seller named on every invoice: read from the configuration, frozen into each invoice at issue."""
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from stdnum.se import orgnr


@dataclass(frozen=True)
class Seller:
    name: str
    #: NNNNNN-NNNN.
    org_number: str
    #: SE + 10 digits + 01.
    vat_number: str
    street: str
    postcode: str
    city: str
    f_skatt: bool
    bankgiro: str
    plusgiro: str
    payment_terms_days: int
    email: str
    phone: str
    #: "0007:5599000006": the seller's Peppol participant ID.
    peppol_id: str

    def snapshot(self) -> dict:
        """The plain dict stored on an invoice."""
        return asdict(self)

    @classmethod
    def from_snapshot(cls, values: Mapping) -> "Seller":
        return cls(**{name: values[name] for name in cls.__dataclass_fields__})


def seller_from_config(config: Mapping) -> Seller:
    """The seller as configured (``SELLER_*`` settings, see config.py); derived numbers filled in."""
    number = orgnr.format(orgnr.compact(config["SELLER_ORG_NUMBER"]))
    digits = orgnr.compact(number)
    return Seller(
        name=config["SELLER_NAME"],
        org_number=number,
        vat_number=config.get("SELLER_VAT_NUMBER") or f"SE{digits}01",
        street=config["SELLER_STREET"],
        postcode=config["SELLER_POSTCODE"],
        city=config["SELLER_CITY"],
        f_skatt=bool(config["SELLER_F_SKATT"]),
        bankgiro=config.get("SELLER_BANKGIRO", ""),
        plusgiro=config.get("SELLER_PLUSGIRO", ""),
        payment_terms_days=int(config["SELLER_PAYMENT_TERMS_DAYS"]),
        email=config["SELLER_EMAIL"],
        phone=config.get("SELLER_PHONE", ""),
        peppol_id=config.get("SELLER_PEPPOL_ID") or f"0007:{digits}",
    )

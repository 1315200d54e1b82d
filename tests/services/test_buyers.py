"""Peppol IDs: validated as typed, per scheme, proposed for municipalities, regions and agencies; the
invoice address."""
import pytest
from builders import make_event, register

from eventapp.services.buyers import (
    BuyerAddress,
    InvalidPeppolId,
    ProposedInvoiceDetails,
    address_errors,
    checked_address,
    peppol_schemes,
    proposed_invoice_details,
    proposed_peppol_id,
    validate_peppol_id,
)
from eventapp.services.errors import ValidationFailed


@pytest.mark.parametrize(("typed", "stored"), [("0007:2120000142", "0007:2120000142"),
                                               (" 0007: 2120000142 ", "0007:2120000142"),
                                               ("0088:7300010000001", "0088:7300010000001")])
def test_valid_peppol_ids(typed, stored):
    assert validate_peppol_id(typed) == stored


@pytest.mark.parametrize("typed", ["", "2120000142", "0007:2120000143", "007:2120000142", "0007:", "0007:a b"])
def test_invalid_peppol_ids(typed):
    with pytest.raises(InvalidPeppolId):
        validate_peppol_id(typed)


@pytest.mark.parametrize(("fields", "proposed"), [
    (dict(organisation="Nacka kommun", org_number="212000-0142"), "0007:2120000142"),
    (dict(organisation="nacka"), ""),  # a municipality without a known organisation number
    (dict(organisation="Migrationsverket"), "0007:2021002163"),  # the register knows it
    (dict(organisation="Exempelbolaget AB", org_number="556999-9997"), ""),  # a company: no proposal
])
def test_public_buyers_get_0007_and_their_organisation_number_proposed(ctx, now, fields, proposed):
    registration = register(make_event(now), now, 1, **fields).registration
    assert proposed_peppol_id(registration) == proposed


@pytest.mark.parametrize(("typed", "says"), [
    ("9999:abc", "9999 är inget Peppol-schema"),  # not in Peppol's list of schemes (BR-CL-25, CL008)
    ("0088:7300010000002", "inte ett GLN med 13 siffror med rätt kontrollsiffra"),  # PEPPOL-COMMON-R040
    ("0088:730001000000", "inte ett GLN"),  # 12 digits
    ("0007:2120000143", "inte ett svenskt organisationsnummer"),  # PEPPOL-COMMON-R049
    ("0192:974760674", "inte ett norskt organisationsnummer"),  # PEPPOL-COMMON-R041
    ("0208:0403170702", "inte ett belgiskt företagsnummer"),  # PEPPOL-COMMON-R043
])
def test_peppol_ids_are_checked_per_scheme_with_a_clear_message(ctx, typed, says):
    with pytest.raises(InvalidPeppolId) as refused:
        validate_peppol_id(typed)
    assert says in str(refused.value) and refused.value.field == "peppol_id"


@pytest.mark.parametrize("typed", ["0088:7300010000001", "0192:974760673", "0208:0403170701", "9930:DE123456789",
                                   "0184:DK12345678", "0037:003712345678"])
def test_peppol_ids_of_schemes_on_the_list_pass(typed):
    assert validate_peppol_id(typed) == typed


def test_the_list_of_schemes_is_peppols():
    schemes = peppol_schemes()
    assert len(schemes) == 92 and "0007" in schemes and "0088" in schemes and "9999" not in schemes


@pytest.mark.parametrize(("street", "postcode", "city", "errors"), [
    ("", "", "", set()),
    ("Box 1", "131 81", "Nacka", set()),
    ("Box 1", "", "", {"invoice_postcode", "invoice_city"}),
    ("", "13181", "", {"invoice_street", "invoice_city"}),
    ("Box 1", "1318", "Nacka", {"invoice_postcode"}),
    ("Box 1", "ABC 12", "Nacka", {"invoice_postcode"}),
])
def test_an_invoice_address_is_all_three_or_none(ctx, street, postcode, city, errors):
    assert set(address_errors(street, postcode, city, required=False)) == errors


def test_a_required_address_needs_all_three(ctx):
    assert set(address_errors("", "", "", required=True)) == {"invoice_street", "invoice_postcode", "invoice_city"}
    with pytest.raises(ValidationFailed):
        checked_address("", "", "", required=True)
    assert checked_address(" Box  1 ", "SE-13181", "Nacka", required=True) == BuyerAddress("Box 1", "131 81", "Nacka")


@pytest.mark.parametrize(("text", "name", "address"), [
    ("Nacka kommun\nBox 1, 131 81 Nacka", "Nacka kommun", BuyerAddress("Box 1", "131 81", "Nacka")),
    ("Svenska med baby\nBox 4711\n411 04 Göteborg\nSverige", "Svenska med baby",
     BuyerAddress("Box 4711", "411 04", "Göteborg")),
    ("c/o Ekonomi\nStorgatan 1\n111 22 Stockholm", "X AB", BuyerAddress("Storgatan 1", "111 22", "Stockholm",
                                                                        "c/o Ekonomi")),
    ("Nacka kommun\n131 81 Nacka", "Nacka kommun", BuyerAddress(extra="131 81 Nacka")),
    ("faktura@example.org", "X AB", BuyerAddress(extra="faktura@example.org")),
])
def test_an_address_typed_as_free_lines_never_takes_the_name_for_the_street(text, name, address):
    assert BuyerAddress.from_lines(text, name) == address


NACKA_BUYER = dict(organisation="Nacka kommun", org_number="212000-0142", invoice_reference="KS-4711 Anna",
                   invoice_street="Granitvägen 15", invoice_postcode="131 81", invoice_city="Nacka",
                   invoice_address="anna@example.org", peppol_id="0007:2120000142")


def test_the_invoice_details_an_organisation_gave_last_are_offered_to_whoever_names_it_and_its_number(ctx, now):
    event = make_event(now)
    register(event, now, 1, **NACKA_BUYER)
    register(event, now, 2, **{**NACKA_BUYER, "invoice_street": "Box 1"})  # the latest
    offered = proposed_invoice_details("nacka kommun", "2120000142")
    assert offered == ProposedInvoiceDetails("Box 1", "131 81", "Nacka", "0007:2120000142")
    # The reference and the extra line are a person's or a department's: never offered.
    assert "KS-4711" not in repr(offered) and "anna@" not in repr(offered)


@pytest.mark.parametrize(("organisation", "number"), [
    ("Nacka kommun", "212000-0143"),  # a wrong number
    ("Nacka kommun", ""),
    ("", "212000-0142"),
    ("Lunds kommun", "212000-0142"),  # another organisation's name with Nacka's number
    ("Nacka kommun", "212000-1124"),  # another organisation's number
])
def test_nothing_is_offered_without_the_right_name_and_number(ctx, now, organisation, number):
    register(make_event(now), now, 1, **NACKA_BUYER)
    assert proposed_invoice_details(organisation, number) is None


def test_an_organisation_outside_the_registers_is_matched_by_its_name(ctx, now):
    register(make_event(now), now, 1, organisation="Exempelbolaget AB", organisation_kind="company",
             org_number="556999-9997", invoice_street="Storgatan 1", invoice_postcode="111 22",
             invoice_city="Stockholm")
    assert proposed_invoice_details(" exempelbolaget  ab", "5569999997").street == "Storgatan 1"
    assert proposed_invoice_details("Annat AB", "5569999997") is None

"""Peppol IDs: validated as typed, proposed for municipalities, regions and agencies."""
import pytest
from builders import make_event, register

from eventapp.services.buyers import InvalidPeppolId, proposed_peppol_id, validate_peppol_id


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

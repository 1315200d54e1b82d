"""Linking what attendees type to the public registers, and free organisations."""
import pytest

from eventapp.extensions import db
from eventapp.models import Organisation, OrganisationKind
from eventapp.services.errors import InvalidOrganisationNumber
from eventapp.services.organisations import (
    find_or_create_organisation,
    find_organisation_id,
    load_reference_data,
    validate_org_number,
)


@pytest.mark.parametrize(
    ("typed", "name", "kind"),
    [
        ("Nacka kommun", "Nacka kommun", "municipality"),
        ("nacka", "Nacka kommun", "municipality"),
        ("  NACKA  KOMMUN ", "Nacka kommun", "municipality"),
        ("Göteborgs Stad", "Göteborgs Stad", "municipality"),
        ("Göteborgs kommun", "Göteborgs Stad", "municipality"),
        ("Malmo stad", "Malmö stad", "municipality"),
        ("Upplands Bro", "Upplands-Bro kommun", "municipality"),
        ("Älvsbyns kommun", "Älvsbyn kommun", "municipality"),
        ("Region Gotland", "Region Gotland", "municipality"),
        ("Region Skåne", "Region Skåne", "region"),
        ("Migrationsverket", "Migrationsverket", "agency"),
        ("migrationsverket", "Migrationsverket", "agency"),
    ],
)
def test_register_entries_are_found(ctx, typed, name, kind):
    organisation = find_or_create_organisation(typed)
    assert (organisation.name, organisation.kind) == (name, kind)
    assert organisation.from_register


def test_the_id_alone_leads_to_the_same_organisation(ctx):
    assert find_organisation_id("Göteborgs kommun") == find_or_create_organisation("Göteborgs Stad").id
    assert find_organisation_id("Malmo stad") == find_or_create_organisation("Malmö stad").id
    assert find_organisation_id("Ingen Sådan Förening") is None and find_organisation_id("  ") is None


@pytest.mark.parametrize("typed", ["Nacka kommun", "nacka", "Göteborgs kommun", "Malmo stad", "Migrationsverket",
                                   "Scouterna i Nacka", "Ingen Sådan Förening"])
def test_the_registers_copy_answers_as_the_database_does(ctx, app, monkeypatch, typed):
    find_or_create_organisation("Scouterna i Nacka")  # a free organisation, only in the database
    db.session.commit()
    kept = find_organisation_id(typed)
    monkeypatch.setitem(app.config, "REGISTER_ALIASES_SECONDS", 0)
    assert kept == find_organisation_id(typed)


def test_municipality_carries_code_and_county(ctx):
    nacka = find_or_create_organisation("Nacka")
    assert nacka.municipality_code == "0182"
    assert nacka.county.name == "Stockholms län"


def test_agency_carries_its_organisation_number(ctx):
    assert find_or_create_organisation("Tillväxtverket").org_number == "202100-6149"


def test_free_organisations_are_deduplicated_ignoring_case_and_spacing(ctx):
    first = find_or_create_organisation("Scouterna", OrganisationKind.NONPROFIT)
    db.session.commit()
    second = find_or_create_organisation("  scouterna ")
    assert second.id == first.id
    assert first.kind == "nonprofit" and not first.from_register
    other = find_or_create_organisation("Svenska kyrkan")
    assert other.id != first.id and other.kind == "other"


def test_empty_organisation_is_none(ctx):
    assert find_or_create_organisation("   ") is None


def test_loading_reference_data_again_changes_nothing(ctx):
    before = db.session.query(Organisation).count()
    result = load_reference_data()
    assert result["created"] == 0
    assert db.session.query(Organisation).count() == before == 290 + 20 + 454


@pytest.mark.parametrize("value", ["202100-5448", "2021005448", " 202100-5448 "])
def test_valid_organisation_numbers(ctx, value):
    assert validate_org_number(value) == "202100-5448"


@pytest.mark.parametrize("value", ["202100-5449", "12345", "abcdef-ghij", "202100-54481"])
def test_invalid_organisation_numbers_get_a_clear_message(ctx, value):
    with pytest.raises(InvalidOrganisationNumber) as error:
        validate_org_number(value)
    assert "inte ett giltigt svenskt organisationsnummer" in str(error.value)

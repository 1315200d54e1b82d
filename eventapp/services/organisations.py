"""Organisations: loading the public registers and linking what an attendee types to an entry.

"Nacka kommun", "nacka" and "Nacka" lead to the municipality Nacka; "Göteborgs Stad" to Göteborg;
"Migrationsverket" to the agency. Any other name becomes a free organisation, one per spelling
that differs only in case and spacing.
"""
import csv
import unicodedata
from collections.abc import Iterable
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from stdnum.exceptions import ValidationError
from stdnum.se import orgnr

from ..extensions import db
from ..models import County, Organisation, OrganisationAlias, OrganisationKind
from .errors import InvalidOrganisationNumber

#: Official names of municipalities that call themselves "stad" or "region"; the rest are "X kommun".
OFFICIAL_MUNICIPALITY_NAMES = {
    "0180": "Stockholms stad",
    "0183": "Sundbybergs stad",
    "0184": "Solna stad",
    "0186": "Lidingö stad",
    "0187": "Vaxholms stad",
    "0980": "Region Gotland",
    "1280": "Malmö stad",
    "1282": "Landskrona stad",
    "1283": "Helsingborgs stad",
    "1480": "Göteborgs Stad",
    "1481": "Mölndals stad",
    "1488": "Trollhättans Stad",
    "1490": "Borås Stad",
    "1980": "Västerås stad",
    "2583": "Haparanda stad",
}

_SUFFIXES = (" kommun", " stad", " municipality", " city")


def normalise(name: str) -> str:
    """Case-folded, hyphens as spaces, single spaces: the key organisations are matched on."""
    folded = name.casefold().replace("-", " ").replace("\u2013", " ").replace(".", " ").replace(",", " ")
    return " ".join(folded.split())


def fold_accents(key: str) -> str:
    decomposed = unicodedata.normalize("NFKD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def candidate_keys(typed: str) -> list[str]:
    """The keys to try for what an attendee typed, best first."""
    key = normalise(typed)
    keys = [key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix):
            base = key[: -len(suffix)].strip()
            keys.append(base)
            if base.endswith("s"):
                keys.append(base[:-1])  # genitive: "Göteborgs Stad" -> "göteborg"
    keys += [fold_accents(k) for k in keys]
    return list(dict.fromkeys(k for k in keys if k))


def validate_org_number(value: str) -> str:
    """A Swedish organisation number, checksum verified, formatted NNNNNN-NNNN."""
    try:
        return orgnr.format(orgnr.validate(value))
    except ValidationError:
        raise InvalidOrganisationNumber(
            _l("%(value)s is not a valid Swedish organisation number (NNNNNN-NNNN).", value=value)
        ) from None


#: Built once (every registration asks): the organisations, or only their ids, that some of the
#: given spellings lead to.
_KEYS = OrganisationAlias.key.in_(bindparam("keys", expanding=True))
_BY_ALIASES = select(OrganisationAlias.key, Organisation).join(OrganisationAlias.organisation).where(_KEYS)
_IDS_BY_ALIASES = select(OrganisationAlias.key, OrganisationAlias.organisation_id).where(_KEYS)


def find_organisation(typed: str) -> Organisation | None:
    """The organisation that what an attendee typed leads to, if any."""
    return _best_match(_BY_ALIASES, candidate_keys(typed))


def find_organisation_id(typed: str) -> int | None:
    """The id of the organisation that what an attendee typed leads to, if any (no row is loaded)."""
    return _best_match(_IDS_BY_ALIASES, candidate_keys(typed))


def _best_match(query, keys: list[str]):
    """What ``query`` gives for the most exact of a typed name's spellings (``keys``) that it knows."""
    if not keys:
        return None
    found = dict(db.session.execute(query, {"keys": keys}).all())
    return next((found[k] for k in keys if k in found), None)


def find_or_create_organisation(typed: str, kind: str | None = None) -> Organisation | None:
    """Link to a register entry or an earlier free organisation; otherwise create a free one."""
    name = " ".join(typed.split())
    if not name:
        return None
    existing = find_organisation(name)
    if existing is not None:
        return existing
    organisation = Organisation(name=name, kind=kind or OrganisationKind.OTHER)
    organisation.aliases.append(OrganisationAlias(key=normalise(name)))
    try:
        with db.session.begin_nested():
            db.session.add(organisation)
    except IntegrityError:
        # Someone created the same organisation a moment ago.
        return find_organisation(name)
    return organisation


# Reference data -----------------------------------------------------------------------------


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("eventapp.data").joinpath(name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _register_entries() -> Iterable[tuple[str, dict, list[str]]]:
    """(register id, organisation fields, alias names) for every register entry."""
    for row in _read_csv("kommuner.csv"):
        code = row["kommunkod"]
        official = OFFICIAL_MUNICIPALITY_NAMES.get(code, f"{row['kommun']} kommun")
        fields = dict(name=official, kind=OrganisationKind.MUNICIPALITY, municipality_code=code,
                      county_code=row["lanskod"], org_number=None)
        yield f"kommun:{code}", fields, [row["kommun"], official, f"{row['kommun']} kommun"]
    for row in _read_csv("regioner.csv"):
        fields = dict(name=row["region"], kind=OrganisationKind.REGION, municipality_code=None,
                      county_code=row["lanskod"], org_number=None)
        yield f"region:{row['lanskod']}", fields, [row["region"]]
    for row in _read_csv("myndigheter.csv"):
        number = row["organisationsnummer"] or None
        fields = dict(name=row["namn"], kind=OrganisationKind.AGENCY, municipality_code=None,
                      county_code=None, org_number=number)
        yield f"myndighet:{normalise(row['namn'])}", fields, [row["namn"]]


def load_reference_data() -> dict[str, int]:
    """Insert or update the counties and register organisations; safe to run any number of times."""
    counties = {c.code: c for c in db.session.scalars(select(County))}
    for row in _read_csv("lan.csv"):
        county = counties.get(row["lanskod"]) or County(code=row["lanskod"])
        county.name = row["lan"]
        db.session.add(county)
    db.session.flush()

    existing = {o.register_id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.register_id.is_not(None)))}
    wanted_aliases: dict[str, Organisation] = {}
    folded: dict[str, set[Organisation]] = {}
    created = 0
    for register_id, fields, names in _register_entries():
        organisation = existing.get(register_id)
        if organisation is None:
            organisation = Organisation(register_id=register_id)
            existing[register_id] = organisation
            db.session.add(organisation)
            created += 1
        for attribute, value in fields.items():
            setattr(organisation, attribute, value)
        for alias in names:
            wanted_aliases.setdefault(normalise(alias), organisation)
            folded.setdefault(fold_accents(normalise(alias)), set()).add(organisation)
    for key, organisations in folded.items():
        if len(organisations) == 1:  # accent-insensitive only where that is unambiguous
            wanted_aliases.setdefault(key, next(iter(organisations)))
    db.session.flush()

    current = {a.key: a for a in db.session.scalars(select(OrganisationAlias))}
    for key, organisation in wanted_aliases.items():
        alias = current.get(key)
        if alias is None:
            db.session.add(OrganisationAlias(key=key, organisation_id=organisation.id))
        elif alias.organisation_id != organisation.id:
            alias.organisation_id = organisation.id  # the register wins over a free spelling
    db.session.commit()
    return {"organisations": len(existing), "created": created, "counties": len(counties) or 21}

"""Who came: the numbers behind "Representanter från 32 kommuner – från Älvsbyn i norr till Svedala i
söder". Counted over confirmed registrations, in a fixed handful of grouped queries."""
import csv
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from ..extensions import db
from ..models import County, Organisation, OrganisationKind, Registration, RegistrationStatus

LATITUDES = Path(__file__).resolve().parent.parent / "data" / "kommuner_latitud.csv"


@cache
def municipality_latitudes() -> dict[str, tuple[str, float | None]]:
    """SCB municipality code -> (short name, latitude of its main locality or None); see data/README.md."""
    with LATITUDES.open(encoding="utf-8", newline="") as file:
        return {row["kommunkod"]: (row["kommun"], float(row["latitud"]) if row["latitud"] else None)
                for row in csv.DictReader(file)}


@dataclass(frozen=True)
class Place:
    #: The official name ("Älvsbyns kommun").
    name: str
    code: str
    people: int

    @property
    def short_name(self) -> str:
        """The place name ("Älvsbyn"), as in "från Älvsbyn i norr"."""
        return municipality_latitudes().get(self.code, (self.name, None))[0]


@dataclass
class EventStatistics:
    #: Registrations per status (all of them, also cancelled).
    statuses: Counter
    confirmed: int
    checked_in: int
    #: Confirmed people per organisation kind.
    by_kind: Counter
    #: Distinct organisations per kind among the confirmed.
    organisations_by_kind: Counter
    #: (county name, people), most first; "" for people without a county.
    by_county: list[tuple[str, int]]
    municipalities: list[Place] = field(default_factory=list)
    northernmost: Place | None = None
    southernmost: Place | None = None

    @property
    def municipality_count(self) -> int:
        return len(self.municipalities)


def event_statistics(event_id: int) -> EventStatistics:
    """The event's statistics; the number of queries does not depend on the number of registrations."""
    statuses = Counter(dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.event_id == event_id)
        .group_by(Registration.status)).all()))
    confirmed_rows = (
        select(Registration).where(Registration.event_id == event_id,
                                   Registration.status == RegistrationStatus.CONFIRMED)
    ).subquery()
    checked_in = db.session.scalar(
        select(func.count()).select_from(confirmed_rows).where(confirmed_rows.c.checked_in_at.is_not(None)))

    kind = func.coalesce(Organisation.kind, OrganisationKind.OTHER.value)
    by_kind: Counter = Counter()
    organisations_by_kind: Counter = Counter()
    for name, people, organisations in db.session.execute(
        select(kind, func.count(), func.count(func.distinct(Organisation.id)))
        .select_from(confirmed_rows).outerjoin(Organisation, Organisation.id == confirmed_rows.c.organisation_id)
        .group_by(kind)
    ):
        by_kind[name] += people
        organisations_by_kind[name] += organisations

    by_county = [
        (name or "", people) for name, people in db.session.execute(
            select(County.name, func.count())
            .select_from(confirmed_rows)
            .outerjoin(Organisation, Organisation.id == confirmed_rows.c.organisation_id)
            .outerjoin(County, County.code == Organisation.county_code)
            .group_by(County.name)
            .order_by(func.count().desc(), County.name))
    ]

    municipalities = [
        Place(name, code, people) for name, code, people in db.session.execute(
            select(Organisation.name, Organisation.municipality_code, func.count())
            .select_from(confirmed_rows).join(Organisation, Organisation.id == confirmed_rows.c.organisation_id)
            .where(Organisation.kind == OrganisationKind.MUNICIPALITY, Organisation.municipality_code.is_not(None))
            .group_by(Organisation.name, Organisation.municipality_code)
            .order_by(func.count().desc(), Organisation.name))
    ]
    latitudes = {code: latitude for code, (_name, latitude) in municipality_latitudes().items()
                 if latitude is not None}
    placed = [place for place in municipalities if place.code in latitudes]
    return EventStatistics(
        statuses=statuses,
        confirmed=statuses[RegistrationStatus.CONFIRMED],
        checked_in=checked_in or 0,
        by_kind=by_kind,
        organisations_by_kind=organisations_by_kind,
        by_county=by_county,
        municipalities=municipalities,
        northernmost=max(placed, key=lambda p: latitudes[p.code], default=None),
        southernmost=min(placed, key=lambda p: latitudes[p.code], default=None),
    )

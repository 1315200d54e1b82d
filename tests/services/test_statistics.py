"""The statistics: who came, from where, and the northernmost and southernmost municipality."""
from datetime import timedelta

from builders import make_event, register

from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.services.statistics import event_statistics, municipality_latitudes


def test_the_latitudes_cover_the_register_and_order_north_to_south():
    latitudes = municipality_latitudes()
    assert len(latitudes) == 290
    assert latitudes["2560"][0] == "Älvsbyn" and latitudes["1263"][0] == "Svedala"
    assert latitudes["2584"][1] > latitudes["2560"][1] > latitudes["0180"][1] > latitudes["1263"][1]
    assert sum(1 for _name, latitude in latitudes.values() if latitude is None) == 6


def test_counts_per_kind_county_and_municipality(ctx, now):
    event = make_event(now, capacity=6)
    for n, (organisation, kind) in enumerate([
        ("Älvsbyn", None), ("Svedala", None), ("Svedala kommun", None), ("Nacka", None),
        ("Migrationsverket", None), ("Scouterna", "nonprofit"), ("Lund", None),
    ], start=1):
        register(event, now, n, organisation=organisation, organisation_kind=kind)
    late = register(event, now, 99, organisation="Kiruna").registration  # waiting: not counted
    first = db.session.scalar(db.select(Registration).where(Registration.email == "anna1@example.org"))
    first.checked_in_at = now + timedelta(days=30)
    db.session.commit()

    stats = event_statistics(event.id)
    assert stats.confirmed == 6 and stats.checked_in == 1
    assert stats.statuses["waitlisted"] == 2 and late.status == "waitlisted"
    assert stats.by_kind == {"municipality": 4, "agency": 1, "nonprofit": 1}
    assert stats.organisations_by_kind["municipality"] == 3  # Svedala twice is one municipality
    assert stats.municipality_count == 3
    assert stats.northernmost.short_name == "Älvsbyn" and stats.southernmost.short_name == "Svedala"
    assert dict(stats.by_county) == {"Skåne län": 2, "Norrbottens län": 1, "Stockholms län": 1, "": 2}
    assert [(p.short_name, p.people) for p in stats.municipalities][0] == ("Svedala", 2)


def test_an_empty_event_has_no_extremes(ctx, now):
    stats = event_statistics(make_event(now).id)
    assert stats.confirmed == 0 and stats.northernmost is None and stats.by_county == []

"""Managing events: the same checks for the back office and the API, and an audit trail."""
from datetime import timedelta

import pytest
from builders import make_event, register

from eventapp.extensions import db
from eventapp.models import AuditEntry, RegistrationStatus
from eventapp.services.errors import DomainError, ValidationFailed
from eventapp.services.events import (
    EventData,
    SessionData,
    cancel_event,
    copy_event,
    save_event,
    set_published,
)


def data(now, **changes) -> EventData:
    values = dict(title="Nowa Nyfiken på Almedalen", kind="seminar", starts_at=now + timedelta(days=30),
                  ends_at=now + timedelta(days=30, hours=2), registration_opens_at=now,
                  registration_deadline=now + timedelta(days=28), venue="Nowa", city="Göteborg",
                  capacity=40, no_show_fee=25000, series="Nowa Nyfiken på")
    values.update(changes)
    return EventData(**values)


def test_create_makes_a_slug_and_the_series_and_records_it(ctx, now):
    saved = save_event(None, data(now), actor=None, now=now)
    assert saved.created and saved.event.slug == "nowa-nyfiken-pa-almedalen"
    assert saved.event.series.name == "Nowa Nyfiken på"
    again = save_event(None, data(now), actor=None, now=now)
    assert again.event.slug == "nowa-nyfiken-pa-almedalen-2"
    assert again.event.series_id == saved.event.series_id
    assert db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.target_id == saved.event.id)) == \
        "event.created"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"capacity": 0}, "capacity"),
        ({"no_show_fee": -1}, "no_show_fee"),
    ],
)
def test_invalid_events_name_the_field(ctx, now, changes, field):
    with pytest.raises(ValidationFailed) as error:
        save_event(None, data(now, **changes), actor=None, now=now)
    assert field in error.value.errors


def test_times_must_be_in_order(ctx, now):
    start = now + timedelta(days=30)
    with pytest.raises(ValidationFailed) as error:
        save_event(None, data(now, ends_at=start, registration_deadline=start + timedelta(seconds=1)),
                   actor=None, now=now)
    assert set(error.value.errors) == {"ends_at", "registration_deadline"}


def test_bad_slug_is_refused(ctx, now):
    with pytest.raises(ValidationFailed) as error:
        save_event("Inte En Slug!", data(now), actor=None, now=now)
    assert "slug" in error.value.errors


def test_update_reports_a_move_and_more_capacity_promotes_the_waiting_list(ctx, now):
    event = make_event(now, capacity=1)
    register(event, now, 1)
    waiting = register(event, now, 2).registration
    changed = EventData.from_event(event)
    changed.capacity = 2
    changed.starts_at += timedelta(hours=1)
    changed.ends_at += timedelta(hours=1)
    saved = save_event(event.slug, changed, actor=None, now=now)
    assert not saved.created and saved.moved
    assert [r.id for r in saved.promoted] == [waiting.id]
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_publish_cancel_and_copy(ctx, now):
    event = make_event(now, published=False)
    assert set_published(event.id, True, actor=None, now=now).published
    cancel_event(event.id, actor=None, now=now, reason="Sjukdom")
    with pytest.raises(DomainError):
        set_published(event.id, True, actor=None, now=now)
    copy = copy_event(event.id, event.starts_at + timedelta(days=28), actor=None, now=now)
    assert copy.slug != event.slug and not copy.published and not copy.is_cancelled
    assert copy.registration_deadline - event.registration_deadline == timedelta(days=28)


def test_course_meetings_are_saved_in_order(ctx, now):
    start = now + timedelta(days=30)
    meetings = [SessionData(f"Träff {n}", start + timedelta(weeks=n), start + timedelta(weeks=n, hours=1))
                for n in range(5)]
    event = save_event(None, data(now, kind="course", sessions=meetings,
                                  ends_at=start + timedelta(weeks=4, hours=1)), actor=None, now=now).event
    assert [s.title for s in event.sessions] == [f"Träff {n}" for n in range(5)]

"""Many registrations at once, straight into the table: for the query-count tests and the benchmark."""
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from eventapp.extensions import db
from eventapp.models import Event, Organisation, Registration, RegistrationStatus

#: A cycle of statuses like a busy event's: mostly confirmed, some waiting and cancelled.
STATUSES = [RegistrationStatus.CONFIRMED] * 7 + [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED,
                                                  RegistrationStatus.LATE_CANCELLED]


def crowd(event: Event, count: int, now: datetime) -> None:
    """Add ``count`` registrations from register organisations (municipalities and agencies)."""
    organisations = list(db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.register_id.is_not(None))
        .order_by(Organisation.id).limit(400)))
    rows = []
    for n in range(count):
        organisation_id, organisation_name = organisations[n % len(organisations)]
        status = STATUSES[n % len(STATUSES)]
        rows.append(dict(
            event_id=event.id, organisation_id=organisation_id, organisation_name=organisation_name,
            first_name=f"Deltagare {n}", last_name=f"Efternamn {n:05d}", email=f"d{event.id}-{n}@example.org",
            email_key=f"d{event.id}-{n}@example.org", status=status, language="sv",
            created_at=now - timedelta(seconds=n), queued_at=now - timedelta(seconds=n),
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
            checked_in_at=now if n % 3 == 0 and status == RegistrationStatus.CONFIRMED else None,
            check_in_code=f"C{event.id:04d}{n:06d}",
        ))
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Registration), rows[start:start + 2000])
    db.session.commit()

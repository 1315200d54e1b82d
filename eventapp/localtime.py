"""Wall-clock time in Sweden, turned into the aware UTC datetimes the application stores."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, clock: str) -> datetime:
    """at(date(2027, 2, 15), "08:30") -> that moment in Stockholm, as UTC."""
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The midnight after ``day`` in Stockholm: the deadline for 'last day is ``day``'."""
    return at(day + timedelta(days=1), "00:00")


def local_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()

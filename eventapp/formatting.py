"""The one place that formats dates, times and money for people (Europe/Stockholm, 24-hour clock)."""
from datetime import datetime, timedelta

from flask_babel import format_date as _format_date
from flask_babel import format_datetime as _format_datetime
from flask_babel import format_time as _format_time
from flask_babel import get_locale, to_user_timezone

_DATE = {"sv": "EEEE d MMMM y", "en": "EEEE d MMMM y"}
_TIME = {"sv": "'kl.' HH.mm", "en": "HH:mm"}


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in _DATE else "sv"


def format_date(value: datetime) -> str:
    """'onsdag 15 februari 2017' / 'Wednesday 15 February 2017'."""
    return _format_date(to_user_timezone(value), _DATE[_lang()])


def format_time(value: datetime) -> str:
    """'kl. 08.30' / '08:30'."""
    return _format_time(to_user_timezone(value), _TIME[_lang()])


def format_datetime(value: datetime) -> str:
    """'onsdag 15 februari 2017 kl. 08.30' / 'Wednesday 15 February 2017 at 08:30'."""
    if _lang() == "en":
        return f"{format_date(value)} at {format_time(value)}"
    return f"{format_date(value)} {format_time(value)}"


def format_period(start: datetime, end: datetime) -> str:
    """A start and end: the date once when both fall on the same local day."""
    local_start, local_end = to_user_timezone(start), to_user_timezone(end)
    if local_start.date() == local_end.date():
        end_time = _format_time(local_end, "HH.mm" if _lang() == "sv" else "HH:mm")
        return f"{format_datetime(start)}–{end_time}"
    return f"{format_datetime(start)} – {format_datetime(end)}"


def format_deadline(value: datetime) -> str:
    """A deadline at local midnight is shown as the last day it leaves open."""
    local = to_user_timezone(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return format_date(value - timedelta(microseconds=1))
    return format_datetime(value)


def format_money(ore: int) -> str:
    """'250 kr', '1 250,50 kr'. Money is integer öre everywhere."""
    kronor, rest = divmod(abs(ore), 100)
    whole = f"{kronor:,}".replace(",", "\u00a0")
    sign = "-" if ore < 0 else ""
    if rest:
        decimal = "," if _lang() == "sv" else "."
        return f"{sign}{whole}{decimal}{rest:02d}\u00a0kr"
    return f"{sign}{whole}\u00a0kr"


def format_datetime_iso_local(value: datetime) -> str:
    """For machine-readable places that still speak local time (exports)."""
    return _format_datetime(to_user_timezone(value), "yyyy-MM-dd HH:mm")


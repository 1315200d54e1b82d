"""Writing to the audit log: in the same transaction as the change it records."""
from datetime import date, datetime
from typing import Any

from ..extensions import db
from ..models.audit import AuditEntry
from ..models.user import User


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(action: str, target: db.Model, *, actor: User | None, now: datetime,
           event_id: int | None = None, **details: Any) -> AuditEntry:
    """Add an entry for ``action`` on ``target``; the caller's commit stores it with the change."""
    db.session.flush()  # the target needs its id
    entry = AuditEntry(
        at=now, actor_id=actor.id if actor else None, action=action,
        target_type=type(target).__tablename__, target_id=target.id,
        event_id=event_id if event_id is not None else getattr(target, "event_id", None),
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(entry)
    return entry


def changes(obj: db.Model, fields: dict[str, Any]) -> dict[str, list]:
    """Set ``fields`` on ``obj``; return {field: [old, new]} for those that changed."""
    changed = {}
    for name, new in fields.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changed

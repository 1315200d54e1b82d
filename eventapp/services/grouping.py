"""Dividing an event's attendees into tables or groups, and the organiser's adjustments.

The proposal is balanced (group sizes differ by at most one) and mixes organisations: colleagues
who came together are put at different tables where the numbers allow, which is the point of a
World café or a conversation group.
"""
from collections import defaultdict
from datetime import datetime
from math import ceil

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Event, GroupSeat, Registration, RegistrationStatus, TableGroup, User
from . import audit
from .errors import DomainError, NotFound, ValidationFailed
from .registration import lock_event

MIN_SIZE, MAX_SIZE = 2, 100


def balanced_groups(people: list[tuple[int, str]], group_size: int) -> list[list[int]]:
    """Split (id, organisation key) pairs into ceil(n / size) groups whose sizes differ by at most one,
    spreading each organisation's people over different groups. Deterministic."""
    count = max(ceil(len(people) / group_size), 1) if people else 0
    by_organisation: dict[str, list[int]] = defaultdict(list)
    for person_id, organisation in people:
        by_organisation[organisation].append(person_id)
    # The largest organisations first: they are the hardest to spread.
    order = sorted(by_organisation.items(), key=lambda item: (-len(item[1]), item[0]))
    capacity = [len(people) // count + (1 if n < len(people) % count else 0) for n in range(count)]
    groups: list[list[int]] = [[] for _ in range(count)]
    taken: list[set[str]] = [set() for _ in range(count)]
    for organisation, person_ids in order:
        for person_id in person_ids:
            open_groups = [n for n in range(count) if len(groups[n]) < capacity[n]]
            fresh = [n for n in open_groups if organisation not in taken[n]] or open_groups
            chosen = min(fresh, key=lambda n: (len(groups[n]) / capacity[n], n))
            groups[chosen].append(person_id)
            taken[chosen].add(organisation)
    return groups


def propose_groups(event_id: int, group_size: int, *, actor: User | None, now: datetime) -> list[TableGroup]:
    """Replace the event's groups with a balanced proposal over its confirmed attendees."""
    if not MIN_SIZE <= group_size <= MAX_SIZE:
        raise ValidationFailed({"group_size": [
            _l("Enter a number from %(min)s to %(max)s.", min=MIN_SIZE, max=MAX_SIZE)]})
    event = lock_event(event_id)
    try:
        people = list(db.session.execute(
            select(Registration.id, Registration.organisation_id, Registration.organisation_name)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.last_name, Registration.first_name, Registration.id)))
        if not people:
            raise DomainError(_l("There are no confirmed attendees to divide into groups yet."))
        keys = [(person_id, str(organisation_id) if organisation_id else name.casefold())
                for person_id, organisation_id, name in people]
        old_groups = select(TableGroup.id).where(TableGroup.event_id == event.id)
        db.session.execute(delete(GroupSeat).where(GroupSeat.group_id.in_(old_groups)))
        db.session.execute(delete(TableGroup).where(TableGroup.event_id == event.id))
        groups = []
        for number, members in enumerate(balanced_groups(keys, group_size), start=1):
            group = TableGroup(event_id=event.id, number=number,
                               seats=[GroupSeat(registration_id=member) for member in members])
            db.session.add(group)
            groups.append(group)
        audit.record("groups.proposed", event, actor=actor, now=now, event_id=event.id,
                     groups=len(groups), group_size=group_size, people=len(people))
        db.session.commit()
        return groups
    except Exception:
        db.session.rollback()
        raise


def groups_of(event_id: int) -> list[TableGroup]:
    """The event's groups with their members (and organisations), in three queries."""
    return list(db.session.scalars(
        select(TableGroup).where(TableGroup.event_id == event_id).order_by(TableGroup.number)
        .options(selectinload(TableGroup.seats).selectinload(GroupSeat.registration)
                 .selectinload(Registration.organisation))))


def move_to_group(event: Event, registration_id: int, group_id: int, *, actor: User | None,
                  now: datetime) -> None:
    """Move one attendee to another group of the same event (the organiser's adjustment)."""
    group = db.session.get(TableGroup, group_id)
    seat = db.session.get(GroupSeat, registration_id)
    if group is None or group.event_id != event.id or seat is None or seat.group.event_id != event.id:
        raise NotFound(_l("The group or the attendee does not exist."))
    if seat.group_id != group.id:
        old = seat.group.number
        seat.group_id = group.id
        audit.record("groups.moved", seat.registration, actor=actor, now=now, event_id=event.id,
                     changes={"group": [old, group.number]})
    db.session.commit()


def name_group(event: Event, group_id: int, name: str, leader: str, *, actor: User | None,
               now: datetime) -> None:
    """Name a group (e.g. the table's theme) and its conversation leader."""
    group = db.session.get(TableGroup, group_id)
    if group is None or group.event_id != event.id:
        raise NotFound(_l("The group or the attendee does not exist."))
    changed = audit.changes(group, {"name": " ".join(name.split())[:100], "leader": " ".join(leader.split())[:200]})
    if changed:
        audit.record("groups.named", event, actor=actor, now=now, event_id=event.id, group=group.number,
                     changes=changed)
    db.session.commit()

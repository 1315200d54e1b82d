"""Dividing an event's attendees into tables or groups, and the organiser's adjustments.

The proposal is balanced (group sizes differ by at most one) and mixes organisations: colleagues
who came together are put at different tables where the numbers allow, which is the point of a
World café or a conversation group. Where the form asked which table or group a person wants (a
single- or multiple-choice question the organiser picks for the proposal), the n-th choice is group
n, and people get the group they asked for while it has room, first registered first.
"""
from collections import defaultdict
from datetime import datetime
from math import ceil

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Answer,
    Event,
    GroupSeat,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    TableGroup,
    User,
)
from ..models.event import CHOICES_SEPARATOR
from ..models.grouping import group_label
from . import audit
from .errors import DomainError, NotFound, ValidationFailed
from .registration import lock_event

MIN_SIZE, MAX_SIZE = 2, 100


def balanced_groups(people: list[tuple[int, str]], group_size: int, wishes: dict[int, list[int]] | None = None,
                    at_least: int = 0) -> list[list[int]]:
    """Split (id, organisation key) pairs into ceil(n / size) groups (or ``at_least``, up to one per
    person) whose sizes differ by at most one, spreading each organisation's people over different
    groups. ``wishes``: {person id: indexes of the groups they asked for, first wish first}; a wish is
    kept where that group has room, in the order the people are given. Deterministic."""
    wishes = wishes or {}
    count = max(ceil(len(people) / group_size), min(at_least, len(people))) if people else 0
    capacity = [len(people) // count + (1 if n < len(people) % count else 0) for n in range(count)]
    groups: list[list[int]] = [[] for _ in range(count)]
    taken: list[set[str]] = [set() for _ in range(count)]
    rest = []
    for person_id, organisation in people:
        wanted = [n for n in wishes.get(person_id, ()) if 0 <= n < count and len(groups[n]) < capacity[n]]
        if wanted:
            groups[wanted[0]].append(person_id)
            taken[wanted[0]].add(organisation)
        else:
            rest.append((person_id, organisation))
    by_organisation: dict[str, list[int]] = defaultdict(list)
    for person_id, organisation in rest:
        by_organisation[organisation].append(person_id)
    # The largest organisations first: they are the hardest to spread.
    order = sorted(by_organisation.items(), key=lambda item: (-len(item[1]), item[0]))
    for organisation, person_ids in order:
        for person_id in person_ids:
            open_groups = [n for n in range(count) if len(groups[n]) < capacity[n]]
            fresh = [n for n in open_groups if organisation not in taken[n]] or open_groups
            chosen = min(fresh, key=lambda n: (len(groups[n]) / capacity[n], n))
            groups[chosen].append(person_id)
            taken[chosen].add(organisation)
    return groups


class GroupsEdited(DomainError):
    """A new proposal would undo what the organiser changed by hand."""

    code = "groups_edited"
    field = "replace_edited"


def wish_questions(event: Event) -> list[Question]:
    """The event's questions that can carry a table or group wish: those answered by picking choices."""
    return [q for q in event.questions if q.question_kind in (QuestionKind.CHOICE, QuestionKind.CHOICES)]


def _wishes(event: Event, question_id: int | None) -> tuple[Question | None, dict[int, list[int]]]:
    """The wish question and {registration id: wished group indexes}; a choice's place is its group."""
    if question_id is None:
        return None, {}
    question = next((q for q in wish_questions(event) if q.id == question_id), None)
    if question is None:
        raise ValidationFailed({"wish_question": [_l("Choose one of the form's choice questions.")]})
    index = {choice: n for n, choice in enumerate(question.choices)}
    wishes = {}
    for registration_id, value in db.session.execute(
            select(Answer.registration_id, Answer.value).where(Answer.question_id == question.id)):
        wanted = [index[part] for part in value.split(CHOICES_SEPARATOR) if part in index]
        if wanted:
            wishes[registration_id] = wanted
    return question, wishes


def propose_groups(event_id: int, group_size: int, *, actor: User | None, now: datetime,
                   wish_question_id: int | None = None, replace_edited: bool = False) -> list[TableGroup]:
    """Replace the event's groups with a balanced proposal over its confirmed attendees, seating
    people at the table they asked for (``wish_question_id``) where there is room.

    Groups changed by hand are replaced only with ``replace_edited``. Each group keeps the name and
    host of the group of the same number (the room's tables stay; the seating is new); with wishes,
    an unnamed group is named after its choice.
    """
    if not MIN_SIZE <= group_size <= MAX_SIZE:
        raise ValidationFailed({"group_size": [
            _l("Enter a number from %(min)s to %(max)s.", min=MIN_SIZE, max=MAX_SIZE)]})
    event = lock_event(event_id)
    try:
        question, wishes = _wishes(event, wish_question_id)
        people = list(db.session.execute(
            select(Registration.id, Registration.organisation_id, Registration.organisation_name)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.created_at, Registration.id)))
        if not people:
            raise DomainError(_l("There are no confirmed attendees to divide into groups yet."))
        old = {group.number: group for group in db.session.scalars(
            select(TableGroup).where(TableGroup.event_id == event.id))}
        if not replace_edited and any(group.edited for group in old.values()):
            raise GroupsEdited(_l("Some groups were changed by hand. Tick the box to replace them with a new "
                                  "proposal."))
        kept = {number: (group.name, group.leader) for number, group in old.items()}
        keys = [(person_id, str(organisation_id) if organisation_id else name.casefold())
                for person_id, organisation_id, name in people]
        old_groups = select(TableGroup.id).where(TableGroup.event_id == event.id)
        db.session.execute(delete(GroupSeat).where(GroupSeat.group_id.in_(old_groups)))
        db.session.execute(delete(TableGroup).where(TableGroup.event_id == event.id))
        choices = question.choices if question is not None else []
        groups = []
        for number, members in enumerate(balanced_groups(keys, group_size, wishes, at_least=len(choices)), start=1):
            name, leader = kept.get(number, ("", ""))
            if not name and number <= len(choices):
                name = choices[number - 1][:100]
            group = TableGroup(event_id=event.id, number=number, name=name, leader=leader,
                               seats=[GroupSeat(registration_id=member) for member in members])
            db.session.add(group)
            groups.append(group)
        event.group_wish_question_id = question.id if question is not None else None
        audit.record("groups.proposed", event, actor=actor, now=now, event_id=event.id,
                     groups=len(groups), group_size=group_size, people=len(people),
                     wishes=len(wishes) if question is not None else None)
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
        seat.group.edited = group.edited = True
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


def seat_of(registration_id: int) -> TableGroup | None:
    """The group a registration sits in, or None."""
    return db.session.scalar(select(TableGroup).join(GroupSeat).where(GroupSeat.registration_id == registration_id))


def group_labels(event_id: int) -> dict[int, str]:
    """{registration id: "Group 3: Skola"} of everyone seated at the event, in one query (for lists)."""
    rows = db.session.execute(
        select(GroupSeat.registration_id, TableGroup.number, TableGroup.name)
        .join(TableGroup, TableGroup.id == GroupSeat.group_id).where(TableGroup.event_id == event_id))
    return {registration_id: group_label(number, name) for registration_id, number, name in rows}

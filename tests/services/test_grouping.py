"""Groups and tables: balanced, organisations spread out, and the organiser's adjustments recorded."""
from collections import Counter

import pytest
from builders import make_event, register

from eventapp.extensions import db
from eventapp.models import AuditEntry, GroupSeat, TableGroup
from eventapp.services import questions
from eventapp.services.errors import DomainError, NotFound, ValidationFailed
from eventapp.services.grouping import (
    GroupsEdited,
    balanced_groups,
    group_labels,
    groups_of,
    move_to_group,
    name_group,
    propose_groups,
)


@pytest.mark.parametrize(("people", "size", "sizes"), [
    (0, 8, []), (1, 8, [1]), (8, 8, [8]), (9, 8, [5, 4]), (10, 8, [5, 5]), (17, 8, [6, 6, 5]), (120, 10, [10] * 12),
    (121, 10, [10] * 4 + [9] * 9),
])
def test_group_sizes_differ_by_at_most_one(people, size, sizes):
    groups = balanced_groups([(n, f"org{n % 7}") for n in range(people)], size)
    assert sorted(len(g) for g in groups) == sorted(sizes)
    assert sorted(p for g in groups for p in g) == list(range(people))


def test_colleagues_sit_at_different_tables_when_the_numbers_allow():
    people = [(n, "nacka") for n in range(3)] + [(n, f"org{n}") for n in range(3, 12)]
    groups = balanced_groups(people, 4)
    assert all(Counter(p < 3 for p in g)[True] <= 1 for g in groups)
    crowded = balanced_groups([(n, "nacka") for n in range(5)] + [(5, "lund")], 3)
    assert sorted(len(g) for g in crowded) == [3, 3]  # balance first, mixing where possible


def test_propose_move_and_name(ctx, now):
    event = make_event(now, capacity=5)
    for n in range(1, 7):  # the sixth waits: not seated
        register(event, now, n, organisation="Nacka" if n <= 2 else f"Kommun {n}")
    groups = propose_groups(event.id, 3, actor=None, now=now)
    assert [len(g.seats) for g in groups] == [3, 2]
    seated = {seat.registration_id for g in groups_of(event.id) for seat in g.seats}
    assert len(seated) == 5
    first, second = groups_of(event.id)
    person = first.seats[0].registration_id
    move_to_group(event, person, second.id, actor=None, now=now)
    assert db.session.get(GroupSeat, person).group_id == second.id
    name_group(event, first.id, "  Bostad ", "Leyla Rahimi", actor=None, now=now)
    assert (first.name, first.leader) == ("Bostad", "Leyla Rahimi")
    actions = list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-3:] == ["groups.proposed", "groups.moved", "groups.named"]
    with pytest.raises(GroupsEdited):  # someone was moved by hand: replaced only when the organiser says so
        propose_groups(event.id, 5, actor=None, now=now)
    assert len(propose_groups(event.id, 5, actor=None, now=now, replace_edited=True)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(TableGroup)) == 1


def test_refusals(ctx, now):
    event, other = make_event(now), make_event(now)
    with pytest.raises(DomainError):
        propose_groups(event.id, 8, actor=None, now=now)  # nobody yet
    with pytest.raises(ValidationFailed):
        propose_groups(event.id, 1, actor=None, now=now)
    register(other, now, 1)
    foreign = propose_groups(other.id, 8, actor=None, now=now)[0]
    with pytest.raises(NotFound):
        name_group(event, foreign.id, "x", "", actor=None, now=now)
    with pytest.raises(NotFound):
        move_to_group(event, foreign.seats[0].registration_id, foreign.id, actor=None, now=now)


def test_wishes_are_kept_where_there_is_room_and_colleagues_apart_otherwise():
    people = [(n, f"org{n}") for n in range(6)]
    # 0, 1, 2 ask for group 0 (room for 2); 3 asks for group 1 then group 0.
    groups = balanced_groups(people, 2, wishes={0: [0], 1: [0], 2: [0], 3: [1, 0]}, at_least=3)
    assert groups[0] == [0, 1] and groups[1][0] == 3 and 2 not in groups[0]
    assert sorted(len(g) for g in groups) == [2, 2, 2]
    colleagues = balanced_groups([(0, "a"), (1, "nacka"), (2, "nacka"), (3, "b")], 2, wishes={0: [0]})
    assert not {1, 2} <= set(colleagues[0]) and not {1, 2} <= set(colleagues[1])


def test_the_table_asked_for_on_the_form_is_kept_while_it_has_room(ctx, now):
    event = make_event(now, capacity=None)
    questions.replace_questions(event, [questions.QuestionData("Vilket bord vill du sitta vid?",
                                                               ["Skola", "Arbete", "Bostad"])])
    db.session.commit()
    table = event.questions[0]
    wanted = ["Skola", "Skola", "Skola", "Bostad", None, None]
    ids = [register(event, now, n, organisation=f"Kommun {n}",
                    answers={table.id: choice} if choice else {}).registration.id
           for n, choice in enumerate(wanted, start=1)]
    groups = propose_groups(event.id, 2, actor=None, now=now, wish_question_id=table.id)
    assert [g.name for g in groups] == ["Skola", "Arbete", "Bostad"]
    seated = {seat.registration_id: g.number for g in groups_of(event.id) for seat in g.seats}
    assert seated[ids[0]] == seated[ids[1]] == 1  # first registered, first served
    assert seated[ids[2]] != 1  # the table was full
    assert seated[ids[3]] == 3
    assert group_labels(event.id)[ids[0]] == "Grupp 1: Skola"
    assert event.group_wish_question_id == table.id


def test_a_wish_question_of_another_event_is_refused(ctx, now):
    event, other = make_event(now), make_event(now)
    questions.replace_questions(other, [questions.QuestionData("Bord", ["A", "B"])])
    db.session.commit()
    register(event, now, 1)
    with pytest.raises(ValidationFailed):
        propose_groups(event.id, 2, actor=None, now=now, wish_question_id=other.questions[0].id)
    assert db.session.scalar(db.select(db.func.count()).select_from(TableGroup)) == 0

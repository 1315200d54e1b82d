"""Feedback after an event: when the form is open, once per registration, the results, and the purge."""
from datetime import timedelta

import pytest
from builders import make_event, register

from eventapp.extensions import db
from eventapp.models import Feedback
from eventapp.services import privacy
from eventapp.services.cancellation import cancel_registration
from eventapp.services.errors import ValidationFailed
from eventapp.services.feedback import (
    CLOSES_AFTER,
    FeedbackAnswer,
    FeedbackClosed,
    closed_reason,
    give_feedback,
    results,
    table,
)


def held_event(now, **fields):
    """An event that started an hour before ``now``, with a confirmed registration."""
    starts = now - timedelta(hours=1)
    event = make_event(starts - timedelta(days=30), starts_at=starts, **fields)
    registration = register(event, event.registration_opens_at + timedelta(hours=1)).registration
    return event, registration


def test_a_feedback_answer_shows_in_the_results_and_is_gone_after_the_purge(ctx, now):
    event, registration = held_event(now)
    give_feedback(registration.id, FeedbackAnswer(4, good="Bra samtal vid borden", better="Längre lunch"), now=now)

    shown = results(event)
    assert shown.answered == 1 and shown.overall.average == 4
    assert dict(shown.overall.counts)["4 – Mycket bra"] == 1
    assert [(c.good, c.better) for c in shown.comments] == [("Bra samtal vid borden", "Längre lunch")]

    privacy.purge_ended_events(event.ends_at + timedelta(days=91), days=90)
    db.session.expire_all()

    shown = results(event)
    assert shown.comments == []
    assert shown.overall.average == 4  # the rating stays, as answers picked from choices do
    header, rows = table(event)
    assert all("Bra samtal" not in str(cell) and "Längre lunch" not in str(cell) for row in rows for cell in row)
    assert "Namn" not in header  # anonymous: no column for names at all


def test_the_form_opens_when_the_event_starts_and_closes_some_weeks_after_it_ends(ctx, now):
    event, registration = held_event(now)
    assert closed_reason(registration, event.starts_at - timedelta(seconds=1)) is not None
    assert closed_reason(registration, event.starts_at) is None
    assert closed_reason(registration, event.ends_at + CLOSES_AFTER - timedelta(seconds=1)) is None
    assert closed_reason(registration, event.ends_at + CLOSES_AFTER) is not None
    with pytest.raises(FeedbackClosed):
        give_feedback(registration.id, FeedbackAnswer(5), now=event.starts_at - timedelta(seconds=1))
    assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 0


def test_only_people_with_a_place_give_feedback(ctx, now):
    event, _registration = held_event(now)
    cancelled = register(event, event.registration_opens_at + timedelta(hours=2), 2).registration
    cancel_registration(cancelled.id, event.registration_opens_at + timedelta(hours=3))
    with pytest.raises(FeedbackClosed):
        give_feedback(cancelled.id, FeedbackAnswer(5), now=now)


def test_answering_again_changes_the_one_answer(ctx, now):
    event, registration = held_event(now)
    give_feedback(registration.id, FeedbackAnswer(2, good="Lokalen"), now=now)
    give_feedback(registration.id, FeedbackAnswer(5, better="Mer tid"), now=now + timedelta(minutes=5))
    stored = db.session.scalars(db.select(Feedback)).all()
    assert [(f.rating, f.good, f.better) for f in stored] == [(5, "", "Mer tid")]


@pytest.mark.parametrize("answer", [FeedbackAnswer(None), FeedbackAnswer(0), FeedbackAnswer(6),
                                    FeedbackAnswer(3, good="x" * 2001),
                                    FeedbackAnswer(3, ratings={"Hur var lokalen?": 9})])
def test_bad_answers_are_refused_and_nothing_is_stored(ctx, now, answer):
    event, registration = held_event(now, feedback_questions=["Hur var lokalen?"])
    with pytest.raises(ValidationFailed):
        give_feedback(registration.id, answer, now=now)
    assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 0


def test_own_questions_are_charted_and_names_shown_only_when_the_event_said_so(ctx, now):
    event, registration = held_event(now, feedback_questions=["Hur var lokalen?", "Hur var maten?"])
    other = register(event, event.registration_opens_at + timedelta(hours=2), 2).registration
    give_feedback(registration.id, FeedbackAnswer(3, good="Anonymt", ratings={"Hur var lokalen?": 2}), now=now)
    event.feedback_named = True
    db.session.commit()
    give_feedback(other.id, FeedbackAnswer(5, good="Med namn", ratings={"Hur var lokalen?": 4,
                                                                          "Hur var maten?": 5}), now=now)
    shown = results(event)
    assert shown.overall.average == 4
    venue, food = shown.questions
    assert (venue.question, venue.answered, venue.average) == ("Hur var lokalen?", 2, 3)
    assert (food.answered, food.average) == (1, 5)
    assert [(c.good, c.name) for c in shown.comments] == [("Anonymt", None), ("Med namn", other.full_name)]
    header, rows = table(event)
    assert header[3:5] == ["Hur var lokalen?", "Hur var maten?"]
    assert rows[0][5] == "" and rows[1][5] == other.full_name


def test_the_persons_export_holds_their_feedback(ctx, now):
    from eventapp.services.accounts import create_user

    event, registration = held_event(now)
    give_feedback(registration.id, FeedbackAnswer(2, better="Mer kaffe"), now=now)
    organiser = create_user("organisator@example.org", "organiser", "ett långt lösenord")
    [exported] = privacy.export_person(registration.email, actor=organiser, now=now)["registrations"]
    assert exported["feedback"]["rating"] == 2 and exported["feedback"]["better"] == "Mer kaffe"


def test_the_form_sent_many_times_at_once_keeps_one_answer(app, now):
    """Does a double click (or ten) store one answer, with no error?"""
    from concurrent.futures import ThreadPoolExecutor

    with app.app_context():
        _event, registration = held_event(now)
        registration_id = registration.id

    def send(rating):
        with app.test_request_context():
            try:
                return give_feedback(registration_id, FeedbackAnswer(rating), now=now).rating
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(send, [1, 2, 3, 4, 5, 1, 2, 3])) <= set(range(1, 6))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 1

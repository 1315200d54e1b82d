"""Feedback after an event: a 1-5 rating, what was good, what could be better, and the event's own
rating questions; the organiser's results with their numbers and the answers in words.

The form opens when the event starts (people answer at the end of the day) and stays open
``CLOSES_AFTER`` the end; it takes one answer per confirmed registration, which the person may change.
Answers are anonymous to the organiser unless the event said otherwise when the person answered
(``Feedback.named``). The answers in words are personal data: they go with the purge and an erasure
(``purge_feedback``, registered with ``privacy``); the ratings stay for the statistics.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..database import begin_write
from ..extensions import db
from ..formatting import format_datetime
from ..models import Event, Feedback, Registration, RegistrationStatus
from .errors import DomainError, ValidationFailed
from .privacy import register_purger

CLOSES_AFTER = timedelta(days=30)
RATINGS = (1, 2, 3, 4, 5)
TEXT_MAX = 2000


def rating_labels() -> dict[int, str]:
    """What each rating means, in the reader's language."""
    return {1: str(_l("1 – Poor")), 2: str(_l("2 – Fair")), 3: str(_l("3 – Good")), 4: str(_l("4 – Very good")),
            5: str(_l("5 – Excellent"))}


class FeedbackClosed(DomainError):
    code = "feedback_closed"


@dataclass
class FeedbackAnswer:
    """What a person sends: ``ratings`` maps each of the event's own questions to its rating."""

    rating: int | None
    good: str = ""
    better: str = ""
    ratings: dict[str, int | None] | None = None


def closed_reason(registration: Registration, now: datetime):
    """Why this person cannot give feedback at ``now``; None while they can."""
    event = registration.event
    if event.is_cancelled:
        return _l("The event has been cancelled.")
    if registration.status != RegistrationStatus.CONFIRMED:
        return _l("Only attendees with a place can give feedback.")
    if now < event.starts_at:
        return _l("The feedback form opens when the event starts, %(date)s.", date=format_datetime(event.starts_at))
    if now >= event.ends_at + CLOSES_AFTER:
        return _l("The feedback form closed %(date)s.", date=format_datetime(event.ends_at + CLOSES_AFTER))
    return None


def is_open(registration: Registration, now: datetime) -> bool:
    return closed_reason(registration, now) is None


def feedback_of(registration_id: int) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.registration_id == registration_id))


def _tidy(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _checked(event: Event, answer: FeedbackAnswer) -> tuple[int, str, str, list[dict]]:
    errors: dict[str, list] = {}
    if answer.rating not in RATINGS:
        errors["rating"] = [_l("Choose a rating from 1 to 5.")]
    good, better = _tidy(answer.good), _tidy(answer.better)
    for name, text in (("good", good), ("better", better)):
        if len(text) > TEXT_MAX:
            errors[name] = [_l("At most %(max)d characters.", max=TEXT_MAX)]
    given = answer.ratings or {}
    ratings = []
    for number, question in enumerate(event.feedback_questions or ()):
        value = given.get(question)
        if value is None:
            continue  # the event's own questions may be skipped
        if value not in RATINGS:
            errors[f"question_{number}"] = [_l("Choose a rating from 1 to 5.")]
        else:
            ratings.append({"question": question, "rating": value})
    if errors:
        raise ValidationFailed(errors)
    return answer.rating, good, better, ratings


def give_feedback(registration_id: int, answer: FeedbackAnswer, *, now: datetime, retry: bool = True) -> Feedback:
    """Store the person's feedback, or change what they gave before."""
    begin_write()
    try:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        reason = closed_reason(registration, now)
        if reason is not None:
            raise FeedbackClosed(reason)
        event = registration.event
        rating, good, better, ratings = _checked(event, answer)
        values = dict(rating=rating, good=good, better=better, ratings=ratings, named=event.feedback_named,
                      updated_at=now)
        feedback = feedback_of(registration.id)
        if feedback is None:
            feedback = Feedback(event_id=event.id, registration_id=registration.id, created_at=now, **values)
            db.session.add(feedback)
        else:
            for name, value in values.items():
                setattr(feedback, name, value)
        db.session.commit()
        return feedback
    except IntegrityError:
        db.session.rollback()
        if not retry:
            raise
        # The same form sent twice at once: the first stored it, this one changes it.
        return give_feedback(registration_id, answer, now=now, retry=False)
    except Exception:
        db.session.rollback()
        raise


# The organiser's results ----------------------------------------------------------------------


@dataclass
class RatingSummary:
    """How one question was rated: (label, number of people) per rating, 1 to 5, and the average."""

    question: str
    counts: list[tuple[str, int]]
    answered: int
    average: float | None


@dataclass
class Comment:
    good: str
    better: str
    #: The person, only where they answered while the event showed names; None otherwise.
    name: str | None
    organisation: str | None


@dataclass
class FeedbackResults:
    answered: int
    overall: RatingSummary
    questions: list[RatingSummary]
    comments: list[Comment]


def _summary(question: str, ratings: list[int]) -> RatingSummary:
    counted = Counter(ratings)
    labels = rating_labels()
    average = round(sum(ratings) / len(ratings), 1) if ratings else None
    return RatingSummary(question, [(labels[n], counted.get(n, 0)) for n in RATINGS], len(ratings), average)


def _answers(event_id: int) -> list[Feedback]:
    # Oldest first by id, not by name: the order of anonymous answers must not point at anyone.
    return list(db.session.scalars(select(Feedback).where(Feedback.event_id == event_id).order_by(Feedback.id)
                                   .options(joinedload(Feedback.registration))))


def results(event: Event) -> FeedbackResults:
    """Everything the organiser sees of the event's feedback."""
    answers = _answers(event.id)
    asked = list(event.feedback_questions or ())
    by_question: dict[str, list[int]] = {question: [] for question in asked}
    for answer in answers:
        for item in answer.ratings or ():
            by_question.setdefault(item["question"], []).append(item["rating"])
    comments = []
    for answer in answers:
        if answer.good or answer.better:
            person = answer.registration if answer.named else None
            comments.append(Comment(answer.good, answer.better, person.full_name if person else None,
                                    person.organisation_name if person else None))
    return FeedbackResults(
        answered=len(answers), overall=_summary(str(_l("Overall rating")), [a.rating for a in answers]),
        questions=[_summary(question, ratings) for question, ratings in by_question.items()], comments=comments)


def table(event: Event) -> tuple[list[str], list[list]]:
    """(header, rows) of the event's feedback for a spreadsheet: one row per answer, names only where
    the person answered while the event showed names."""
    answers = _answers(event.id)
    questions = list(event.feedback_questions or ())
    for answer in answers:
        questions += [item["question"] for item in answer.ratings or () if item["question"] not in questions]
    # Columns for names only where someone may be named: an anonymous list does not hint at names.
    named = event.feedback_named or any(answer.named for answer in answers)
    header = [str(_l("Rating")), str(_l("What was good")), str(_l("What could be better")), *questions]
    if named:
        header += [str(_l("Name")), str(_l("Organisation"))]
    rows = []
    for answer in answers:
        rated = {item["question"]: item["rating"] for item in answer.ratings or ()}
        row = [answer.rating, answer.good, answer.better, *[rated.get(q) for q in questions]]
        if named:
            person = answer.registration if answer.named else None
            row += [person.full_name if person else "", person.organisation_name if person else ""]
        rows.append(row)
    return header, rows


# Personal data ---------------------------------------------------------------------------------


@register_purger
def purge_feedback(registration_ids: list[int], now: datetime) -> int:
    """The answers in words go with the person's other free text; the ratings stay."""
    result = db.session.execute(
        update(Feedback).where(Feedback.registration_id.in_(registration_ids),
                               (Feedback.good != "") | (Feedback.better != ""))
        .values(good="", better="", named=False).execution_options(synchronize_session=False))
    return result.rowcount or 0

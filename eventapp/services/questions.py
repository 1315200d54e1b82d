"""The event's own questions on the registration form, and the attendees' answers.

An organiser asks, for example, "Which target group do you belong to?" with choices, or "Which
table do you want to join?", or a free-text question. A question taken off the form after people
have answered it is retired, not deleted: the answers stay in the lists and the statistics.
"""
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import Answer, Event, Question, Registration

MAX_QUESTIONS = 10
MAX_CHOICES = 20
TEXT_MAX = 200
CHOICE_MAX = 100
ANSWER_MAX = 500


@dataclass
class QuestionData:
    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = False


def validate(questions: list[QuestionData]) -> list:
    """The messages for everything wrong with the questions; empty when they are fine."""
    messages = []
    if len(questions) > MAX_QUESTIONS:
        messages.append(_l("At most %(max)d questions.", max=MAX_QUESTIONS))
    seen = set()
    for number, question in enumerate(questions, start=1):
        text = " ".join(question.text.split())
        choices = [" ".join(choice.split()) for choice in question.choices]
        if not text:
            messages.append(_l("Question %(num)d needs a text.", num=number))
        elif len(text) > TEXT_MAX:
            messages.append(_l("Question %(num)d: at most %(max)d characters.", num=number, max=TEXT_MAX))
        elif text.casefold() in seen:
            messages.append(_l("Question %(num)d is asked twice.", num=number))
        seen.add(text.casefold())
        if len(choices) == 1:
            messages.append(_l("Question %(num)d: give at least two choices, or none for a free-text answer.",
                               num=number))
        if len(choices) > MAX_CHOICES or any(not c or len(c) > CHOICE_MAX for c in choices) \
                or len({c.casefold() for c in choices}) != len(choices):
            messages.append(_l("Question %(num)d: up to %(max)d different, non-empty choices of at most "
                               "%(length)d characters.", num=number, max=MAX_CHOICES, length=CHOICE_MAX))
    return messages


def replace_questions(event: Event, questions: list[QuestionData]) -> bool:
    """Make the event ask ``questions`` (already validated); return whether anything changed.

    A question keeps its identity (and its answers) while its text stays the same. A question
    removed from the form is deleted when nobody has answered it, and retired otherwise.
    """
    current = {q.text.casefold(): q for q in event.all_questions if not q.retired}
    retired = {q.text.casefold(): q for q in event.all_questions if q.retired}
    wanted = []
    changed = False
    for position, data in enumerate(questions):
        text = " ".join(data.text.split())
        choices = [" ".join(choice.split()) for choice in data.choices]
        question = current.pop(text.casefold(), None) or retired.pop(text.casefold(), None)
        if question is None:
            question = Question(text=text)
            changed = True
        values = {"text": text, "choices": choices, "required": data.required, "position": position,
                  "retired": False}
        for name, value in values.items():
            if getattr(question, name) != value:
                setattr(question, name, value)
                changed = changed or name != "position"
        wanted.append(question)
    for question in current.values():
        changed = True
        if question.id is not None and _answered(question):
            question.retired = True
            question.position = MAX_QUESTIONS + question.position
            wanted.append(question)
    wanted.extend(q for q in retired.values())
    event.all_questions = wanted
    return changed


def _answered(question: Question) -> bool:
    return bool(db.session.scalar(select(exists().where(Answer.question_id == question.id))))


def check_answers(event: Event, given: dict[int, str]) -> dict[str, list]:
    """Field name -> messages for answers that do not fit the event's questions; empty when fine."""
    errors: dict[str, list] = {}
    for question in event.questions:
        value = " ".join((given.get(question.id) or "").split())
        if not value:
            if question.required:
                errors[question.field_name] = [_l("Answer the question: %(question)s", question=question.text)]
        elif question.choices and value not in question.choices:
            errors[question.field_name] = [_l("Choose one of the answers given.")]
        elif len(value) > ANSWER_MAX:
            errors[question.field_name] = [_l("At most %(max)d characters.", max=ANSWER_MAX)]
    return errors


def answers_for(event: Event, given: dict[int, str]) -> list[Answer]:
    """The Answer rows for a registration (answers already checked); empty answers are not stored."""
    return answer_rows(answers_to_store(event, given))


def answer_rows(answers: dict[int, str]) -> list[Answer]:
    """Answer rows of {question id: answer}."""
    return [Answer(question_id=question_id, value=value) for question_id, value in answers.items()]


def answers_to_store(event: Event, given: dict[int, str]) -> dict[int, str]:
    """{question id: answer} of the answers a registration stores: the event's questions answered."""
    answers = {}
    for question in event.questions:
        value = " ".join((given.get(question.id) or "").split())
        if value:
            answers[question.id] = value
    return answers


def answers_of_event(event_id: int) -> dict[int, dict[int, str]]:
    """{registration id: {question id: answer}} for every registration of the event, in one query."""
    result: dict[int, dict[int, str]] = {}
    rows = db.session.execute(select(Answer.registration_id, Answer.question_id, Answer.value)
                              .join(Registration, Registration.id == Answer.registration_id)
                              .where(Registration.event_id == event_id))
    for registration_id, question_id, value in rows:
        result.setdefault(registration_id, {})[question_id] = value
    return result


def answer_columns(event_id: int) -> tuple[list[Question], dict[int, dict[int, str]]]:
    """The question columns of the event's lists and every registration's answers, in two queries:
    the questions asked now, then retired ones that someone answered."""
    answers = answers_of_event(event_id)
    answered = {question_id for given in answers.values() for question_id in given}
    questions = db.session.scalars(select(Question).where(Question.event_id == event_id)
                                   .order_by(Question.position, Question.id))
    return [q for q in questions if not q.retired or q.id in answered], answers


@dataclass
class ChoiceTally:
    question: Question
    #: (choice, number of active registrations that chose it), in the question's order.
    counts: list[tuple[str, int]]
    unanswered: int


def tallies(event: Event, statuses) -> list[ChoiceTally]:
    """How the event's registrations in ``statuses`` answered each question with choices."""
    questions = [q for q in event.questions if q.choices]
    if not questions:
        return []
    rows = db.session.execute(
        select(Answer.question_id, Answer.value, func.count())
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.event_id == event.id, Registration.status.in_(statuses))
        .group_by(Answer.question_id, Answer.value))
    counted: dict[int, Counter] = {}
    for question_id, value, number in rows:
        counted.setdefault(question_id, Counter())[value] = number
    total = db.session.scalar(select(func.count()).select_from(Registration)
                              .where(Registration.event_id == event.id, Registration.status.in_(statuses)))
    result = []
    for question in questions:
        counts = counted.get(question.id, Counter())
        pairs = [(choice, counts.get(choice, 0)) for choice in question.choices]
        # Answers to a choice the organiser has since renamed or removed are still counted.
        pairs += sorted((value, n) for value, n in counts.items() if value not in question.choices)
        result.append(ChoiceTally(question, pairs, unanswered=total - sum(counts.values())))
    return result

"""The event's own questions on the registration form, and the attendees' answers.

An organiser asks, for example, "Which target group do you belong to?" with choices, or "Which
tables do you want to join?" (several choices), "Do you want lunch?" (yes or no), or a question
answered in words. A question taken off the form after people have answered it is retired, not
deleted: the answers stay in the lists and the statistics.

An answer is stored as it will be read in the lists: a choice as the organiser wrote it (in the
untranslated language, whichever language the person saw), the choices of a multiple-choice
question one per line, yes or no as ``yes`` or ``no``.
"""
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import Answer, Event, Question, QuestionKind, Registration
from ..models.event import CHOICES_SEPARATOR, NO, YES

MAX_QUESTIONS = 10
MAX_CHOICES = 20
TEXT_MAX = 200
HELP_MAX = 500
CHOICE_MAX = 100
ANSWER_MAX = 500


@dataclass
class QuestionData:
    """A question as an organiser writes it; ``kind`` None: single choice with choices, else words."""

    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = False
    kind: str | None = None
    text_en: str = ""
    help_text: str = ""
    help_text_en: str = ""
    #: The choices in English, in the same order as ``choices``; empty for none.
    choices_en: list[str] = field(default_factory=list)
    #: The stored question this is (an edit keeps its answers even when its text changes); None for a new one.
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind is None:
            self.kind = QuestionKind.CHOICE if self.choices else QuestionKind.TEXT


def tidy(text: str) -> str:
    """One line, single spaces."""
    return " ".join((text or "").split())


@dataclass(frozen=True)
class Problem:
    """Something wrong with a question: its place in the list (None: the list as a whole), the part
    of it that is wrong (``text``, ``choices``, ...) and the message."""

    index: int | None
    part: str
    message: object


def problems(questions: list[QuestionData]) -> list[Problem]:
    """Everything wrong with the questions; empty when they are fine."""
    found = []
    if len(questions) > MAX_QUESTIONS:
        found.append(Problem(None, "questions", _l("At most %(max)d questions.", max=MAX_QUESTIONS)))
    seen = set()
    for index, question in enumerate(questions):
        number = index + 1

        def problem(part, message, index=index):
            found.append(Problem(index, part, message))

        text = tidy(question.text)
        if question.kind not in set(QuestionKind):
            problem("kind", _l("Choose a type of question."))
        if not text:
            problem("text", _l("Question %(num)d needs a text.", num=number))
        elif len(text) > TEXT_MAX:
            problem("text", _l("Question %(num)d: at most %(max)d characters.", num=number, max=TEXT_MAX))
        elif text.casefold() in seen:
            problem("text", _l("Question %(num)d is asked twice.", num=number))
        seen.add(text.casefold())
        if len(tidy(question.text_en)) > TEXT_MAX:
            problem("text_en", _l("Question %(num)d: at most %(max)d characters.", num=number, max=TEXT_MAX))
        for part in ("help_text", "help_text_en"):
            if len(getattr(question, part).strip()) > HELP_MAX:
                problem(part, _l("At most %(max)d characters.", max=HELP_MAX))
        if question.kind in (QuestionKind.CHOICE, QuestionKind.CHOICES):
            found.extend(Problem(index, part, message) for part, message in _choice_problems(question, number))
    return found


def _choice_problems(question: QuestionData, number: int) -> list[tuple[str, object]]:
    found = []
    choices = [tidy(choice) for choice in question.choices]
    english = [tidy(choice) for choice in question.choices_en]
    if len(choices) < 2:
        found.append(("choices", _l("Question %(num)d: give at least two choices.", num=number)))
    elif len(choices) > MAX_CHOICES or any(not c or len(c) > CHOICE_MAX for c in choices) \
            or len({c.casefold() for c in choices}) != len(choices):
        found.append(("choices", _l("Question %(num)d: up to %(max)d different, non-empty choices of at most "
                                    "%(length)d characters.", num=number, max=MAX_CHOICES, length=CHOICE_MAX)))
    elif question.kind == QuestionKind.CHOICES and len(CHOICES_SEPARATOR.join(choices)) > ANSWER_MAX:
        # Every choice picked must fit in the one answer stored.
        found.append(("choices", _l("Question %(num)d: the choices of a multiple-choice question can be at most "
                                    "%(max)d characters together.", num=number, max=ANSWER_MAX)))
    if english and (len(english) != len(choices) or any(not c or len(c) > CHOICE_MAX for c in english)):
        found.append(("choices_en", _l("Question %(num)d: give one English choice for each choice, in the same "
                                       "order, or none.", num=number)))
    return found


def validate(questions: list[QuestionData]) -> list:
    """The messages for everything wrong with the questions; empty when they are fine."""
    return [problem.message for problem in problems(questions)]


def replace_questions(event: Event, questions: list[QuestionData]) -> bool:
    """Make the event ask ``questions`` (already validated); return whether anything changed.

    A question keeps its identity (and its answers) when it is given by its id, or while its text
    stays the same. A question removed from the form is deleted when nobody has answered it, and
    retired otherwise.
    """
    current = {q.id: q for q in event.all_questions if not q.retired}
    retired = {q.id: q for q in event.all_questions if q.retired}
    by_text = {q.text.casefold(): q.id for q in event.all_questions if q.retired} | {
        q.text.casefold(): q.id for q in event.all_questions if not q.retired}
    wanted = []
    changed = False
    for position, data in enumerate(questions):
        text = tidy(data.text)
        kind = QuestionKind(data.kind)
        known = data.id if data.id in current or data.id in retired else by_text.get(text.casefold())
        question = current.pop(known, None) or retired.pop(known, None)
        if question is None:
            question = Question(text=text)
            changed = True
        values = {
            "kind": kind.value, "text": text, "text_en": tidy(data.text_en), "help_text": data.help_text.strip(),
            "help_text_en": data.help_text_en.strip(), "required": data.required, "position": position,
            "choices": [tidy(choice) for choice in data.choices] if kind.has_choices else [],
            "choices_en": [tidy(choice) for choice in data.choices_en] if kind.has_choices else [],
            "retired": False,
        }
        for name, value in values.items():
            if getattr(question, name) != value:
                setattr(question, name, value)
                changed = True
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


def normalised_answer(question: Question, given: str | None) -> str:
    """An answer as it is checked and stored: white space tidied, several choices one per line in
    the question's order (see the module's docstring)."""
    value = given or ""
    kind = question.question_kind
    if kind == QuestionKind.LONG_TEXT:
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip()
    if kind == QuestionKind.CHOICES:
        picked = {tidy(part) for part in value.split(CHOICES_SEPARATOR)} - {""}
        in_order = [choice for choice in question.choices if choice in picked]
        return CHOICES_SEPARATOR.join(in_order + sorted(picked - set(in_order)))
    return tidy(value)


def _wrong_answer(question: Question, value: str):
    """Why a tidied, non-empty answer does not fit the question; None when it does."""
    kind = question.question_kind
    if kind == QuestionKind.CHOICE and value not in question.choices:
        return _l("Choose one of the answers given.")
    if kind == QuestionKind.CHOICES and not set(value.split(CHOICES_SEPARATOR)) <= set(question.choices):
        return _l("Choose among the answers given.")
    if kind == QuestionKind.YES_NO and value not in (YES, NO):
        return _l("Answer yes or no.")
    if len(value) > ANSWER_MAX:
        return _l("At most %(max)d characters.", max=ANSWER_MAX)
    return None


def check_answers(event: Event, given: dict[int, str]) -> dict[str, list]:
    """Field name -> messages for answers that do not fit the event's questions; empty when fine.

    ``given``: {question id: answer}, the choices of a multiple-choice question one per line.
    """
    errors: dict[str, list] = {}
    for question in event.questions:
        value = normalised_answer(question, given.get(question.id))
        if not value:
            if question.required:
                errors[question.field_name] = [_l("Answer the question: %(question)s",
                                                  question=question.localised.text)]
            continue
        wrong = _wrong_answer(question, value)
        if wrong is not None:
            errors[question.field_name] = [wrong]
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
        value = normalised_answer(question, given.get(question.id))
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
    #: (choice as the reader is shown it, number of registrations that chose it), in the question's order.
    counts: list[tuple[str, int]]
    unanswered: int


def tallies(event: Event, statuses) -> list[ChoiceTally]:
    """How the event's registrations in ``statuses`` answered each question answered by picking."""
    questions = [q for q in event.questions if not q.question_kind.free_text]
    if not questions:
        return []
    rows = db.session.execute(
        select(Answer.question_id, Answer.value, func.count())
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.event_id == event.id, Registration.status.in_(statuses))
        .group_by(Answer.question_id, Answer.value))
    counted: dict[int, Counter] = {}
    answering: Counter = Counter()
    for question_id, value, number in rows:
        answering[question_id] += number
        for choice in value.split(CHOICES_SEPARATOR):
            counted.setdefault(question_id, Counter())[choice] += number
    total = db.session.scalar(select(func.count()).select_from(Registration)
                              .where(Registration.event_id == event.id, Registration.status.in_(statuses)))
    result = []
    for question in questions:
        counts = counted.get(question.id, Counter())
        labels = question.choice_labels()
        pairs = [(label, counts.get(value, 0)) for value, label in labels]
        # Answers to a choice the organiser has since renamed or removed are still counted.
        offered = {value for value, _ in labels}
        pairs += sorted((value, n) for value, n in counts.items() if value not in offered)
        result.append(ChoiceTally(question, pairs, unanswered=total - answering[question.id]))
    return result

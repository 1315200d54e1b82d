"""The event's own questions: asking, answering, editing the form afterwards, and privacy."""
from datetime import timedelta

import pytest
from builders import attendee, make_event, register

from eventapp.extensions import db
from eventapp.models import Answer, Question, Registration
from eventapp.services import privacy
from eventapp.services import questions as question_service
from eventapp.services.cancellation import transfer_registration
from eventapp.services.errors import ValidationFailed
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData
from eventapp.services.registration import register_attendee

TARGET_GROUP = QuestionData("Vilken målgrupp tillhör du?", ["Chef", "Strateg", "Handläggare"], required=True)
TABLE = QuestionData("Vilket bord vill du börja vid?", ["Bostad", "Arbete"])
WISH = QuestionData("Vad vill du ta med dig?")


def ask(event, questions, now):
    data = EventData.from_event(event)
    data.questions = questions
    return save_event(event.slug, data, actor=None, now=now)


def ids(event):
    return {q.text: q.id for q in event.questions}


@pytest.fixture
def forum(ctx, now):
    event = make_event(now, kind="forum")
    ask(event, [TARGET_GROUP, TABLE, WISH], now)
    return event


def test_answers_are_stored_with_the_registration(forum, now):
    asked = ids(forum)
    result = register(forum, now, answers={asked[TARGET_GROUP.text]: "Strateg", asked[WISH.text]: "  Nya  idéer "})
    stored = {a.question.text: a.value for a in result.registration.answers}
    # An optional question left empty stores nothing; white space is tidied.
    assert stored == {TARGET_GROUP.text: "Strateg", WISH.text: "Nya idéer"}


@pytest.mark.parametrize(("answers", "message"), [
    ({}, "Svara på frågan: Vilken målgrupp tillhör du?"),
    ({"group": "   "}, "Svara på frågan"),
    ({"group": "Chef", "table": "Hälsa"}, "Välj ett av svarsalternativen."),
    ({"group": "chef"}, "Välj ett av svarsalternativen."),
    ({"group": "Chef", "wish": "x" * 501}, "Högst 500 tecken."),
])
def test_wrong_answers_are_refused_and_nothing_is_stored(forum, now, answers, message):
    asked = ids(forum)
    keys = {"group": asked[TARGET_GROUP.text], "table": asked[TABLE.text], "wish": asked[WISH.text]}
    with pytest.raises(ValidationFailed) as refused:
        register(forum, now, answers={keys[name]: value for name, value in answers.items()})
    assert message in " ".join(str(m) for messages in refused.value.errors.values() for m in messages)
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0


def test_the_longest_free_text_answer_is_accepted(forum, now):
    asked = ids(forum)
    result = register(forum, now, answers={asked[TARGET_GROUP.text]: "Chef", asked[WISH.text]: "x" * 500})
    assert len(result.registration.answers) == 2


def test_answers_to_unknown_questions_are_ignored(forum, now):
    other = make_event(now)
    ask(other, [QuestionData("Annan fråga?")], now)
    result = register(forum, now, answers={ids(forum)[TARGET_GROUP.text]: "Chef", ids(other)["Annan fråga?"]: "Ja"})
    assert [a.question.text for a in result.registration.answers] == [TARGET_GROUP.text]


def test_editing_keeps_answered_questions_and_their_answers(forum, now):
    asked = ids(forum)
    register(forum, now, answers={asked[TARGET_GROUP.text]: "Chef", asked[TABLE.text]: "Bostad"})
    # The table question goes, the free-text question (never answered) goes, a new one comes.
    saved = ask(forum, [TARGET_GROUP, QuestionData("Behöver du tolk?", ["Ja", "Nej"])], now)
    assert saved.changed["questions"] == [3, 2]
    assert [q.text for q in forum.questions] == [TARGET_GROUP.text, "Behöver du tolk?"]
    assert ids(forum)[TARGET_GROUP.text] == asked[TARGET_GROUP.text]  # the same question, the same answers
    retired = db.session.get(Question, asked[TABLE.text])
    assert retired.retired and db.session.get(Question, asked[WISH.text]) is None
    questions, answers = question_service.answer_columns(forum.id)
    assert [q.text for q in questions] == [TARGET_GROUP.text, "Behöver du tolk?", TABLE.text]
    assert sorted(answers[next(iter(answers))].values()) == ["Bostad", "Chef"]
    # Asking a retired question again brings it (and its answers) back.
    ask(forum, [TARGET_GROUP, TABLE], now)
    assert ids(forum)[TABLE.text] == asked[TABLE.text]


def test_saving_the_same_questions_changes_nothing(forum, now):
    assert "questions" not in ask(forum, [TARGET_GROUP, TABLE, WISH], now).changed


@pytest.mark.parametrize(("questions", "message"), [
    ([QuestionData("")], "Fråga 1 behöver en text."),
    ([QuestionData("x" * 201)], "högst 200 tecken"),
    ([TABLE, QuestionData(TABLE.text.upper())], "Fråga 2 ställs två gånger."),
    ([QuestionData("Bord?", ["Bostad"])], "minst två svarsalternativ"),
    ([QuestionData("Bord?", ["Bostad", "bostad"])], "olika svarsalternativ"),
    ([QuestionData("Bord?", ["A", "x" * 101])], "olika svarsalternativ"),
    ([QuestionData("Bord?", [str(n) for n in range(21)])], "olika svarsalternativ"),
    ([QuestionData(f"Fråga {n}?") for n in range(11)], "Högst 10 frågor."),
])
def test_bad_questions_are_refused(forum, now, questions, message):
    with pytest.raises(ValidationFailed) as refused:
        ask(forum, questions, now)
    assert message in " ".join(str(m) for m in refused.value.errors["questions"])
    assert [q.text for q in forum.questions] == [TARGET_GROUP.text, TABLE.text, WISH.text]


def test_the_limits_themselves_are_allowed(forum, now):
    ask(forum, [QuestionData("x" * 200, ["y" * 100, *[str(n) for n in range(19)]])]
        + [QuestionData(f"Fråga {n}?") for n in range(9)], now)
    assert len(forum.questions) == 10


def test_a_colleague_sent_instead_takes_over_the_answers(forum, now):
    asked = ids(forum)
    first = register(forum, now, answers={asked[TARGET_GROUP.text]: "Chef", asked[TABLE.text]: "Arbete"})
    colleague = attendee(2, first_name="Leyla", last_name="Rahimi", email="leyla@example.org")
    result = transfer_registration(first.registration.id, colleague, now)
    assert {a.value for a in result.registration.answers} == {"Chef", "Arbete"}


def test_copying_an_event_copies_its_questions(forum, now):
    from eventapp.services.events import copy_event

    copy = copy_event(forum.id, forum.starts_at + timedelta(days=28), actor=None, now=now)
    assert [(q.text, q.choices, q.required) for q in copy.questions] == [
        (q.text, q.choices, q.required) for q in forum.questions]


def test_tallies_count_the_confirmed_answers_per_choice(forum, now):
    asked = ids(forum)
    for n, group in enumerate(["Chef", "Chef", "Strateg"], start=1):
        register(forum, now, n, answers={asked[TARGET_GROUP.text]: group})
    cancelled = register(forum, now, 9, answers={asked[TARGET_GROUP.text]: "Handläggare"}).registration
    cancelled.status = "cancelled"
    db.session.commit()
    by_question = {t.question.text: t for t in question_service.tallies(forum, ("confirmed",))}
    assert by_question[TARGET_GROUP.text].counts == [("Chef", 2), ("Strateg", 1), ("Handläggare", 0)]
    assert by_question[TABLE.text].unanswered == 3
    assert WISH.text not in by_question  # free text is not counted


def test_purge_removes_free_text_answers_and_keeps_picked_ones(forum, now):
    asked = ids(forum)
    register(forum, now, answers={asked[TARGET_GROUP.text]: "Chef", asked[WISH.text]: "Jag heter Anna och …"})
    later = forum.ends_at + timedelta(days=91)
    assert privacy.purge_ended_events(later, 90).registrations == 1
    assert [a.value for a in db.session.scalars(db.select(Answer))] == ["Chef"]


def test_the_service_refuses_wrong_answers_whatever_the_form_did(forum, now):
    with pytest.raises(ValidationFailed):
        register_attendee(forum.id, attendee(1, answers={ids(forum)[TARGET_GROUP.text]: "Kung"}), now)


# Kinds of question, and questions in two languages ------------------------------------------------

TABLES = QuestionData("Vilka bord vill du sitta vid?", ["Bostad", "Arbete", "Hälsa"], kind="choices",
                      text_en="Which tables would you like to join?", choices_en=["Housing", "Work", "Health"])
LUNCH = QuestionData("Vill du äta lunch?", kind="yes_no", required=True, text_en="Would you like lunch?")
STORY = QuestionData("Berätta om ert arbete", kind="long_text", help_text="Gärna ett exempel.")


@pytest.fixture
def kinds(ctx, now):
    event = make_event(now)
    ask(event, [TABLES, LUNCH, STORY], now)
    return event


def answer(event, now, n=1, **given):
    asked = ids(event)
    keys = {"tables": asked[TABLES.text], "lunch": asked[LUNCH.text], "story": asked[STORY.text]}
    return register(event, now, n, answers={keys[name]: value for name, value in given.items()})


def stored_answers(registration):
    return {a.question.text: a.value for a in registration.answers}


def test_several_choices_are_stored_one_per_line_in_the_questions_order(kinds, now):
    result = answer(kinds, now, tables=" Hälsa \nBostad\nHälsa", lunch="no")
    assert stored_answers(result.registration) == {TABLES.text: "Bostad\nHälsa", LUNCH.text: "no"}


def test_a_long_answer_keeps_its_line_breaks(kinds, now):
    result = answer(kinds, now, lunch="yes", story="Första stycket.  \r\n\r\nAndra  stycket.\n")
    assert stored_answers(result.registration)[STORY.text] == "Första stycket.\n\nAndra  stycket."


@pytest.mark.parametrize(("given", "message"), [
    ({"tables": "Bostad"}, "Svara på frågan: Vill du äta lunch?"),
    ({"lunch": "ja"}, "Svara ja eller nej."),
    ({"lunch": "yes", "tables": "Bostad\nKung"}, "Välj bland svarsalternativen."),
    ({"lunch": "yes", "tables": "bostad"}, "Välj bland svarsalternativen."),
    ({"lunch": "yes", "story": "x" * 501}, "Högst 500 tecken."),
])
def test_answers_that_do_not_fit_their_kind_are_refused(kinds, now, given, message):
    with pytest.raises(ValidationFailed) as refused:
        answer(kinds, now, **given)
    assert message in " ".join(str(m) for messages in refused.value.errors.values() for m in messages)
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0


def test_the_longest_long_answer_is_accepted(kinds, now):
    assert answer(kinds, now, lunch="no", story="x" * 500).registration.answers


def test_a_required_question_in_english_is_asked_for_in_english(kinds, now, app):
    from flask_babel import force_locale

    with force_locale("en"):
        with pytest.raises(ValidationFailed) as refused:
            answer(kinds, now)
        assert [str(m) for m in refused.value.errors[f"question_{ids(kinds)[LUNCH.text]}"]] == [
            "Answer the question: Would you like lunch?"]


def test_answers_are_shown_in_the_readers_language(kinds, now):
    from flask_babel import force_locale

    tables, lunch, story = kinds.questions
    assert tables.answer_label("Bostad\nHälsa") == "Bostad, Hälsa"
    assert lunch.answer_label("yes") == "Ja" and story.answer_label("Rad ett\nRad två") == "Rad ett\nRad två"
    with force_locale("en"):
        assert tables.answer_label("Bostad\nArbete\nHälsa") == "Housing, Work, Health"
        # A choice the organiser has since removed is shown as it was written.
        assert tables.answer_label("Bostad\nBorttaget val") == "Housing, Borttaget val"
        assert lunch.answer_label("no") == "No"
        assert (str(lunch.localised.text), lunch.localised.text.lang) == ("Would you like lunch?", "en")
        assert (str(story.localised.text), story.localised.text.lang) == (STORY.text, "sv")
        assert (str(story.localised.help_text), story.localised.help_text.lang) == ("Gärna ett exempel.", "sv")


def test_tallies_count_each_of_several_choices_and_yes_or_no(kinds, now):
    answer(kinds, now, 1, tables="Bostad\nHälsa", lunch="yes")
    answer(kinds, now, 2, tables="Hälsa", lunch="yes")
    answer(kinds, now, 3, lunch="no")
    by_question = {t.question.text: t for t in question_service.tallies(kinds, ("confirmed",))}
    assert by_question[TABLES.text].counts == [("Bostad", 1), ("Arbete", 0), ("Hälsa", 2)]
    assert by_question[TABLES.text].unanswered == 1  # counted per person, not per choice
    assert by_question[LUNCH.text].counts == [("Ja", 2), ("Nej", 1)]
    assert STORY.text not in by_question


def test_purge_keeps_yes_or_no_and_choices_and_removes_long_text(kinds, now):
    answer(kinds, now, tables="Arbete", lunch="yes", story="Jag heter Anna och …")
    assert privacy.purge_ended_events(kinds.ends_at + timedelta(days=91), 90).registrations == 1
    assert sorted(a.value for a in db.session.scalars(db.select(Answer))) == ["Arbete", "yes"]


@pytest.mark.parametrize(("question", "part", "message"), [
    (QuestionData("Bord?", ["A", "B"], kind="choices", choices_en=["A"]), "choices_en",
     "Fråga 1: ange ett engelskt svarsalternativ för varje svarsalternativ"),
    (QuestionData("Bord?", ["A"], kind="choices"), "choices", "Fråga 1: ange minst två svarsalternativ."),
    (QuestionData("Bord?", [f"{n:02d}" + "x" * 98 for n in range(5)] + ["y" * 5], kind="choices"), "choices",
     "tillsammans vara högst 500 tecken"),
    (QuestionData("Bord?", kind="party"), "kind", "Välj en typ av fråga."),
    (QuestionData("Bord?", help_text="x" * 501), "help_text", "Högst 500 tecken."),
    (QuestionData("Bord?", text_en="x" * 201), "text_en", "högst 200 tecken"),
])
def test_bad_questions_are_placed_by_their_part(ctx, question, part, message):
    [problem] = question_service.problems([QuestionData("Första?"), question])
    assert (problem.index, problem.part) == (1, part)
    assert message in str(problem.message).replace("Fråga 2", "Fråga 1")


def test_the_choices_of_a_multiple_choice_question_may_fill_an_answer_exactly(ctx):
    """All choices picked must fit the 500 characters of one answer, line breaks between them included."""
    def choices(*lengths):
        return [f"{n}" + "x" * (length - 1) for n, length in enumerate(lengths)]

    assert question_service.problems([QuestionData("Bord?", choices(99, 99, 99, 99, 100), kind="choices")]) == []
    refused = question_service.problems([QuestionData("Bord?", choices(99, 99, 99, 100, 100), kind="choices")])
    assert [p.part for p in refused] == ["choices"]


def test_changing_a_questions_text_by_its_id_keeps_its_answers(kinds, now):
    result = answer(kinds, now, lunch="yes")
    lunch_id = ids(kinds)[LUNCH.text]
    renamed = QuestionData("Vill du ha lunch?", kind="yes_no", required=True, id=lunch_id)
    ask(kinds, [renamed], now)
    assert ids(kinds) == {"Vill du ha lunch?": lunch_id}
    assert [a.value for a in result.registration.answers] == ["yes"]


def test_the_id_of_another_events_question_is_not_taken_over(kinds, now):
    other = make_event(now)
    ask(other, [QuestionData("Annan fråga?")], now)
    foreign = ids(other)["Annan fråga?"]
    ask(kinds, [QuestionData("Ny fråga?", id=foreign)], now)
    assert ids(kinds)["Ny fråga?"] != foreign and ids(other) == {"Annan fråga?": foreign}


def test_reordering_questions_is_a_change(kinds, now):
    saved = ask(kinds, [LUNCH, TABLES, STORY], now)
    assert saved.changed["questions"] == [3, 3]
    assert [q.text for q in kinds.questions] == [LUNCH.text, TABLES.text, STORY.text]

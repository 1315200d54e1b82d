"""The editor's values of an event, and back: local wall-clock times, kronor, rows."""
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from builders import make_event

from eventapp.localtime import at, end_of_day
from eventapp.models import AgendaItem, EventSession
from eventapp.services import event_editor
from eventapp.services.errors import ValidationFailed
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData


@pytest.fixture
def course(ctx, now):
    starts = datetime(2017, 3, 1, 12, 0, tzinfo=UTC)
    # The editor speaks in days: the registration deadline is the midnight after the last one.
    event = make_event(now, kind="course", starts_at=starts, title_en="Who are we?", no_show_fee=25050,
                       registration_deadline=end_of_day(date(2017, 2, 20)))
    event.sessions = [EventSession(title="Träff 1", title_en="Meeting 1", starts_at=starts,
                                   ends_at=at(starts.date(), "14:00"), venue="Sal 2")]
    event.agenda = [AgendaItem(starts_at=starts, title="Välkommen", speakers="Anna")]
    data = EventData.from_event(event)
    data.questions = [QuestionData("Lunch?", kind="yes_no", text_en="Lunch?", help_text="Vegetarisk."),
                      QuestionData("Bord?", ["A", "B"], kind="choices", choices_en=["Ay", "Bee"], required=True)]
    save_event(event.slug, data, actor=None, now=now)
    return event


def test_the_editors_values_give_the_event_back(course, now):
    values = event_editor.values_of(course)
    assert values["sessions"][0]["starts"].isoformat() == "13:00:00"  # Stockholm's wall clock in winter
    assert values["questions"][1]["choices"] == "A\nB"
    stored = EventData.from_event(course)
    assert event_editor.event_data(values, now, current=course) == replace(stored, published=True)


def test_a_new_event_opens_for_registration_now_unless_told_otherwise(course, now):
    values = {**event_editor.values_of(course), "registration_opens_at": None}
    assert event_editor.event_data(values, now).registration_opens_at == now
    assert event_editor.event_data(values, now, current=course).registration_opens_at == course.registration_opens_at


def test_blank_rows_are_left_out_and_a_half_filled_one_is_refused(course, now):
    values = event_editor.values_of(course)
    values["agenda"] = [*values["agenda"], {"starts": None, "title": "", "title_en": "", "speakers": ""}]
    assert len(event_editor.event_data(values, now).agenda) == 1
    values["agenda"][-1]["speakers"] = "Bo"
    with pytest.raises(ValidationFailed) as refused:
        event_editor.event_data(values, now)
    assert set(refused.value.errors) == {"agenda-1-starts", "agenda-1-title"}


def test_the_services_complaints_come_back_under_the_editors_names(course, now):
    values = {**event_editor.values_of(course), "last_registration_day": course.starts_at.date().replace(year=2018)}
    with pytest.raises(ValidationFailed) as refused:
        event_editor.save(course.slug, values, actor=None, now=now)
    assert list(refused.value.errors) == ["last_registration_day"]


def test_the_price_settings_are_set_in_the_editor_and_given_back(course, now):
    """Does an organiser set VAT, when to invoice, the early-bird price and discount codes?"""
    values = {**event_editor.values_of(course), "price": 150000, "vat_treatment": "outside_scope",
              "vat_exemption_reason": "Ideell verksamhet", "invoice_timing": "after_event",
              "early_bird_price": 120000, "last_early_bird_day": date(2017, 1, 31),
              "discount_codes": "medlem 20 % max 50\nPARTNER 500 kr"}
    event_editor.save(course.slug, values, actor=None, now=now)
    again = event_editor.values_of(course)
    assert again["discount_codes"] == "MEDLEM 20 % max 50\nPARTNER 500 kr"
    assert (again["vat_treatment"], again["vat_exemption_reason"]) == ("outside_scope", "Ideell verksamhet")
    assert (again["invoice_timing"], again["early_bird_price"]) == ("after_event", 120000)
    assert again["last_early_bird_day"] == date(2017, 1, 31)
    assert course.early_bird_until == end_of_day(date(2017, 1, 31))


@pytest.mark.parametrize("changes, field", [
    ({"discount_codes": "MEDLEM tjugo"}, "discount_codes"),
    ({"discount_codes": "MEDLEM 120 %"}, "discount_codes"),
    ({"vat_treatment": "outside_scope", "vat_exemption_reason": ""}, "vat_exemption_reason"),
    ({"early_bird_price": 999999, "last_early_bird_day": date(2017, 1, 31)}, "early_bird_price"),
    ({"early_bird_price": 100, "last_early_bird_day": None}, "last_early_bird_day"),
])
def test_wrong_price_settings_are_refused_beside_their_field(course, now, changes, field):
    values = {**event_editor.values_of(course), "price": 150000, **changes}
    with pytest.raises(ValidationFailed) as refused:
        event_editor.save(course.slug, values, actor=None, now=now)
    assert field in refused.value.errors


def test_a_session_row_made_choosable_with_places_stays_the_same_session(course, now):
    """Does a meeting row turned into a workshop with 12 places keep its id (and so its picks)?"""
    session_id = course.sessions[0].id
    values = event_editor.values_of(course)
    values["sessions"][0] |= {"choosable": True, "capacity": 12, "title": "Workshop"}
    event_editor.save(course.slug, values, actor=None, now=now)
    [session] = course.sessions
    assert (session.id, session.title, session.choosable, session.capacity) == (session_id, "Workshop", True, 12)
    values = event_editor.values_of(course)
    assert (values["sessions"][0]["choosable"], values["sessions"][0]["capacity"]) == (True, 12)
    values["sessions"][0]["choosable"] = False  # a meeting for all has no places of its own
    event_editor.save(course.slug, values, actor=None, now=now)
    assert (course.sessions[0].choosable, course.sessions[0].capacity) == (False, None)
def test_the_feedback_settings_are_saved_and_shown_again(course, now):
    values = {**event_editor.values_of(course), "feedback_questions": " Hur var lokalen? \n\nHur var  maten?",
              "feedback_named": True}
    event_editor.save(course.slug, values, actor=None, now=now)
    assert (course.feedback_questions, course.feedback_named) == (["Hur var lokalen?", "Hur var maten?"], True)
    assert event_editor.values_of(course)["feedback_questions"] == "Hur var lokalen?\nHur var maten?"
    too_many = {**values, "feedback_questions": "\n".join(f"Fråga {n}" for n in range(6))}
    with pytest.raises(ValidationFailed) as refused:
        event_editor.save(course.slug, too_many, actor=None, now=now)
    assert list(refused.value.errors) == ["feedback_questions"]
    assert len(course.feedback_questions) == 2

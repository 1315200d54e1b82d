"""The change log in words, local times and who did it; no internal codes."""
from datetime import timedelta

import pytest
from builders import make_event, make_user, register
from flask_babel import force_locale

from eventapp.services import attendees, badges, history
from eventapp.services.attendees import AttendeeChanges
from eventapp.services.badges import BadgeOptions
from eventapp.services.cancellation import cancel_registration


@pytest.fixture
def organiser(ctx):
    user = make_user("olle@example.org", "organiser")
    user.name = "Olle Organisatör"
    return user


def texts(lines):
    return [(line.who, line.what, line.details) for line in lines]


def test_a_late_cancellation_by_the_attendee_in_swedish_and_english(ctx, now):
    event = make_event(now, no_show_fee=25000, registration_deadline=now + timedelta(days=1))
    anna = register(event, now, first_name="Anna", last_name="Berg").registration
    cancel_registration(anna.id, now + timedelta(days=2))
    (line,) = history.event_history(event.id)
    assert (line.who, line.what) == ("Deltagaren", "Anna Berg avbokade sent, avgift kan tas ut.")
    with force_locale("en"):
        (line,) = history.event_history(event.id)
    assert (line.who, line.what) == ("The attendee", "Anna Berg cancelled late, a fee may be charged.")


def test_an_organisers_changes_name_the_fields_and_show_local_times(ctx, now, organiser):
    event = make_event(now, capacity=1)
    anna = register(event, now, first_name="Anna", last_name="Berg", job_title="Kommunikatör").registration
    waiting = register(event, now, 2, first_name="Bo", last_name="Ek").registration
    attendees.update_attendee(anna.id, AttendeeChanges("Anna", "Berg", anna.email, "Nacka kommun",
                                                       job_title="Integrationssamordnare"),
                              actor=organiser, now=now)
    attendees.promote_attendee(waiting.id, actor=organiser, now=now)
    lines = texts(history.event_history(event.id))
    assert lines[0] == ("Olle Organisatör", "Bo Ek fick en plats från väntelistan; platserna utökades till 2.", [])
    assert lines[1] == ("Olle Organisatör", "Evenemanget ändrades.", ["Platser: 1 → 2"])
    assert lines[2] == ("Olle Organisatör", "Anmälan för Anna Berg ändrades.",
                        ["Befattning: Kommunikatör → Integrationssamordnare"])


def test_no_internal_codes_and_times_are_in_stockholm(ctx, now, organiser):
    event = make_event(now)
    register(event, now)
    badges.print_badges(event.id, BadgeOptions(), actor=organiser, now=now)
    from eventapp.services import events as event_service

    data = event_service.EventData.from_event(event)
    data.starts_at = event.starts_at + timedelta(hours=1)
    data.ends_at = event.ends_at + timedelta(hours=1)
    event_service.save_event(event.slug, data, actor=organiser, now=now)
    lines = history.event_history(event.id)
    assert lines[1].what == "1 namnbricka skrevs ut."
    shown = " ".join(line.what + " ".join(line.details) for line in lines)
    for code in ("badges.printed", "event.updated", "starts_at", "True", "False", "+00:00", "T"):
        assert code not in shown.replace("Testkonferens", ""), code
    assert any("Börjar: " in detail and "kl. " in detail for detail in lines[0].details)


def test_the_editors_translations_and_rows_are_told_by_name(ctx, now, organiser):
    from eventapp.services import events as event_service
    from eventapp.services.questions import QuestionData

    event = make_event(now)
    data = event_service.EventData.from_event(event)
    data.title_en, data.description_en = "Test conference", "About integration."
    data.questions = [QuestionData("Lunch?", kind="yes_no")]
    event_service.save_event(event.slug, data, actor=organiser, now=now)
    (line,) = texts(history.event_history(event.id))
    assert line[2] == ["Rubrik på engelska: – → Test conference", "Beskrivning på engelska ändrades.",
                       "Frågor i anmälningsformuläret ändrades."]

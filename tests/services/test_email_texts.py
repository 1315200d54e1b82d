"""An event's own texts of its automatic e-mails, and the thank-you after the event."""
import email
import email.policy
from datetime import timedelta

import pytest
from builders import make_event, make_user, register, written

from eventapp.extensions import db
from eventapp.models import OutboxMessage
from eventapp.services import email_texts, thank_you
from eventapp.services.errors import ValidationFailed

SECOND = timedelta(seconds=1)


@pytest.fixture
def organiser(ctx):
    return make_user("organisator@example.org", "organiser")


def mail_of(message):
    return email.message_from_string(written(message), policy=email.policy.default)


def last(kind):
    return db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id.desc())).first()


def test_an_edited_confirmation_is_what_the_next_registrant_gets_in_their_language(ctx, now, organiser):
    event = make_event(now, title="Strategiskt forum", title_en="Strategic forum")
    email_texts.save_text(event.id, "confirmation", "sv", "Välkommen till {event}, {first_name}!",
                          "Ta med dig en fråga från din kommun.", actor=organiser, now=now)
    email_texts.save_text(event.id, "confirmation", "en", "Welcome to {event}, {first_name}!",
                          "Bring a question from your municipality.", actor=organiser, now=now)
    register(event, now, 1, first_name="Karin")
    swedish = mail_of(last("confirmation"))
    register(event, now, 2, first_name="Omid", language="en")
    english = mail_of(last("confirmation"))
    assert swedish["Subject"] == "Välkommen till Strategiskt forum, Karin!"
    assert "Ta med dig en fråga" in swedish.get_body(("plain",)).get_content()
    assert english["Subject"] == "Welcome to Strategic forum, Omid!"
    body = english.get_body(("plain",)).get_content()
    assert "Bring a question" in body and "/r/" in body  # the personal link is still there
    assert [part.get_filename() for part in english.iter_attachments()] == ["invite.ics"]


@pytest.mark.parametrize(("subject", "body", "field"), [
    ("Välkommen {förnamn}", "Text", "subject"),
    ("Välkommen", "Hej {namn}", "body"),
    ("", "Text", "subject"),
    ("Välkommen", "", "body"),
    ("Välkommen", "x" * 20_001, "body"),
])
def test_a_broken_text_is_refused_when_saved(ctx, now, organiser, subject, body, field):
    event = make_event(now)
    with pytest.raises(ValidationFailed) as refused:
        email_texts.save_text(event.id, "confirmation", "sv", subject, body, actor=organiser, now=now)
    assert field in refused.value.errors
    assert not email_texts.text_of(event.id, "confirmation", "sv").own


def test_back_to_the_default(ctx, now, organiser):
    event = make_event(now)
    email_texts.save_text(event.id, "reminder", "sv", "Snart {event}", "Glöm inte!", actor=organiser, now=now)
    assert email_texts.text_of(event.id, "reminder", "sv").own
    email_texts.reset_text(event.id, "reminder", "sv", actor=organiser, now=now)
    text = email_texts.text_of(event.id, "reminder", "sv")
    assert not text.own and text.subject == "Påminnelse: {event}"


def test_the_preview_merges_a_made_up_attendee(ctx, now):
    event = make_event(now, title="Vilka är vi?")
    subject, text = email_texts.preview(event, "waitlisted", "sv", "Kö till {event}", "Hej {first_name}!", now)
    assert subject == "Kö till Vilka är vi?" and "Hej Anna!" in text


def test_the_thank_you_goes_out_hours_after_the_end_to_those_who_came_once(ctx, now, organiser):
    event = make_event(now, starts_at=now + timedelta(days=1), registration_deadline=now + timedelta(hours=12),
                       material_url="https://example.org/bilder")
    came = register(event, now, 1).registration
    register(event, now, 2)
    email_texts.set_thank_you(event.id, 24, "https://example.org/bilder", actor=organiser, now=now)
    came.checked_in_at = event.starts_at
    db.session.commit()
    due = event.ends_at + timedelta(hours=24)
    assert thank_you.send_thank_yous(due - SECOND) == 0
    assert thank_you.send_thank_yous(due) == 1
    assert thank_you.send_thank_yous(due + timedelta(minutes=5)) == 0
    message = last("thank_you")
    assert message.recipient == "anna1@example.org"
    body = mail_of(message).get_body(("plain",)).get_content()
    assert "Tack för att du kom" in body and "https://example.org/bilder" in body and "/r/" in body


def test_without_check_in_every_confirmed_is_thanked(ctx, now, organiser):
    event = make_event(now, starts_at=now + timedelta(days=1), registration_deadline=now + timedelta(hours=12))
    register(event, now, 1)
    register(event, now, 2)
    email_texts.set_thank_you(event.id, 0, "", actor=organiser, now=now)
    assert thank_you.send_thank_yous(event.ends_at) == 2


def test_the_thank_you_settings_are_checked(ctx, now, organiser):
    event = make_event(now)
    with pytest.raises(ValidationFailed) as refused:
        email_texts.set_thank_you(event.id, 1000, "javascript:alert(1)", actor=organiser, now=now)
    assert set(refused.value.errors) == {"thank_you_hours", "material_url"}


def test_a_copy_of_the_event_keeps_its_own_texts(ctx, now, organiser):
    from eventapp.services.events import copy_event

    event = make_event(now)
    email_texts.save_text(event.id, "reminder", "en", "Soon: {event}", "See you!", actor=organiser, now=now)
    email_texts.set_thank_you(event.id, 12, "https://example.org/old", actor=organiser, now=now)
    copy = copy_event(event.id, event.starts_at + timedelta(days=28), actor=organiser, now=now)
    text = email_texts.text_of(copy.id, "reminder", "en")
    assert text.own and text.subject == "Soon: {event}"
    assert (copy.thank_you_hours, copy.material_url) == (12, "")

"""E-mail addresses in the services: no path stores one that cannot be mailed, a domain in any script
goes out in its ASCII form, and an address stored before the rule stops neither a change nor delivery."""
from datetime import timedelta

import pytest
from builders import attendee as person
from builders import make_event, register, written

from eventapp.extensions import db
from eventapp.models import Event, OutboxMessage, OutboxStatus, Registration, User
from eventapp.services import attendees, cancellation, checkin, registration
from eventapp.services.accounts import create_user
from eventapp.services.email_addresses import UnsendableAddress, checked_email, email_key, sendable
from eventapp.services.errors import InvalidEmailAddress, ValidationFailed
from eventapp.services.events import EventData, save_event
from eventapp.services.outbox import deliver_due

NON_ASCII_LOCAL = ["åsa@example.org", "дмитрий@example.org", "زينب@example.org", "Zoë@example.org"]


def counts() -> tuple[int, int]:
    """(registrations, outbox messages)."""
    return (db.session.scalar(db.select(db.func.count(Registration.id))),
            db.session.scalar(db.select(db.func.count(OutboxMessage.id))))


# The rule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", NON_ASCII_LOCAL)
def test_a_non_ascii_local_part_is_refused_with_its_reason(ctx, address):
    """Is åsa@… refused with the message about characters before the @, not the generic one?"""
    with pytest.raises(InvalidEmailAddress) as refused:
        checked_email(address)
    assert refused.value.field == "email"
    assert str(refused.value).startswith("Vi kan inte skicka e-post till en adress med å, ä, ö")


@pytest.mark.parametrize("address", ["", "inte en adress", "a@b", "åsa", "x@example.org\r\nBcc: y@example.org",
                                     '"a b"@example.org', "a@[127.0.0.1]"])
def test_what_is_no_address_gets_the_usual_message(ctx, address):
    """Is anything else that is no address refused with "Fyll i en e-postadress som namn@example.org."?"""
    with pytest.raises(InvalidEmailAddress, match="Fyll i en e-postadress som namn@example.org."):
        checked_email(address)


def test_an_idn_domain_is_taken_as_typed_compared_as_one_and_sent_as_punycode(ctx):
    """Is namn@exempel.åäö.se kept as typed, the same person as its xn-- spelling, and sent in ASCII?"""
    assert checked_email("  Namn@Exempel.ÅÄÖ.se ") == "Namn@Exempel.ÅÄÖ.se"
    assert email_key("Namn@Exempel.ÅÄÖ.se") == email_key("namn@exempel.XN--4cab6c.se") == "namn@exempel.åäö.se"
    assert sendable("Namn@Exempel.ÅÄÖ.se") == "Namn@exempel.xn--4cab6c.se"
    assert sendable("anna@example.org") == "anna@example.org"
    with pytest.raises(UnsendableAddress):
        sendable("åsa@example.org")


# Every path that stores an address ---------------------------------------------------------------


@pytest.fixture
def event(ctx, now):
    return make_event(now, starts_at=now + timedelta(hours=2))


@pytest.mark.parametrize("address", NON_ASCII_LOCAL[:2])
@pytest.mark.parametrize("path", ["register", "transfer", "add", "update", "walk_in"])
def test_no_service_stores_a_non_ascii_local_part(ctx, now, event, path, address):
    """Does each way a registration gets an address refuse åsa@…, leaving registrations and outbox as they were?"""
    booked = register(event, now, 1).registration
    before = counts()
    calls = {
        "register": lambda: registration.register_attendee(event.id, person(2, email=address), now),
        "transfer": lambda: cancellation.transfer_registration(booked.id, person(2, email=address), now),
        "add": lambda: attendees.add_attendee(event.id, person(2, email=address), actor=None, now=now),
        "update": lambda: attendees.update_attendee(booked.id, attendees.AttendeeChanges(
            first_name="Anna", last_name="Andersson", email=address, organisation="Nacka kommun"),
            actor=None, now=now),
        "walk_in": lambda: checkin.register_walk_in(event.id, person(2, email=address), actor=None,
                                                    now=event.starts_at - timedelta(minutes=5)),
    }
    with pytest.raises(InvalidEmailAddress) as refused:
        calls[path]()
    assert refused.value.field == "email"
    db.session.expire_all()
    assert counts() == before
    assert db.session.get(Registration, booked.id).email == "anna1@example.org"
    assert db.session.get(Registration, booked.id).status == "confirmed"


def test_an_event_cannot_get_such_an_organiser_address(ctx, now):
    """Does the event service (back office and API) refuse organiser_email åsa@…, changing nothing?"""
    event = make_event(now)
    data = EventData.from_event(event)
    data.organiser_email = "åsa@kommun.se"
    with pytest.raises(ValidationFailed) as refused:
        save_event(event.slug, data, actor=None, now=now)
    assert set(refused.value.errors) == {"organiser_email"}
    with pytest.raises(ValidationFailed):
        save_event(None, data, actor=None, now=now)
    db.session.expire_all()
    assert db.session.get(Event, event.id).organiser_email == ""
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 1


def test_an_account_cannot_get_such_an_address(ctx):
    """Does create_user (``flask users create``) refuse дмитрий@… and make no account?"""
    with pytest.raises(InvalidEmailAddress):
        create_user("дмитрий@example.org", "organiser", "ett långt lösenord")
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_the_command_line_says_why_and_makes_no_account(app):
    """Does ``flask users create åsa@…`` end with the reason and a non-zero exit, and no account?"""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["users", "create", "åsa@example.org", "--role", "organiser",
                                                    "--password", "ett långt lösenord"])
        assert result.exit_code != 0 and "tecken utanför a–z före @" in result.output
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


# Sent in ASCII -----------------------------------------------------------------------------------


def test_an_idn_address_arrives_over_smtp_in_its_ascii_form(ctx, now, smtp_server):
    """Does the SMTP server get RCPT TO and To: with the domain as punycode, for the person as typed?"""
    event = make_event(now)
    result = register(event, now, first_name="Örjan", email="orjan@exempel.åäö.se")
    assert result.registration.email == "orjan@exempel.åäö.se"
    report = deliver_due(now)
    assert len(report.sent) == 1
    [(_sender, recipients)] = smtp_server.recorder.envelopes
    assert recipients == ["orjan@exempel.xn--4cab6c.se"]
    [message] = smtp_server.recorder.messages
    assert message["To"].addresses[0].addr_spec == "orjan@exempel.xn--4cab6c.se"


# Stored before the rule --------------------------------------------------------------------------


def stored_before_the_rule(event, now, address: str) -> Registration:
    """A registration whose address was written before addresses were checked (as an edit used to allow)."""
    booked = register(event, now, 7).registration
    booked.email, booked.email_key = address, address.casefold()
    db.session.commit()
    return booked


def test_such_an_address_stored_earlier_does_not_stop_a_cancellation(ctx, now, event):
    """Can an attendee whose stored address is åsa@… still cancel, with the message kept as failed?"""
    booked = stored_before_the_rule(event, now, "åsa@example.org")
    result = cancellation.cancel_registration(booked.id, now)
    assert result.registration.status == "cancelled"
    [message] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "cancelled")).all()
    assert message.status == OutboxStatus.FAILED and message.server_reply.startswith("Not sent")


def test_such_an_address_does_not_stop_the_deliverer(ctx, now, event, smtp_server):
    """Does a queued message to åsa@… fail for good while the others are delivered, instead of a crash?"""
    booked = stored_before_the_rule(event, now, "åsa@example.org")
    db.session.add(OutboxMessage(kind="reminder", registration_id=booked.id, event_id=event.id,
                                 recipient="åsa@example.org", subject="Påminnelse",
                                 status=OutboxStatus.PENDING, created_at=now, next_attempt_at=now, attempts=0,
                                 server_reply=""))
    db.session.commit()
    report = deliver_due(now)
    assert len(report.failed) == 1 and len(report.sent) == 1  # the other: booked's confirmation
    assert [recipients for _, recipients in smtp_server.recorder.envelopes] == [["anna7@example.org"]]


def test_an_organiser_address_stored_earlier_does_not_stop_registration(ctx, now):
    """If an event has organiser_email åsa@… from before, do registrations still go through (no Reply-To)?"""
    event = make_event(now, organiser_email="åsa@kommun.se")
    result = register(event, now)
    [message] = db.session.scalars(db.select(OutboxMessage)).all()
    assert result.registration.status == "confirmed" and message.status == OutboxStatus.PENDING
    assert "Reply-To" not in written(message)


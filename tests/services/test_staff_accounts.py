"""Staff accounts: invitations and resets by a one-time link, roles, a volunteer's events, deactivation."""
import email
import email.policy
import re
from datetime import timedelta

import pytest
from builders import make_event, make_user, written

from eventapp.extensions import db
from eventapp.models import AuditEntry, CheckinAssignment, OutboxMessage, StaffLink, User
from eventapp.services import staff_accounts
from eventapp.services.accounts import AccountError, authenticate
from eventapp.services.errors import InvalidEmailAddress, ValidationFailed
from eventapp.services.staff_accounts import LinkRefused, StaffData, StaffError

GOOD_PASSWORD = "grusväg kanelbulle fyrtorn"  # noqa: S105


@pytest.fixture
def admin(ctx):
    return make_user("chef@example.org", "admin")


def invite(admin, now, email_address="ny@example.org", role="organiser", event_ids=(), name="Nora Nyberg"):
    return staff_accounts.invite(StaffData(email=email_address, name=name, role=role, event_ids=event_ids),
                                 actor=admin, now=now, language="sv")


def text_of(message: OutboxMessage) -> str:
    return email.message_from_string(written(message), policy=email.policy.default).get_body(
        preferencelist=("plain",)).get_content()


def token_in(message: OutboxMessage) -> str:
    return re.search(r"/login/password/(\S+)", text_of(message)).group(1)


def last_message() -> OutboxMessage:
    return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()


def test_an_invitation_creates_an_account_without_password_and_mails_a_link(admin, now):
    user = invite(admin, now)
    assert (user.email, user.role, user.password_hash, user.active) == ("ny@example.org", "organiser", "", True)
    assert authenticate("ny@example.org", "") is None
    message = last_message()
    assert (message.kind, message.recipient, message.status) == ("staff_invitation", "ny@example.org", "pending")
    assert "Nora Nyberg" in text_of(message) and "organisatör" in text_of(message)
    token = token_in(message)
    link = db.session.scalar(db.select(StaffLink))
    assert link.expires_at == now + timedelta(days=7)
    assert token[12:] not in (link.selector, link.verifier_hash)  # only a hash of the secret is kept
    assert staff_accounts.member(user.id, now).state == "invited"
    assert db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.target_id == user.id)) == "staff.invited"


def test_the_invited_person_chooses_a_password_once(admin, now):
    token = token_in(invite(admin, now) and last_message())
    user = staff_accounts.choose_password(token, GOOD_PASSWORD, GOOD_PASSWORD, now=now + timedelta(days=1))
    assert authenticate("ny@example.org", GOOD_PASSWORD).id == user.id
    assert staff_accounts.member(user.id, now).state == "active"
    with pytest.raises(LinkRefused) as refused:
        staff_accounts.choose_password(token, "ett annat långt lösenord", "ett annat långt lösenord",
                                       now=now + timedelta(days=1))
    assert refused.value.reason == "used"
    assert authenticate("ny@example.org", GOOD_PASSWORD) is not None


@pytest.mark.parametrize(("after", "usable"), [(timedelta(days=7, seconds=-1), True), (timedelta(days=7), False)])
def test_an_invitation_works_until_it_expires(admin, now, after, usable):
    invite(admin, now)
    token = token_in(last_message())
    if usable:
        assert staff_accounts.link_for(token, now + after).purpose == "invitation"
    else:
        with pytest.raises(LinkRefused) as refused:
            staff_accounts.link_for(token, now + after)
        assert (refused.value.reason, refused.value.purpose) == ("expired", "invitation")
        assert staff_accounts.member(db.session.scalar(db.select(User.id).filter_by(email="ny@example.org")),
                                     now + after).state == "invitation_expired"


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x" * 40,
                                    lambda t: t[:12], lambda t: "", lambda t: t + "x" * 200])
def test_a_tampered_or_unknown_link_is_invalid(admin, now, tamper):
    invite(admin, now)
    with pytest.raises(LinkRefused) as refused:
        staff_accounts.link_for(tamper(token_in(last_message())), now)
    assert refused.value.reason == "invalid"


@pytest.mark.parametrize(("password", "repeated", "field"), [
    ("kort", "kort", "password"),
    ("qwertyuiop12", "qwertyuiop12", "password"),
    ("password1234", "password1234", "password"),
    (GOOD_PASSWORD, GOOD_PASSWORD + "x", "repeat"),
    ("x" * 201, "x" * 201, "password"),
])
def test_a_bad_password_is_refused_and_the_link_still_works(admin, now, password, repeated, field):
    invite(admin, now)
    token = token_in(last_message())
    with pytest.raises(AccountError) as refused:
        staff_accounts.choose_password(token, password, repeated, now=now)
    assert refused.value.field == field
    assert db.session.scalar(db.select(User.password_hash).filter_by(email="ny@example.org")) == ""
    assert staff_accounts.link_for(token, now).used_at is None


def test_inviting_an_address_twice_or_a_bad_one_stores_nothing(admin, now):
    invite(admin, now)
    before = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
    with pytest.raises(StaffError):
        invite(admin, now, email_address="NY@example.org")
    with pytest.raises(InvalidEmailAddress):
        invite(admin, now, email_address="inte en adress")
    with pytest.raises(ValidationFailed) as refused:
        invite(admin, now, email_address="tredje@example.org", role="boss")
    assert "role" in refused.value.errors
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2


def test_a_volunteer_is_invited_to_coming_events_only(admin, now):
    coming, past = make_event(now), make_event(now - timedelta(days=60))
    with pytest.raises(ValidationFailed) as refused:
        invite(admin, now, role="checkin", event_ids=(coming.id, past.id))
    assert "events" in refused.value.errors
    user = invite(admin, now, role="checkin", event_ids=(coming.id,))
    assert [e.id for e in staff_accounts.member(user.id, now).events] == [coming.id]


def test_changing_role_and_events_keeps_past_assignments(admin, now):
    first, second, past = make_event(now), make_event(now), make_event(now - timedelta(days=60))
    user = make_user("dorr@example.org", "checkin", events=[first, past])
    changed = staff_accounts.update_member(user.id, StaffData(email="", name="Dörr Dan", role="checkin",
                                                              event_ids=(second.id,)), actor=admin, now=now)
    assert changed["name"] == ["", "Dörr Dan"]
    assert set(db.session.scalars(db.select(CheckinAssignment.event_id).filter_by(user_id=user.id))) == \
        {second.id, past.id}
    staff_accounts.update_member(user.id, StaffData(email="", name="Dörr Dan", role="organiser",
                                                    event_ids=(second.id,)), actor=admin, now=now)
    assert set(db.session.scalars(db.select(CheckinAssignment.event_id).filter_by(user_id=user.id))) == {past.id}


def test_an_administrator_keeps_their_own_role_and_access(admin, now):
    with pytest.raises(ValidationFailed):
        staff_accounts.update_member(admin.id, StaffData(email="", name="", role="organiser"), actor=admin, now=now)
    with pytest.raises(StaffError):
        staff_accounts.set_active(admin.id, False, actor=admin, now=now)
    assert (admin.role, admin.active) == ("admin", True)


def test_a_deactivated_account_cannot_log_in_and_its_links_stop_working(admin, now):
    user = make_user("borta@example.org", "organiser", password=GOOD_PASSWORD)
    staff_accounts.request_password_reset("borta@example.org", now=now, language="sv")
    token = token_in(last_message())
    staff_accounts.set_active(user.id, False, actor=admin, now=now)
    assert authenticate("borta@example.org", GOOD_PASSWORD) is None
    with pytest.raises(LinkRefused):
        staff_accounts.link_for(token, now)
    staff_accounts.request_password_reset("borta@example.org", now=now + timedelta(hours=1), language="sv")
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1  # no new link
    staff_accounts.set_active(user.id, True, actor=admin, now=now)
    assert authenticate("borta@example.org", GOOD_PASSWORD) is not None


def test_a_reset_is_mailed_only_to_a_known_active_address(admin, now):
    make_user("anna@example.org", "finance", password=GOOD_PASSWORD)
    staff_accounts.request_password_reset("okand@example.org", now=now, language="sv")
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    staff_accounts.request_password_reset(" ANNA@example.org ", now=now, language="en")
    message = last_message()
    assert (message.kind, message.recipient) == ("password_reset", "anna@example.org")
    assert "Choose a new password with this link" in text_of(message)
    token = token_in(message)
    assert staff_accounts.link_for(token, now + timedelta(hours=2, seconds=-1)).purpose == "password_reset"
    with pytest.raises(LinkRefused):
        staff_accounts.link_for(token, now + timedelta(hours=2))


def test_a_second_reset_soon_after_sends_nothing_a_later_one_voids_the_first(admin, now):
    make_user("anna@example.org", "finance", password=GOOD_PASSWORD)
    staff_accounts.request_password_reset("anna@example.org", now=now, language="sv")
    first = token_in(last_message())
    staff_accounts.request_password_reset("anna@example.org", now=now + timedelta(minutes=4), language="sv")
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1
    staff_accounts.request_password_reset("anna@example.org", now=now + timedelta(minutes=6), language="sv")
    second = token_in(last_message())
    with pytest.raises(LinkRefused) as refused:
        staff_accounts.link_for(first, now + timedelta(minutes=7))
    assert refused.value.reason == "used"
    user = staff_accounts.choose_password(second, "nytt lösenord för anna", "nytt lösenord för anna",
                                          now=now + timedelta(minutes=8))
    assert authenticate("anna@example.org", "nytt lösenord för anna").id == user.id
    assert authenticate("anna@example.org", GOOD_PASSWORD) is None

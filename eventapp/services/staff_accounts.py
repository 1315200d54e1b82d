"""Staff accounts in the back office: invitations, roles, the events a check-in volunteer works,
deactivation, and choosing a password with a link sent by e-mail (an invitation, or a reset).

A link works once and until it expires; only a hash of its secret is stored, and a newer link of
the same account makes the older ones void. Asking for a reset answers the same whether or not the
address has an account, so the form tells nobody who works here.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..collation import sort_key
from ..extensions import db
from ..models import CheckinAssignment, Event, Role, StaffLink, StaffLinkPurpose, User
from . import audit, staff_mail
from .accounts import check_new_password, hash_password
from .checkin import CHECKIN_CLOSES_AFTER
from .email_addresses import checked_email
from .errors import DomainError, NotFound, ValidationFailed
from .personal_links import new_selector, split_token, verifier_matches

INVITATION_VALID_FOR = timedelta(days=7)
RESET_VALID_FOR = timedelta(hours=2)
#: A second reset asked for this soon after the first sends nothing more (the first is on its way).
RESET_QUIET_PERIOD = timedelta(minutes=5)
NAME_MAX = 200


class StaffError(DomainError):
    code = "staff_error"
    field = "email"


class LinkRefused(DomainError):
    """An invitation or reset link that cannot be used; ``reason`` says why: invalid, used or expired."""

    code = "link_refused"

    def __init__(self, reason: str, purpose: str | None = None):
        super().__init__(LINK_MESSAGES[reason])
        self.reason = reason
        self.purpose = purpose


LINK_MESSAGES = {
    "invalid": _l("This link is not valid. Check that you opened the whole link from the e-mail."),
    "used": _l("This link has already been used, or a newer one has been sent. Each link works once."),
    "expired": _l("This link has expired."),
}


@dataclass(frozen=True)
class StaffData:
    """What an administrator sets on an account."""

    email: str
    name: str
    role: str
    #: The events a check-in volunteer works (ignored for other roles).
    event_ids: tuple[int, ...] = ()


@dataclass
class StaffMember:
    user: User
    #: active, invited, invitation_expired or deactivated
    state: str
    events: list[Event] = field(default_factory=list)

    @property
    def state_label(self):
        return {
            "active": _l("Active"),
            "invited": _l("Invited, has not chosen a password yet"),
            "invitation_expired": _l("The invitation has expired"),
            "deactivated": _l("Deactivated"),
        }[self.state]


# Reading ---------------------------------------------------------------------------------------


def door_events(now: datetime) -> list[Event]:
    """The events a volunteer can be given: not cancelled, check-in not closed, soonest first."""
    return list(db.session.scalars(select(Event).where(
        Event.cancelled_at.is_(None), Event.ends_at > now - CHECKIN_CLOSES_AFTER).order_by(Event.starts_at)))


def staff_list(now: datetime) -> list[StaffMember]:
    """Every account, active ones first, by name (or address), with each volunteer's coming events."""
    users = list(db.session.scalars(select(User)))
    waiting = set(db.session.scalars(select(StaffLink.user_id).where(
        StaffLink.purpose == StaffLinkPurpose.INVITATION, StaffLink.used_at.is_(None), StaffLink.expires_at > now)))
    events: dict[int, list[Event]] = {}
    for user_id, event in db.session.execute(
            select(CheckinAssignment.user_id, Event).join(Event, Event.id == CheckinAssignment.event_id)
            .where(Event.ends_at > now - CHECKIN_CLOSES_AFTER).order_by(Event.starts_at)):
        events.setdefault(user_id, []).append(event)
    members = [StaffMember(user, _state(user, user.id in waiting), events.get(user.id, [])) for user in users]
    return sorted(members, key=lambda m: (m.state == "deactivated", sort_key(m.user.name or m.user.email),
                                          m.user.email))


def member(user_id: int, now: datetime) -> StaffMember:
    """One account as the staff list shows it."""
    user = _user(user_id)
    waiting = db.session.scalar(select(StaffLink.id).where(
        StaffLink.user_id == user.id, StaffLink.purpose == StaffLinkPurpose.INVITATION,
        StaffLink.used_at.is_(None), StaffLink.expires_at > now).limit(1)) is not None
    events = list(db.session.scalars(
        select(Event).join(CheckinAssignment, CheckinAssignment.event_id == Event.id)
        .where(CheckinAssignment.user_id == user.id, Event.ends_at > now - CHECKIN_CLOSES_AFTER)
        .order_by(Event.starts_at)))
    return StaffMember(user, _state(user, waiting), events)


def _state(user: User, invitation_waiting: bool) -> str:
    if not user.active:
        return "deactivated"
    if user.password_hash:
        return "active"
    return "invited" if invitation_waiting else "invitation_expired"


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("The account does not exist."))
    return user


# Changing accounts (administrators) ------------------------------------------------------------


def _validated(data: StaffData, now: datetime) -> StaffData:
    errors: dict[str, list] = {}
    name = " ".join(data.name.split())
    if len(name) > NAME_MAX:
        errors["name"] = [_l("At most %(max)d characters.", max=NAME_MAX)]
    if data.role not in set(Role):
        errors["role"] = [_l("Choose a role.")]
    event_ids: tuple[int, ...] = ()
    if data.role == Role.CHECKIN:
        choosable = {event.id for event in door_events(now)}
        if not set(data.event_ids) <= choosable:
            errors["events"] = [_l("Choose among the events listed.")]
        event_ids = tuple(sorted(set(data.event_ids) & choosable))
    if errors:
        raise ValidationFailed(errors)
    return StaffData(email=data.email, name=name, role=data.role, event_ids=event_ids)


def invite(data: StaffData, *, actor: User, now: datetime, language: str) -> User:
    """Create the account without a password and e-mail its holder a link to choose one."""
    email = checked_email(data.email).lower()
    data = _validated(data, now)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise StaffError(_l("There is already an account for %(email)s.", email=email))
    user = User(email=email, name=data.name, role=data.role, password_hash="", active=True, created_at=now)
    db.session.add(user)
    try:
        audit.record("staff.invited", user, actor=actor, now=now, email=email, role=data.role)
        _set_events(user, data.event_ids, actor=actor, now=now)
        _send_link(user, StaffLinkPurpose.INVITATION, now, language=language, inviter=actor)
        db.session.commit()
    except IntegrityError:  # invited by someone else at the same moment
        db.session.rollback()
        raise StaffError(_l("There is already an account for %(email)s.", email=email)) from None
    return user


def update_member(user_id: int, data: StaffData, *, actor: User, now: datetime) -> dict[str, list]:
    """Change an account's name, role and events; returns {field: [old, new]} of what changed."""
    user = _user(user_id)
    data = _validated(data, now)
    if user.id == actor.id and data.role != user.role:
        raise ValidationFailed({"role": [_l("You cannot change your own role: ask another administrator.")]})
    changed = audit.changes(user, {"name": data.name, "role": data.role})
    if changed:
        audit.record("staff.updated", user, actor=actor, now=now, changes=changed)
    events_changed = _set_events(user, data.event_ids if data.role == Role.CHECKIN else (), actor=actor, now=now)
    if events_changed:
        changed["events"] = events_changed
    db.session.commit()
    return changed


def _set_events(user: User, event_ids: tuple[int, ...], *, actor: User, now: datetime) -> list:
    """Assign the volunteer to exactly these of the coming events (past assignments stay as they were)."""
    db.session.flush()
    coming = {event.id: event for event in door_events(now)}
    current = set(db.session.scalars(select(CheckinAssignment.event_id).where(
        CheckinAssignment.user_id == user.id, CheckinAssignment.event_id.in_(coming))))
    wanted = set(event_ids)
    for event_id in sorted(wanted - current):
        db.session.add(CheckinAssignment(user_id=user.id, event_id=event_id, created_at=now))
        audit.record("checkin.volunteer_assigned", coming[event_id], actor=actor, now=now, event_id=event_id,
                     volunteer=user.email)
    for event_id in sorted(current - wanted):
        db.session.execute(delete(CheckinAssignment).where(
            CheckinAssignment.user_id == user.id, CheckinAssignment.event_id == event_id))
        audit.record("checkin.volunteer_unassigned", coming[event_id], actor=actor, now=now, event_id=event_id,
                     volunteer=user.email)
    return sorted(wanted ^ current)


def set_active(user_id: int, active: bool, *, actor: User | None, now: datetime) -> User:
    """Deactivate an account (it can no longer log in, its links stop working, its sessions end) or take
    it back into use (its old sessions stay ended). ``actor`` is None on the command line."""
    user = _user(user_id)
    if actor is not None and user.id == actor.id and not active:
        raise StaffError(_l("You cannot deactivate your own account."))
    if user.active != active:
        user.active = active
        if not active:
            _void_links(user, now)
            user.session_version += 1
        audit.record("staff.reactivated" if active else "staff.deactivated", user, actor=actor, now=now)
    db.session.commit()
    return user


def invite_again(user_id: int, *, actor: User, now: datetime, language: str) -> User:
    """A new invitation to someone who has not chosen a password yet; earlier links stop working."""
    user = _user(user_id)
    if user.password_hash or not user.active:
        raise StaffError(_l("Only an active account without a password can be invited again."))
    _send_link(user, StaffLinkPurpose.INVITATION, now, language=language, inviter=actor)
    audit.record("staff.invited_again", user, actor=actor, now=now)
    db.session.commit()
    return user


# Links by e-mail -------------------------------------------------------------------------------


def _send_link(user: User, purpose: str, now: datetime, *, language: str, inviter: User | None = None) -> None:
    _void_links(user, now)
    valid_until = now + (INVITATION_VALID_FOR if purpose == StaffLinkPurpose.INVITATION else RESET_VALID_FOR)
    # No secret yet: the worker gives the link one when it writes the e-mail (staff_mail.compose).
    link = StaffLink(user_id=user.id, purpose=purpose, selector=new_selector(), verifier_hash="",
                     created_at=now, expires_at=valid_until)
    db.session.add(link)
    kind = staff_mail.INVITATION if purpose == StaffLinkPurpose.INVITATION else staff_mail.RESET
    staff_mail.queue(kind, user, link, now, language=language, inviter=inviter)


def _void_links(user: User, now: datetime) -> None:
    db.session.flush()
    db.session.execute(update(StaffLink).where(StaffLink.user_id == user.id, StaffLink.used_at.is_(None))
                       .values(used_at=now), execution_options={"synchronize_session": False})


def request_password_reset(email: str, *, now: datetime, language: str) -> None:
    """E-mail a reset link to the active account with this address, if there is one; nothing else
    tells whether there was."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return
    recent = db.session.scalar(select(StaffLink.id).where(
        StaffLink.user_id == user.id, StaffLink.purpose == StaffLinkPurpose.RESET,
        StaffLink.used_at.is_(None), StaffLink.created_at > now - RESET_QUIET_PERIOD).limit(1))
    if recent is not None:
        return
    _send_link(user, StaffLinkPurpose.RESET, now, language=language)
    audit.record("staff.password_reset_sent", user, actor=None, now=now)
    db.session.commit()


def link_for(token: str, now: datetime) -> StaffLink:
    """The usable link of ``token``, or LinkRefused saying why not."""
    parts = split_token(token)
    link = db.session.scalar(select(StaffLink).where(StaffLink.selector == parts[0])) if parts else None
    if link is None or not verifier_matches(parts[1], link.verifier_hash):
        raise LinkRefused("invalid")
    if link.used_at is not None:
        raise LinkRefused("used", link.purpose)
    if now >= link.expires_at:
        raise LinkRefused("expired", link.purpose)
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        raise LinkRefused("invalid")
    return link


def choose_password(token: str, password: str, repeated: str, *, now: datetime) -> User:
    """Set the password of the link's account and use the link up; returns the account."""
    link = link_for(token, now)
    user = db.session.get(User, link.user_id)
    check_new_password(password, repeated, user_inputs=[user.email, user.name])
    # Used up by a conditional update, so that two sends of the same link cannot both set a password.
    taken = db.session.execute(update(StaffLink).where(StaffLink.id == link.id, StaffLink.used_at.is_(None))
                               .values(used_at=now), execution_options={"synchronize_session": False}).rowcount
    if taken != 1:
        db.session.rollback()
        raise LinkRefused("used", link.purpose)
    user.password_hash = hash_password(password)
    # A reset after a lost or stolen password: the sessions it was logged in with end (this one starts anew).
    user.session_version += 1
    _void_links(user, now)
    audit.record("staff.password_chosen", user, actor=user, now=now, purpose=link.purpose)
    db.session.commit()
    return user

"""Back-office accounts: creation, the password policy, password checks (argon2id, OWASP parameters),
and ending an account's sessions."""
from collections.abc import Sequence
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from zxcvbn import zxcvbn

from ..extensions import db
from ..ids import parse_id
from ..models import Role, User
from . import audit
from .email_addresses import checked_email
from .errors import DomainError, NotFound

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4 (RFC 9106 second recommendation)
#: Verified when the address is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

MIN_PASSWORD_LENGTH = 12
#: Longer is refused: hashing a megabyte on every login attempt is work an attacker should not get for free.
MAX_PASSWORD_LENGTH = 200
#: zxcvbn's score from 0 (guessed at once) to 4; 3 resists an offline attack on a stolen hash for long.
MIN_PASSWORD_SCORE = 3
#: zxcvbn knows English words, names and passwords; these are the Swedish ones people reach for.
SWEDISH_WORDS = ("lösenord", "losenord", "hemligt", "hemlig", "välkommen", "valkommen", "sommar", "vinter",
                 "hösten", "våren", "sverige", "stockholm", "göteborg", "malmö", "kommun", "anmälan",
                 "konferens", "eventapp")


class AccountError(DomainError):
    code = "account_error"


class WeakPassword(AccountError):
    code = "weak_password"
    field = "password"


def check_password_policy(password: str, *, user_inputs: Sequence[str] = ()) -> str:
    """The password, or WeakPassword when it is short or easy to guess: common, a word with a few
    digits, a pattern such as "aaaaaaaaaaaa" or "qwertyuiop", or built from ``user_inputs`` (the
    account's address and name, known to an attacker).

    Every password an account gets goes through here: made on the command line, chosen with an
    invitation or a reset link, or changed.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(_l("At most %(max)d characters.", max=MAX_PASSWORD_LENGTH))
    inputs = [part for text in user_inputs for part in text.replace("@", " ").replace(".", " ").split()]
    # zxcvbn's own limit; what comes after the first 72 characters only makes a password stronger.
    if zxcvbn(password[:72], user_inputs=[*inputs, *SWEDISH_WORDS])["score"] < MIN_PASSWORD_SCORE:
        raise WeakPassword(_l("That password is too easy to guess. Use several words that do not belong "
                              "together, or a password manager."))
    return password


def check_new_password(password: str, repeated: str, *, user_inputs: list[str]) -> str:
    """A password a person chose for themself, or AccountError beside the field that is wrong."""
    check_password_policy(password, user_inputs=user_inputs)
    if password != repeated:
        raise AccountError(_l("The two passwords are not the same."), field="repeat")
    return password


def create_user(email: str, role: str, password: str, name: str = "") -> User:
    email = checked_email(email).lower()
    check_password_policy(password, user_inputs=[email, name])
    return _add_user(email, role, password, name)


def create_demo_user(email: str, role: str, password: str, name: str = "") -> User:
    """An account of the demo, whose password is printed for anyone to use: not held to the policy
    (``seed-demo`` is refused in production)."""
    return _add_user(checked_email(email).lower(), role, password, name)


def _add_user(email: str, role: str, password: str, name: str) -> User:
    if role not in set(Role):
        raise AccountError(_l("Unknown role %(role)s.", role=role))
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise AccountError(_l("There is already an account for %(email)s.", email=email))
    user = User(email=email, role=role, name=name, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this address and password, or None."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()
    return user


# Sessions -----------------------------------------------------------------------------------------


def user_for_session(session_id: str) -> User | None:
    """The account a session was logged in to (``User.get_id``), while that session has not been ended."""
    raw_id, _, version = session_id.partition(":")
    user_id = parse_id(raw_id)
    if user_id is None or not (version.isascii() and version.isdigit() and len(version) <= 10):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.session_version == int(version) else None


def end_sessions(user_id: int) -> None:
    """End every session of the account, on every browser (its next request finds itself logged out)."""
    db.session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))
    db.session.commit()


def account_by_email(email: str) -> User:
    """The account with this address, or NotFound."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(_l("There is no account for %(email)s.", email=email.strip()))
    return user


def change_password(email: str, password: str, *, actor: User | None, now: datetime) -> User:
    """Give the account a new password (held to the policy) and end its sessions."""
    user = account_by_email(email)
    check_password_policy(password, user_inputs=[user.email, user.name])
    user.password_hash = _hasher.hash(password)
    user.session_version += 1
    audit.record("account.password_changed", user, actor=actor, now=now)
    db.session.commit()
    return user

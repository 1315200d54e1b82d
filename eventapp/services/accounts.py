"""Back-office accounts: creation and password checks (argon2id, OWASP parameters)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from zxcvbn import zxcvbn

from ..extensions import db
from ..models import Role, User
from .email_addresses import checked_email
from .errors import DomainError

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4 (RFC 9106 second recommendation)
#: Verified when the address is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
#: zxcvbn's score from 0 (guessed at once) to 4; 3 resists an offline attack on a stolen hash for long.
MIN_PASSWORD_SCORE = 3


class AccountError(DomainError):
    code = "account_error"


def create_user(email: str, role: str, password: str, name: str = "") -> User:
    email = checked_email(email).lower()
    if role not in set(Role):
        raise AccountError(_l("Unknown role %(role)s.", role=role))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise AccountError(_l("There is already an account for %(email)s.", email=email))
    user = User(email=email, role=role, name=name, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def check_new_password(password: str, repeated: str, *, user_inputs: list[str]) -> str:
    """A password a person chose for themself, or AccountError beside the field that is wrong.

    Strength is zxcvbn's estimate, which knows common passwords, names, dates and keyboard patterns;
    ``user_inputs`` (the address, the name) count as known to an attacker.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
                           field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_l("At most %(max)d characters.", max=MAX_PASSWORD_LENGTH), field="password")
    inputs = [part for text in user_inputs for part in text.replace("@", " ").replace(".", " ").split()]
    if zxcvbn(password[:72], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(_l("That password is too easy to guess. Use several words that do not belong "
                              "together, or a password manager."), field="password")
    if password != repeated:
        raise AccountError(_l("The two passwords are not the same."), field="repeat")
    return password


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

"""Back-office accounts: the password policy, and ending an account's sessions."""
import pytest

from eventapp.extensions import db
from eventapp.services import accounts
from eventapp.services.accounts import WeakPassword, create_user
from eventapp.services.errors import NotFound


@pytest.mark.parametrize("password", [
    "aaaaaaaaaa",             # accepted before: ten characters were enough
    "aaaaaaaaaaaa",           # long enough, a single repeated character
    "kVx9#mQ2!pL",            # strong, but a character short of twelve
    "password1234", "qwertyuiopas", "123456789012",
    "Lösenord1234", "Stockholm2025",  # Swedish words with digits
    "organisator2024",        # the account's own address
])
def test_weak_passwords_are_refused(ctx, password):
    with pytest.raises(WeakPassword):
        create_user("organisator@example.org", "organiser", password)
    assert db.session.scalar(db.select(db.func.count()).select_from(accounts.User)) == 0


@pytest.mark.parametrize("password", ["kVx9#mQ2!pLz", "ett långt lösenord", "kaffe och kanelbulle"])
def test_long_passwords_that_are_hard_to_guess_are_accepted(ctx, password):
    user = create_user("organisator@example.org", "organiser", password)
    assert accounts.authenticate("organisator@example.org", password) == user


def test_the_policy_says_why_in_swedish(ctx):
    with pytest.raises(WeakPassword, match="minst 12 tecken"):
        accounts.check_password_policy("kort")
    with pytest.raises(WeakPassword, match="för lätt att gissa"):
        accounts.check_password_policy("aaaaaaaaaaaa")


def test_a_very_long_password_is_refused_rather_than_hashed(ctx):
    with pytest.raises(WeakPassword):
        accounts.check_password_policy("ett långt lösenord " * 20)


def test_the_command_line_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "ny@example.org", "--role", "organiser",
                                                "--password", "aaaaaaaaaa"])
    assert result.exit_code == 1
    assert "minst 12 tecken" in result.output


def test_a_new_password_is_held_to_the_policy_and_moves_the_session_version(ctx, now):
    user = create_user("organisator@example.org", "organiser", "ett långt lösenord")
    with pytest.raises(WeakPassword):
        accounts.change_password("organisator@example.org", "aaaaaaaaaaaa", actor=None, now=now)
    assert user.session_version == 0
    accounts.change_password("organisator@example.org", "tre nya ord i rad", actor=None, now=now)
    assert user.session_version == 1
    assert accounts.authenticate("organisator@example.org", "ett långt lösenord") is None
    assert accounts.authenticate("organisator@example.org", "tre nya ord i rad") == user


def test_a_session_is_found_only_under_its_own_version(ctx, now):
    user = create_user("organisator@example.org", "organiser", "ett långt lösenord")
    session_id = user.get_id()
    assert accounts.user_for_session(session_id) == user
    accounts.end_sessions(user.id)
    assert accounts.user_for_session(session_id) is None
    assert accounts.user_for_session(user.get_id()) == user


def test_a_new_password_for_an_unknown_account_says_so(ctx, now):
    with pytest.raises(NotFound, match="nobody@example.org"):
        accounts.change_password("nobody@example.org", "tre nya ord i rad", actor=None, now=now)

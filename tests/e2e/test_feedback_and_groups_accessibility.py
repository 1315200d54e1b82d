"""The feedback form and its results, and the groups pages with table wishes: no WCAG 2.1 A/AA
violation axe-core can find at 375 and 1280 px, nothing wider than the screen at 320 px.

Screenshots of each state are saved under tests/e2e/screenshots/ for review.
"""
from datetime import timedelta

import pytest
from builders import make_event, register

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import GroupSeat, TableGroup
from eventapp.services import feedback, grouping
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData

from .helpers import check_both_widths

PEOPLE = [("Åsa", "Öberg", "Nacka kommun"), ("Mahmoud", "Rahimi", "Migrationsverket"),
          ("Ingrid", "Lund", "Nacka kommun"), ("Leyla", "Karimi", "Region Skåne"), ("Bo", "Ek", "Svenska kyrkan")]
GOOD = ["Samtalen vid borden, och att vi fick träffa kollegor från andra kommuner.", "", "Föreläsningen om klarspråk."]
BETTER = ["Längre pauser.", "Lokalen var för varm på eftermiddagen och ljudet i den bakre delen av salen var dåligt.",
          ""]


def held_forum(in_app, named: bool = False, answered: bool = True) -> tuple[str, str]:
    """(slug, token of Åsa's link) of a World café forum that started an hour ago, with table wishes,
    proposed groups and, with ``answered``, three people's feedback."""
    with in_app():
        now = utcnow()
        event = make_event(now - timedelta(days=30), kind="forum", starts_at=now - timedelta(hours=1), capacity=40,
                           title="Strategiskt forum för nyanländas etablering",
                           feedback_questions=["Hur var lokalen?", "Hur var maten?"], feedback_named=named)
        data = EventData.from_event(event)
        data.questions = [QuestionData("Vilket bord vill du börja vid?", ["Bostad", "Arbete", "Hälsa"])]
        save_event(event.slug, data, actor=None, now=now)
        table = event.questions[0]
        registrations = [register(event, now - timedelta(days=20), n, first_name=first, last_name=last,
                                  organisation=organisation,
                                  answers={table.id: ["Bostad", "Arbete", "Hälsa"][n % 3]})
                         for n, (first, last, organisation) in enumerate(PEOPLE)]
        grouping.propose_groups(event.id, 2, actor=None, now=now, wish_question_id=table.id)
        first = db.session.get(TableGroup, db.session.get(GroupSeat, registrations[0].registration.id).group_id)
        grouping.name_group(event, first.id, first.name, "Leyla Rahimi", actor=None, now=now)
        if answered:
            for n, result in enumerate(registrations[:3]):
                feedback.give_feedback(result.registration.id, feedback.FeedbackAnswer(
                    5 - n, GOOD[n], BETTER[n], {"Hur var lokalen?": 3 + n % 2}), now=now)
        return event.slug, registrations[0].token


def feedback_form(page, in_app):
    _slug, token = held_forum(in_app, answered=False)
    page.goto(f"/r/{token}/feedback")


def feedback_form_with_errors(page, in_app):
    _slug, token = held_forum(in_app, answered=False)
    page.goto(f"/r/{token}/feedback")
    page.get_by_role("button", name="Skicka synpunkter").click()
    page.locator("#error-summary").wait_for()


def feedback_form_sent(page, in_app):
    _slug, token = held_forum(in_app, answered=False)
    page.goto(f"/r/{token}/feedback")
    page.get_by_role("group", name="Hur var evenemanget som helhet?").get_by_label("4 – Mycket bra").check()
    page.get_by_label("Vad var bra? (frivilligt)").fill("Samtalen vid borden.")
    page.get_by_role("button", name="Skicka synpunkter").click()
    page.get_by_text("Tack för dina synpunkter!").wait_for()


def feedback_form_not_yet_open(page, in_app):
    with in_app():
        token = register(make_event(utcnow()), utcnow()).token
    page.goto(f"/r/{token}/feedback")


def personal_page_during_the_event(page, in_app):
    _slug, token = held_forum(in_app)
    page.goto(f"/r/{token}")


PUBLIC = [feedback_form, feedback_form_with_errors, feedback_form_sent, feedback_form_not_yet_open,
          personal_page_during_the_event]


@pytest.mark.parametrize("state", PUBLIC, ids=[state.__name__ for state in PUBLIC])
def test_feedback_form_has_no_wcag_violations(page, in_app, state):
    state(page, in_app)
    check_both_widths(page, state.__name__.replace("_", "-"))


def feedback_results(page, in_app):
    slug, _token = held_forum(in_app)
    page.goto(f"/admin/events/{slug}/feedback")


def feedback_results_named(page, in_app):
    slug, _token = held_forum(in_app, named=True)
    page.goto(f"/admin/events/{slug}/feedback")


def feedback_results_empty(page, in_app):
    slug, _token = held_forum(in_app, answered=False)
    page.goto(f"/admin/events/{slug}/feedback")


def groups_with_wishes_edited(page, in_app):
    slug, _token = held_forum(in_app)
    page.goto(f"/admin/events/{slug}/groups")
    move = page.locator("form", has=page.get_by_label("Flytta Åsa Öberg till"))
    move.get_by_label("Flytta Åsa Öberg till").select_option(label="Grupp 3: Hälsa")
    move.get_by_role("button", name="Flytta").click()
    page.get_by_label("Ersätt grupperna som har ändrats för hand").wait_for()


def groups_refused_without_confirmation(page, in_app):
    groups_with_wishes_edited(page, in_app)
    page.get_by_role("button", name="Gör ett nytt förslag").click()
    page.locator("#error-summary").wait_for()


def groups_print(page, in_app):
    slug, _token = held_forum(in_app)
    page.goto(f"/admin/events/{slug}/groups/print")


BACK_OFFICE = [feedback_results, feedback_results_named, feedback_results_empty, groups_with_wishes_edited,
               groups_refused_without_confirmation, groups_print]


@pytest.mark.parametrize("state", BACK_OFFICE, ids=[state.__name__ for state in BACK_OFFICE])
def test_feedback_results_and_groups_have_no_wcag_violations(page, in_app, log_in, state):
    log_in(page, "organiser")
    state(page, in_app)
    check_both_widths(page, "back-office-" + state.__name__.replace("_", "-"))


def test_an_attendee_on_a_phone_gives_feedback_and_the_organiser_reads_it(new_page, in_app, log_in):
    """The journey: from the personal page to the form on a phone, then the organiser's results."""
    slug, token = held_forum(in_app, answered=False)
    phone = new_page({"width": 375, "height": 740})
    phone.goto(f"/r/{token}")
    phone.get_by_role("link", name="Berätta vad du tyckte om evenemanget").click()
    phone.get_by_role("group", name="Hur var evenemanget som helhet?").get_by_label("5 – Utmärkt").check()
    phone.get_by_role("group", name="Hur var lokalen? (frivilligt)").get_by_label("2 – Godtagbart").check()
    phone.get_by_label("Vad kunde ha varit bättre? (frivilligt)").fill("Mer luft i salen – <b>tack</b>")
    phone.get_by_role("button", name="Skicka synpunkter").click()
    phone.get_by_text("Tack för dina synpunkter!").wait_for()

    desk = new_page()
    log_in(desk, "organiser")
    desk.goto(f"/admin/events/{slug}/feedback")
    desk.get_by_text("1 person har lämnat synpunkter").wait_for()
    assert desk.get_by_text("Mer luft i salen – <b>tack</b>").is_visible()
    assert desk.get_by_role("heading", name="Hur var lokalen? (snitt 2,0, 1 svar)").is_visible()
    assert "Åsa" not in desk.content()  # anonymous

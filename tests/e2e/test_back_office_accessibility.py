"""The back office's menu, the overview and its archive, and every tab of an event: no WCAG 2.1 A/AA
violation axe-core can find at 375 and 1280 px, nothing wider than the screen at 320 px.

Screenshots of each state are saved under tests/e2e/screenshots/ for review.
"""
from datetime import timedelta

import pytest
from builders import make_event, register
from invoice_builders import attended, no_show, past_event

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage
from eventapp.services.events import EventData, save_event
from eventapp.services.questions import QuestionData

from .helpers import check_both_widths


def forum(in_app, published: bool = True, **fields) -> str:
    """A forum with questions of every kind and a few answers; its slug."""
    with in_app():
        now = utcnow()
        event = make_event(now, kind="forum", title="Strategiskt forum för nyanländas etablering",
                           title_en="Strategic forum", capacity=40, **fields)
        data = EventData.from_event(event)
        data.questions = [
            QuestionData("Vilken målgrupp tillhör du?", ["Chef", "Strateg", "Handläggare"], required=True,
                         text_en="Which target group?", choices_en=["Manager", "Strategist", "Officer"]),
            QuestionData("Vilka bord?", ["Bostad", "Arbete", "Hälsa"], kind="choices"),
            QuestionData("Vill du äta lunch?", kind="yes_no"),
            QuestionData("Något mer?", kind="long_text", help_text="Till exempel tillgänglighet."),
        ]
        save_event(event.slug, data, actor=None, now=now)
        group, tables, lunch, _ = (q.id for q in event.questions)
        for n, (who, where, food) in enumerate([("Chef", "Bostad\nHälsa", "yes"), ("Strateg", "Arbete", "no"),
                                                ("Chef", "", "yes")], start=1):
            answers = {group: who, tables: where, lunch: food}
            register(event, now, n, first_name=["Åsa", "Mahmoud", "Ingrid"][n - 1], answers=answers)
        event.published = published
        db.session.commit()
        return event.slug


def ended(in_app) -> str:
    with in_app():
        event, registered_at = past_event(utcnow(), title="Nowa Nyfiken på Almedalen", kind="seminar", city="Göteborg")
        attended(event, registered_at, 1, first_name="Mahmoud", last_name="Rahimi")
        no_show(event, registered_at, 2, first_name="Bo", last_name="Berg")
        return event.slug


def overview(page, in_app):
    forum(in_app)
    with in_app():
        make_event(utcnow(), title="Vilka är vi?", kind="course", published=False)
    ended(in_app)
    page.goto("/admin/")


def archive_search(page, in_app):
    ended(in_app)
    page.goto("/admin/archive?q=goteborg")


def archive_empty(page, in_app):
    page.goto("/admin/archive?q=finns+inte")


def event_overview(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}")


def event_editor(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}/edit")


def event_editor_new(page, in_app):
    page.goto("/admin/events/new")


def attendees(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}/attendees")


def statistics(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}/statistics")


def badges(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}/badges/")


def door(page, in_app):
    now = utcnow()
    slug = forum(in_app, starts_at=now + timedelta(hours=1), registration_deadline=now + timedelta(minutes=30))
    page.goto(f"/checkin/{slug}")


def groups(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}/groups")


def no_shows(page, in_app):
    page.goto(f"/admin/events/{ended(in_app)}/no-shows")


def change_log(page, in_app):
    page.goto(f"/admin/events/{forum(in_app)}/log")


def preview_english(page, in_app):
    page.goto(f"/admin/events/{forum(in_app, published=False)}/preview?lang=en")


def no_show_fees(page, in_app):
    ended(in_app)
    page.goto("/admin/no-shows")


def privacy_requests(page, in_app):
    page.goto("/admin/privacy")


def outbox(page, in_app):
    forum(in_app)
    page.goto("/admin/outbox/")


def outbox_message(page, in_app):
    forum(in_app)
    with in_app():
        message_id = db.session.scalar(db.select(db.func.min(OutboxMessage.id)))
    page.goto(f"/admin/outbox/{message_id}")


STATES = [overview, archive_search, archive_empty, event_overview, event_editor, event_editor_new, attendees,
          statistics, badges, door, groups, no_shows, change_log, preview_english, no_show_fees, privacy_requests,
          outbox, outbox_message]


@pytest.mark.parametrize("state", STATES, ids=[state.__name__ for state in STATES])
def test_back_office_page_has_no_wcag_violations(page, in_app, log_in, state):
    log_in(page, "admin")
    state(page, in_app)
    check_both_widths(page, "back-office-" + state.__name__.replace("_", "-"))


@pytest.mark.parametrize(("role", "path"), [("finance", "/finance/"), ("checkin", "/checkin/")])
def test_each_roles_start_page_with_its_menu_has_no_wcag_violations(page, log_in, role, path):
    log_in(page, role)
    page.goto(path)
    check_both_widths(page, f"back-office-{role}-start")

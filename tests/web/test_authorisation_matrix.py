"""Who may do what: every endpoint of the app, for every role and for anonymous visitors.

The test walks ``app.url_map``: an endpoint without a line in EXPECTED fails, so a new page or
API call cannot arrive without saying who may use it. Every refused request must leave the
database exactly as it was.

Adding an endpoint: add ``"blueprint.view": <rule>`` to EXPECTED (a rule for all its methods, or
{"GET": …, "POST": …}) and, for a new URL argument, a value in ``url_values``.
"""
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register
from conftest import REFERENCE_TABLES, csrf_token

from config import TestingConfig
from eventapp import create_app
from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage
from eventapp.services.api_tokens import create_token

#: The people who come to the site: anonymous, each role, and a volunteer assigned to another event.
ROLES = ("anonymous", "finance", "checkin", "checkin_elsewhere", "organiser", "admin")
OK, LOGIN, FORBIDDEN, UNAUTHORISED = "allowed", "redirect to login", "403", "401"


def everyone() -> dict:
    return dict.fromkeys(ROLES, OK)


def back_office(*roles: str) -> dict:
    """A page behind the login: anonymous visitors are sent to log in; other roles get 403."""
    allowed = {"admin", *roles}
    if "checkin" in roles:
        allowed.add("checkin_elsewhere")
    return {role: LOGIN if role == "anonymous" else OK if role in allowed else FORBIDDEN for role in ROLES}


def door(*, organiser_only: bool = False) -> dict:
    """A page of one event's check-in: organisers, and the volunteers assigned to that event."""
    rules = back_office("organiser", "checkin")
    rules["checkin_elsewhere"] = FORBIDDEN
    if organiser_only:
        rules["checkin"] = FORBIDDEN
    return rules


def api(*roles: str, door_only: bool = False) -> dict:
    """An API call: no token is 401, a role without access 403."""
    allowed = {"admin", *roles}
    if "checkin" in roles and not door_only:
        allowed.add("checkin_elsewhere")
    return {role: UNAUTHORISED if role == "anonymous" else OK if role in allowed else FORBIDDEN for role in ROLES}


EXPECTED = {
    "static": everyone(),
    "theme.stylesheet": everyone(),
    # Public pages and the attendee's personal link.
    "public.index": everyone(),
    "public.event_page": everyone(),
    "public.register": everyone(),
    "public.registered": everyone(),
    "public.resend": everyone(),
    "public.booked": everyone(),
    "groups.group_page": everyone(),
    "groups.add": everyone(),
    "groups.cancel": everyone(),
    "groups.transfer": everyone(),
    "invoice_details.proposed": everyone(),
    "manage.personal_page": everyone(),
    "manage.cancel": everyone(),
    "manage.transfer": everyone(),
    "manage.change_sessions": everyone(),
    "certificates.download": everyone(),
    "certificates.verify": everyone(),
    "manage.feedback": everyone(),
    "manage.edit": everyone(),
    "auth.login": everyone(),
    "auth.logout": everyone(),
    "auth.reset_password": everyone(),
    "auth.choose_password": everyone(),
    # Back office.
    "admin.dashboard": back_office("organiser"),
    "admin.archive": back_office("organiser"),
    "admin.preview_event": back_office("organiser"),
    "admin.preview_registration": back_office("organiser"),
    "admin.add_attendee": back_office("organiser"),
    "admin.attendee_list_page": back_office("organiser"),
    "admin.audit_log": back_office("organiser"),
    "admin.cancel_attendee": back_office("organiser"),
    "admin.cancel_event": back_office("organiser"),
    "admin.copy_event": back_office("organiser"),
    "admin.door_list": back_office("organiser"),
    "admin.edit_attendee": back_office("organiser"),
    "admin.edit_event": back_office("organiser"),
    "admin.event_overview": back_office("organiser"),
    "admin.export_attendees": back_office("organiser"),
    "admin.new_event": back_office("organiser"),
    "admin.promote_attendee": back_office("organiser"),
    "admin.bulk_action": back_office("organiser"),
    "admin.publish_event": back_office("organiser"),
    "admin.statistics": back_office("organiser"),
    "admin.unpublish_event": back_office("organiser"),
    "admin.groups": back_office("organiser"),
    "admin.move_to_group": back_office("organiser"),
    "admin.name_group": back_office("organiser"),
    "certificates.for_event": back_office("organiser"),
    "admin.print_groups": back_office("organiser"),
    "admin.feedback_results": back_office("organiser"),
    "admin.feedback_csv": back_office("organiser"),
    "admin.messages_page": back_office("organiser"),
    "admin.compose_message": back_office("organiser"),
    "admin.cancel_message": back_office("organiser"),
    "admin.email_texts_page": back_office("organiser"),
    "admin.edit_email_text": back_office("organiser"),
    # Check-in at the door.
    "checkin.index": back_office("organiser", "checkin"),
    "checkin.door": door(),
    "checkin.results": door(),
    "checkin.not_arrived": door(),
    "checkin.check_in_by_code": door(),
    "checkin.check_in": door(),
    "checkin.undo": door(),
    "checkin.walk_in": door(),
    "checkin.volunteers": door(organiser_only=True),
    "checkin.remove_volunteer": door(organiser_only=True),
    # Name badges.
    "badges.badge_page": back_office("organiser"),
    "badges.start_badge_run": back_office("organiser"),
    "badges.preview": back_office("organiser"),
    "badges.upload_logo": back_office("organiser"),
    "badges.remove_logo": back_office("organiser"),
    "badges.run_page": back_office("organiser"),
    "badges.run_pdf": back_office("organiser"),
    "badges.walk_in_badge": door(),
    # REST API.
    "api.openapi_document": everyone(),
    "api.list_events": api("organiser", "finance"),
    "api.show_event": api("organiser", "finance"),
    "api.put_event": api("organiser"),
    "api.list_registrations": api("organiser", "checkin", door_only=True),
    "api.checkin_counts": api("organiser", "checkin", door_only=True),
    "api.create_checkin": api("organiser", "checkin", door_only=True),
    "api.delete_checkin": api("organiser", "checkin", door_only=True),
    "api.create_message": api("organiser"),
    "api.list_no_shows": api("organiser", "finance"),
    "api.approve_no_shows": api("organiser"),
    "api.issue_invoices": api("finance"),
    "api.list_event_invoices": api("finance"),
    "api.show_invoice": api("finance"),
    "api.invoice_pdf_document": api("finance"),
    "api.invoice_xml_document": api("finance"),
    # No-show review (organisers) and invoicing (finance).
    "noshows.index": back_office("organiser"),
    "noshows.no_show_list": back_office("organiser"),
    "noshows.waive": back_office("organiser"),
    "noshows.approve": back_office("organiser"),
    "noshows.vat_treatment": back_office("organiser"),
    "finance.invoices": back_office("finance"),
    "finance.issue": back_office("finance"),
    "finance.issue_bookings": back_office("finance"),
    "finance.update_buyer": back_office("finance"),
    "finance.invoice_page": back_office("finance"),
    "finance.mark_sent": back_office("finance"),
    "finance.email_invoice": back_office("finance"),
    "finance.record_payment": back_office("finance"),
    "finance.record_refund": back_office("finance"),
    "finance.credit": back_office("finance"),
    "finance.invoice_pdf_download": back_office("finance"),
    "finance.invoice_xml_download": back_office("finance"),
    "finance.export_csv": back_office("finance"),
    "finance.export_sie": back_office("finance"),
    # Operations and personal data.
    "health.healthz": everyone(),
    "privacy.notice": everyone(),
    "privacy.requests": back_office("organiser"),
    # Calendars and outgoing e-mail.
    "calendar.event_calendar": everyone(),
    "calendar.feed": everyone(),
    "outbox.index": back_office("organiser"),
    "outbox.message": back_office("organiser"),
    "outbox.message_html": back_office("organiser"),
    "outbox.retry": back_office("organiser"),
    # Staff accounts: administrators only.
    "staff.index": back_office(),
    "staff.invite": back_office(),
    "staff.edit": back_office(),
    "staff.deactivate": back_office(),
    "staff.reactivate": back_office(),
    "staff.invite_again": back_office(),
}


def endpoints(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_endpoint_has_expectations(app):
    """A new endpoint must say who may use it."""
    missing = sorted({rule.endpoint for rule, _ in endpoints(app)} - set(EXPECTED))
    assert not missing, "add these endpoints to EXPECTED in " + __file__ + ": " + ", ".join(missing)
    stale = sorted(set(EXPECTED) - {rule.endpoint for rule, _ in endpoints(app)})
    assert not stale, "EXPECTED names endpoints that no longer exist: " + ", ".join(stale)


@pytest.fixture
def world(app):
    """An event happening now, a registration with its personal link, an account and token per role."""
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30))  # starts now: its door is open
        elsewhere = make_event(now)
        result = register(event, now - timedelta(days=20))
        users = {
            "finance": make_user("finance@example.org", "finance"),
            "checkin": make_user("checkin@example.org", "checkin", events=[event]),
            "checkin_elsewhere": make_user("annan@example.org", "checkin", events=[elsewhere]),
            "organiser": make_user("organiser@example.org", "organiser"),
            "admin": make_user("admin@example.org", "admin"),
        }
        volunteer = make_user("ledig@example.org", "checkin", events=[event])
        tokens = {role: create_token(user.email, now=now)[1] for role, user in users.items()}
        return {
            "user_ids": {role: user.id for role, user in users.items()},
            "tokens": tokens,
            "url_values": {
                "slug": event.slug, "token": result.token, "registration_id": result.registration.id,
                "code": result.registration.check_in_code, "user_id": volunteer.id, "filename": "style.css",
                "run_id": 1,
                "fmt": "csv", "group_id": 1, "number": 1, "kind": "confirmation", "language": "sv",
                "message_id": db.session.scalar(db.select(db.func.min(OutboxMessage.id))),
            },
        }


def url_for_rule(rule, values: dict) -> str:
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, f"add a value for {missing} of {rule.rule} to url_values in the world fixture"
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


def database_state(app) -> dict:
    """Every row of every table the app writes to (tokens excepted: using one notes when)."""
    with app.app_context():
        state = {}
        for table in db.metadata.sorted_tables:
            if table.name in REFERENCE_TABLES or table.name == "api_token":
                continue
            rows = db.session.execute(table.select()).all()
            state[table.name] = sorted(repr(tuple(row)) for row in rows)
        db.session.remove()
        return state


def outcome(response) -> str:
    if response.status_code == 401:
        return UNAUTHORISED
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    return OK


def ask(app, world, rule, method, role):
    client = app.test_client()
    url = url_for_rule(rule, world["url_values"])
    is_api = rule.endpoint.startswith("api.")
    headers = {}
    if role != "anonymous":
        if is_api:
            headers["Authorization"] = f"Bearer {world['tokens'][role]}"
        else:
            log_in(client, world["user_ids"][role])
    kwargs = {}
    if method != "GET":
        kwargs = {"json": {}} if is_api else {"data": {"csrf_token": csrf_token(client, "/login")}}
    response = client.open(url, method=method, headers=headers, **kwargs)
    response.close()
    return response


class _UrlMapOnly(TestingConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"


#: (endpoint, method) of the app, known when the tests are collected.
ENDPOINT_METHODS = sorted({(rule.endpoint, method) for rule, method in endpoints(create_app(_UrlMapOnly))
                           if rule.endpoint in EXPECTED})


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINT_METHODS)
def test_who_may_do_what(app, world, endpoint, method):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint and method in rule.methods]
    expected = EXPECTED[endpoint]
    expected = expected.get(method, expected) if method in expected else expected
    for rule in rules:
        for role in ROLES:
            before = database_state(app)
            response = ask(app, world, rule, method, role)
            assert response.status_code < 500, f"{method} {rule.rule} as {role}: {response.status_code}"
            assert outcome(response) == expected[role], (
                f"{method} {rule.rule} as {role}: {response.status_code} {response.headers.get('Location', '')}")
            if expected[role] != OK:
                assert database_state(app) == before, f"{method} {rule.rule} as {role} changed the database"

"""Sessions to choose, a leader checking in at a course's second meeting on a phone, and the
certificate of attendance, in a real browser; the new pages checked by axe at 375 and 1280 px."""
import re
from datetime import timedelta
from email import message_from_string

from builders import make_event, register

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import Event, EventSession, OutboxMessage, SessionChoice
from eventapp.services import certificates, checkin

from .conftest import PHONE, SCREENSHOTS
from .helpers import check_both_widths


def conference(in_app, *, full=False) -> dict:
    """A conference in a month with two afternoon workshops at the same time and one later."""
    with in_app():
        now = utcnow()
        event = make_event(now, title="Kommunikation och integration", capacity=120)
        afternoon = event.starts_at + timedelta(hours=5)
        for title, start, places in (("Workshop: Klarspråk", afternoon, 1 if full else 10),
                                     ("Workshop: Sociala medier", afternoon, 10),
                                     ("World café", afternoon + timedelta(hours=2), None)):
            db.session.add(EventSession(event_id=event.id, title=title, starts_at=start,
                                        ends_at=start + timedelta(hours=1, minutes=30), choosable=True,
                                        capacity=places))
        db.session.commit()
        token = None
        if full:
            token = register(event, now, 1, sessions=(event.sessions[0].id,)).token
        return {"slug": event.slug, "token": token}


def course(in_app) -> dict:
    """Avesta's five weekly meetings; the second is going on now and Åsa came to the first."""
    with in_app():
        now = utcnow()
        first = now - timedelta(weeks=1, minutes=10)
        event = make_event(now - timedelta(days=40), kind="course", title="Vilka är vi?", starts_at=first,
                           ends_at=first + timedelta(weeks=4, hours=1), registration_deadline=first - timedelta(days=1),
                           organiser_name="Avesta kommun", send_certificates=True)
        for n in range(5):
            db.session.add(EventSession(event_id=event.id, title=f"Träff {n + 1}", starts_at=first + timedelta(weeks=n),
                                        ends_at=first + timedelta(weeks=n, hours=1)))
        db.session.commit()
        åsa = register(event, now - timedelta(days=30), 1, first_name="Åsa", last_name="Öberg").registration_id
        checkin.check_in(event.id, åsa, actor=None, now=event.sessions[0].starts_at, session_id=event.sessions[0].id)
        return {"slug": event.slug, "id": event.id, "åsa": åsa}


def fill_registration(page, email="asa@example.org"):
    page.get_by_label("Förnamn").fill("Åsa")
    page.get_by_label("Efternamn").fill("Öberg")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Befattning").fill("Kommunikatör")
    page.get_by_label("Organisation", exact=True).fill("Nacka kommun")
    page.get_by_label("Jag godkänner").check()


def test_a_workshop_picked_a_meeting_checked_in_on_a_phone_and_the_certificate(new_page, in_app, log_in):
    # An attendee picks the afternoon workshop.
    slug = conference(in_app)["slug"]
    attendee = new_page()
    attendee.goto(f"/events/{slug}/register")
    fill_registration(attendee)
    attendee.get_by_label(re.compile("Workshop: Klarspråk")).check()
    attendee.get_by_label(re.compile("World café")).check()
    attendee.get_by_role("button", name="Anmäl dig").click()
    attendee.get_by_role("heading", name="Du är anmäld").wait_for()
    with in_app():
        assert sorted(c.session.title for c in db.session.scalars(db.select(SessionChoice))) == [
            "Workshop: Klarspråk", "World café"]

    # A conversation leader checks people in at the second meeting of a course, on a phone.
    avesta = course(in_app)
    leader = new_page(PHONE)
    log_in(leader, "checkin", [avesta["slug"]], email="ledare@example.org")
    leader.goto(f"/checkin/{avesta['slug']}")
    assert leader.locator("#door-session option:checked").inner_text().startswith("Träff 2")
    assert leader.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    leader.locator("#door-waiting").get_by_role("button", name="Checka in Åsa Öberg").click()
    leader.locator("#door-counts").get_by_text("Incheckade 1 av 1").wait_for()
    leader.screenshot(path=SCREENSHOTS / "door-meeting-2-375.png", full_page=True)

    # Åsa comes to two more; the course ends and the worker e-mails the certificates.
    with in_app():
        event = db.session.get(Event, avesta["id"])
        for meeting in event.sessions[3:]:
            checkin.check_in(event.id, avesta["åsa"], actor=None, now=meeting.starts_at, session_id=meeting.id)
        assert certificates.send_after_events(event.ends_at + timedelta(hours=1)) == 1
        message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "certificate"))
        from builders import written

        body = message_from_string(written(message))
        text = next(part.get_payload(decode=True).decode() for part in body.walk()
                    if part.get_content_type() == "text/plain")
        link = re.search(r"https?://\S+/certificate\.pdf", text).group(0)
        # Time passes: the course is over (the meetings moved back five weeks, attendance kept).
        for session in event.sessions:
            session.starts_at -= timedelta(weeks=5)
            session.ends_at -= timedelta(weeks=5)
        event.starts_at -= timedelta(weeks=5)
        event.ends_at -= timedelta(weeks=5)
        db.session.commit()

    # The attendee downloads the certificate.
    path = "/r/" + link.split("/r/", 1)[1]
    response = attendee.request.get(path)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "certificate.pdf").write_bytes(pdf)
    with in_app():
        issued = certificates.certificate_for(avesta["åsa"], utcnow())
        assert (len(issued.attendance.attended), len(issued.attendance.meetings)) == (4, 5)
        code = issued.code
    attendee.goto(f"/certificates/{certificates.formatted_code(code)}")
    attendee.get_by_text("4 av 5 träffar").wait_for()


def test_the_new_pages_have_no_wcag_violations(new_page, in_app, log_in):
    slug = conference(in_app)["slug"]
    page = new_page()
    page.goto(f"/events/{slug}")
    check_both_widths(page, "event-with-sessions")
    page.goto(f"/events/{slug}/register")
    check_both_widths(page, "register-with-sessions")
    fill_registration(page)
    page.get_by_label(re.compile("Workshop: Klarspråk")).check()
    page.get_by_label(re.compile("Workshop: Sociala medier")).check()
    page.get_by_role("button", name="Anmäl dig").click()
    page.locator("#error-summary").wait_for()
    check_both_widths(page, "register-sessions-overlap")

    full = conference(in_app, full=True)
    page.goto(f"/r/{full['token']}")
    check_both_widths(page, "personal-page-sessions")
    page.goto("/certificates/AAAA-BBBB-CCCC")
    check_both_widths(page, "certificate-unknown")

    avesta = course(in_app)
    with in_app():
        code = certificates.certificate_for(avesta["åsa"], utcnow() + timedelta(weeks=5)).code
    page.goto(f"/certificates/{code}")
    check_both_widths(page, "certificate-verified")

    staff = new_page()
    log_in(staff, "organiser")
    staff.goto(f"/checkin/{avesta['slug']}")
    check_both_widths(staff, "door-with-meetings")
    staff.goto(f"/checkin/{avesta['slug']}/walk-in")
    check_both_widths(staff, "walk-in-at-a-meeting")
    staff.goto(f"/admin/events/{full['slug']}/statistics")
    check_both_widths(staff, "statistics-with-sessions")
    staff.goto(f"/admin/events/{full['slug']}/edit")
    check_both_widths(staff, "editor-with-sessions")

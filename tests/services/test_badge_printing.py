"""Who gets a badge, in which order, and the record of what was printed."""
from datetime import timedelta
from io import BytesIO

import pytest
from builders import make_event, register
from pypdf import PdfReader

from eventapp.extensions import db
from eventapp.models import AuditEntry, BadgePrint, BadgeRun, BadgeRunStatus
from eventapp.services import badges
from eventapp.services.badges import BadgeOptions
from eventapp.services.cancellation import cancel_registration
from eventapp.services.errors import NotFound, NothingToPrint, ValidationFailed


def names(registrations):
    return [r.last_name for r in registrations]


def pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_only_confirmed_attendees_sorted_by_last_name(ctx, now):
    event = make_event(now, capacity=3)
    for n, last in enumerate(["Öberg", "Andersson", "Åkesson", "Berg"], start=1):
        register(event, now, n, last_name=last)  # the fourth is on the waiting list
    chosen = badges.select_registrations(event, BadgeOptions())
    assert names(chosen) == ["Andersson", "Åkesson", "Öberg"]


def test_sorted_by_organisation_then_name_with_no_organisation_last(ctx, now):
    event = make_event(now)
    register(event, now, 1, last_name="Berg", organisation="Scouterna")
    register(event, now, 2, last_name="Ek", organisation="")
    register(event, now, 3, last_name="Alm", organisation="Scouterna")
    register(event, now, 4, last_name="Ceder", organisation="Migrationsverket")
    chosen = badges.select_registrations(event, BadgeOptions(sort="organisation"))
    assert names(chosen) == ["Ceder", "Alm", "Berg", "Ek"]


def test_no_confirmed_attendees_is_a_clear_message(ctx, now):
    event = make_event(now)
    result = register(event, now)
    cancel_registration(result.registration.id, now)
    with pytest.raises(NothingToPrint, match="inga bekräftade deltagare"):
        badges.select_registrations(event, BadgeOptions())


def test_printing_records_each_badge_and_only_new_picks_the_rest(ctx, now):
    event = make_event(now)
    first = register(event, now, 1).registration
    pdf, count = badges.print_badges(event.id, BadgeOptions(layout="card"), actor=None, now=now)
    assert count == 1 and first.last_name in pdf_text(pdf)
    assert db.session.query(BadgePrint).filter_by(registration_id=first.id).count() == 1
    later = register(event, now + timedelta(hours=1), 2).registration
    chosen = badges.select_registrations(event, BadgeOptions(only_new=True))
    assert [r.id for r in chosen] == [later.id]
    pdf, count = badges.print_badges(event.id, BadgeOptions(only_new=True, layout="card"), actor=None, now=now)
    assert count == 1 and later.last_name in pdf_text(pdf) and first.last_name not in pdf_text(pdf)
    with pytest.raises(NothingToPrint, match="redan skrivits ut"):
        badges.print_badges(event.id, BadgeOptions(only_new=True), actor=None, now=now)
    assert db.session.query(AuditEntry).filter_by(action="badges.printed").count() == 2


def test_a_single_badge_needs_a_confirmed_registration_of_the_event(ctx, now):
    event = make_event(now, capacity=1)
    confirmed = register(event, now, 1).registration
    waiting = register(event, now, 2).registration
    other = make_event(now)
    pdf = badges.print_single_badge(event.id, confirmed.id, "single", actor=None, now=now)
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    assert confirmed.check_in_code in pdf_text(pdf)
    with pytest.raises(NothingToPrint):
        badges.print_single_badge(event.id, waiting.id, "single", actor=None, now=now)
    with pytest.raises(NotFound):
        badges.print_single_badge(other.id, confirmed.id, "single", actor=None, now=now)


@pytest.mark.parametrize("options,field", [
    (BadgeOptions(layout="a3"), "layout"), (BadgeOptions(sort="email"), "sort"),
    (BadgeOptions(back_text="x" * 601), "back_text"),
])
def test_bad_options_are_refused(ctx, now, options, field):
    event = make_event(now)
    register(event, now)
    with pytest.raises(ValidationFailed) as error:
        badges.start_run(event.id, options, actor=None, now=now)
    assert field in error.value.errors
    assert db.session.query(BadgeRun).count() == 0


def test_a_run_fixes_its_selection_reports_progress_and_records_the_prints(ctx, now, monkeypatch):
    monkeypatch.setattr("eventapp.exports.badges.CHUNK_BADGES", 2)
    event = make_event(now)
    for n in range(1, 6):
        register(event, now, n)
    run = badges.start_run(event.id, BadgeOptions(layout="single"), actor=None, now=now)
    assert (run.status, run.total, run.done) == ("queued", 5, 0)
    register(event, now, 6)  # too late for this run
    seen = []
    monkeypatch.setattr("eventapp.services.badges.render_badges", _spy(seen))
    badges.process_run(run.id, lambda: now)
    run = db.session.get(BadgeRun, run.id)
    assert run.status == BadgeRunStatus.DONE and run.done == 5
    assert seen == [2, 4, 5]
    assert len(PdfReader(BytesIO(badges.run_pdf(event.id, run.id))).pages) == 5
    assert db.session.query(BadgePrint).count() == 5


def _spy(seen):
    from eventapp.exports.badges import render_badges

    def spy(*args, progress=None, **kwargs):
        def record(done):
            seen.append(done)
            progress(done)
        return render_badges(*args, progress=record, **kwargs)
    return spy


def test_a_failing_run_is_marked_failed_and_records_nothing(ctx, now, monkeypatch):
    event = make_event(now)
    register(event, now)
    run = badges.start_run(event.id, BadgeOptions(), actor=None, now=now)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("eventapp.services.badges.render_badges", broken)
    badges.process_run(run.id, lambda: now)
    run = db.session.get(BadgeRun, run.id)
    assert run.status == BadgeRunStatus.FAILED
    assert db.session.query(BadgePrint).count() == 0
    with pytest.raises(NotFound):
        badges.run_pdf(event.id, run.id)


def test_a_run_silent_for_ten_minutes_is_given_up(ctx, now):
    event = make_event(now)
    register(event, now)
    run = badges.start_run(event.id, BadgeOptions(), actor=None, now=now)
    assert badges.run_for(event.id, run.id, now + timedelta(minutes=10)).status == BadgeRunStatus.QUEUED
    assert badges.run_for(event.id, run.id, now + timedelta(minutes=10, seconds=1)).status == BadgeRunStatus.FAILED


def test_overview_counts_printed_confirmed_badges(ctx, now):
    event = make_event(now)
    first = register(event, now, 1).registration
    register(event, now, 2)
    badges.print_single_badge(event.id, first.id, "single", actor=None, now=now)
    badges.print_single_badge(event.id, first.id, "single", actor=None, now=now)  # a reprint counts once
    summary = badges.overview(event.id)
    assert (summary.confirmed, summary.printed, summary.not_printed) == (2, 1, 1)


def test_preview_is_a_png_of_the_first_page_and_records_nothing(ctx, now):
    event = make_event(now)
    register(event, now)
    png = badges.preview(event.id, BadgeOptions(layout="a7"))
    assert png.startswith(b"\x89PNG")
    assert db.session.query(BadgePrint).count() == 0


def test_a_logo_that_is_no_image_is_left_off(ctx, now):
    event = make_event(now)
    assert badges.badge_design(event, BadgeOptions(), logo=b"<svg onload=x>").logo is None


def _picture(size=(300, 100), kind="PNG") -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, "navy").save(out, kind)
    return out.getvalue()


def test_an_uploaded_logo_is_printed_on_every_badge(ctx, now):
    event = make_event(now)
    register(event, now)
    badges.set_logo(event.id, _picture(kind="JPEG"), actor=None, now=now)
    design = badges.badge_design(event, BadgeOptions())
    assert design.logo.startswith("data:image/png;base64,") and design.logo_ratio == 3
    pdf, _ = badges.print_badges(event.id, BadgeOptions(layout="card"), actor=None, now=now)
    assert b"/Subtype /Image" in pdf
    badges.remove_logo(event.id, actor=None, now=now)
    assert badges.badge_design(event, BadgeOptions()).logo is None
    assert not badges.overview(event.id).has_logo


@pytest.mark.parametrize("data", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
    b"%PDF-1.4 not a logo", b"", _picture(kind="GIF"),
])
def test_anything_but_a_png_or_jpeg_logo_is_refused(ctx, now, data):
    event = make_event(now)
    with pytest.raises(ValidationFailed) as error:
        badges.set_logo(event.id, data, actor=None, now=now)
    assert "PNG- eller JPEG-bild" in str(error.value.errors["logo"][0])
    assert not badges.overview(event.id).has_logo


def test_a_logo_over_two_megabytes_is_refused(ctx, now):
    event = make_event(now)
    with pytest.raises(ValidationFailed, match="högst 2 MB"):
        badges.set_logo(event.id, b"\x89PNG" + b"0" * badges.LOGO_MAX_BYTES, actor=None, now=now)

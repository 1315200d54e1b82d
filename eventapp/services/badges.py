"""Name badges: who gets one, in which order, what it shows, and the record of what was printed.

The organiser's page, the command line and the check-in desk all come here. A run for many
attendees fixes its selection when it starts (``start_run``) and is rendered by ``process_run`` in
chunks that report progress, outside the request that asked for it.
"""
import base64
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from ..collation import name_key, sort_key
from ..database import begin_write
from ..exports.badge_layouts import DEFAULT_LAYOUT, LAYOUTS
from ..exports.badges import BadgeData, BadgeDesign, render_badges
from ..exports.pdf import first_page_png
from ..extensions import db
from ..formatting import format_date, format_time
from ..models import BadgeLogo, BadgePrint, BadgeRun, BadgeRunStatus, Event, Registration, RegistrationStatus, User
from . import audit, grouping
from .errors import NotFound, NothingToPrint, ValidationFailed

logger = logging.getLogger(__name__)

SORTS = {"last_name": _l("Last name"), "organisation": _l("Organisation")}
#: The back of a badge holds a few lines; more would be unreadably small.
BACK_TEXT_MAX = 600
#: Uploaded logos: formats read, and the largest file accepted.
LOGO_FORMATS = {"PNG", "JPEG"}
LOGO_MAX_BYTES = 2_000_000
#: A run that has not reported progress for this long died with the process rendering it.
STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class BadgeOptions:
    """What the organiser chose: layout, order, which attendees, and the back side."""

    layout: str = DEFAULT_LAYOUT
    sort: str = "last_name"
    only_new: bool = False
    back_text: str = ""
    agenda_on_back: bool = False

    def validated(self) -> "BadgeOptions":
        errors = {}
        if self.layout not in LAYOUTS:
            errors["layout"] = [_l("Choose one of the layouts.")]
        if self.sort not in SORTS:
            errors["sort"] = [_l("Choose an order: last name or organisation.")]
        if len(self.back_text) > BACK_TEXT_MAX:
            errors["back_text"] = [_l("At most %(max)d characters.", max=BACK_TEXT_MAX)]
        if errors:
            raise ValidationFailed(errors)
        return self


# Who, and in which order ----------------------------------------------------------------------

def _sort_key(sort: str) -> Callable[[Registration], tuple]:
    def by_name(r: Registration) -> tuple:
        return (*name_key(r.last_name, r.first_name), r.id)

    if sort == "organisation":
        # attendees without an organisation come last, not first
        return lambda r: (not r.organisation_name, sort_key(r.organisation_name), *by_name(r))
    return by_name


def select_registrations(event: Event, options: BadgeOptions) -> list[Registration]:
    """Confirmed registrations in print order; with ``only_new``, those without a printed badge."""
    query = select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
    )
    if options.only_new:
        printed = select(BadgePrint.registration_id).where(BadgePrint.event_id == event.id)
        query = query.where(Registration.id.not_in(printed))
    registrations = list(db.session.scalars(query))
    if not registrations:
        if options.only_new:
            raise NothingToPrint(_l("Every confirmed attendee's badge has already been printed."))
        raise NothingToPrint(_l("There are no confirmed attendees to print badges for."))
    return sorted(registrations, key=_sort_key(options.sort))


# What a badge shows -------------------------------------------------------------------------


def badge_data(registration: Registration, group: str = "") -> BadgeData:
    return BadgeData(
        first_name=registration.first_name, last_name=registration.last_name,
        organisation=registration.organisation_name, job_title=registration.job_title,
        code=registration.check_in_code, group=group,
    )


def badges_of(event: Event, registrations: list[Registration]) -> list[BadgeData]:
    """The badges of ``registrations``, each with the group or table the person sits at."""
    groups = grouping.group_labels(event.id)
    return [badge_data(r, groups.get(r.id, "")) for r in registrations]


def badge_design(event: Event, options: BadgeOptions, logo: bytes | None = None) -> BadgeDesign:
    """The event's side of every badge (its uploaded logo unless ``logo`` is given); call within
    the locale the badges are printed in."""
    if logo is None:
        stored = db.session.get(BadgeLogo, event.id)
        logo = stored.image if stored is not None else None
    logo_url, ratio = _logo_data_url(logo) if logo else (None, 1.0)
    agenda = [(format_time(item.starts_at), item.title) for item in event.agenda] if options.agenda_on_back else []
    return BadgeDesign(
        event_title=event.title, event_date=format_date(event.starts_at), logo=logo_url, logo_ratio=ratio,
        back_text=options.back_text, agenda=agenda,
    )


def _as_png(image: bytes) -> tuple[bytes, float] | None:
    """The image re-encoded as a PNG at most 800 pixels wide and high, and its width/height; None
    when it is no image Pillow reads (SVG, PDF, anything else: only pixels reach a badge)."""
    try:
        with Image.open(BytesIO(image)) as picture:
            if picture.format not in LOGO_FORMATS:
                return None
            picture.thumbnail((800, 800))
            out = BytesIO()
            picture.convert("RGBA").save(out, "PNG")
            return out.getvalue(), picture.width / picture.height
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _logo_data_url(image: bytes) -> tuple[str | None, float]:
    png = _as_png(image)
    if png is None:
        return None, 1.0
    return "data:image/png;base64," + base64.b64encode(png[0]).decode(), png[1]


def set_logo(event_id: int, image: bytes, *, actor: User | None, now: datetime) -> None:
    """Store the logo printed on the event's badges (PNG or JPEG, at most 2 MB)."""
    event = _event(event_id)
    if len(image) > LOGO_MAX_BYTES:
        raise ValidationFailed({"logo": [_l("The logo may be at most 2 MB.")]})
    png = _as_png(image)
    if png is None:
        raise ValidationFailed({"logo": [_l("Upload the logo as a PNG or JPEG image.")]})
    logo = db.session.get(BadgeLogo, event.id) or BadgeLogo(event_id=event.id)
    logo.image, logo.updated_at = png[0], now
    db.session.add(logo)
    audit.record("badges.logo_set", event, actor=actor, now=now, event_id=event.id)
    db.session.commit()


def remove_logo(event_id: int, *, actor: User | None, now: datetime) -> None:
    """Print the event's badges without a logo."""
    event = _event(event_id)
    logo = db.session.get(BadgeLogo, event.id)
    if logo is not None:
        db.session.delete(logo)
        audit.record("badges.logo_removed", event, actor=actor, now=now, event_id=event.id)
    db.session.commit()


def has_logo(event_id: int) -> bool:
    return db.session.get(BadgeLogo, event_id) is not None


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_l("The event does not exist."))
    return event


def _record_prints(event: Event, registrations: list[Registration], layout: str,
                   actor: User | None, now: datetime) -> None:
    for registration in registrations:
        db.session.add(BadgePrint(event_id=event.id, registration_id=registration.id, printed_at=now,
                                  printed_by_id=actor.id if actor else None, layout=layout))
    audit.record("badges.printed", event, actor=actor, now=now, event_id=event.id,
                 count=len(registrations), layout=layout)


@dataclass(frozen=True)
class BadgeOverview:
    confirmed: int
    printed: int
    runs: list[BadgeRun]
    has_logo: bool

    @property
    def not_printed(self) -> int:
        return self.confirmed - self.printed


def overview(event_id: int) -> BadgeOverview:
    """Confirmed attendees, how many of them have a printed badge, and the latest runs."""
    confirmed = select(Registration.id).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
    printed = db.session.scalar(select(func.count(func.distinct(BadgePrint.registration_id))).where(
        BadgePrint.event_id == event_id, BadgePrint.registration_id.in_(confirmed)))
    total = db.session.scalar(select(func.count()).select_from(confirmed.subquery()))
    runs = list(db.session.scalars(select(BadgeRun).where(BadgeRun.event_id == event_id)
                                   .order_by(BadgeRun.created_at.desc(), BadgeRun.id.desc()).limit(5)))
    return BadgeOverview(confirmed=total, printed=printed, runs=runs, has_logo=has_logo(event_id))


def registration_of(event_id: int, registration_id: int) -> Registration | None:
    """A registration of the event, or None."""
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event_id else None


# Printing -----------------------------------------------------------------------------------


def print_badges(event_id: int, options: BadgeOptions, *, actor: User | None, now: datetime,
                 progress: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """(PDF, number of badges) for the selection, recorded as printed. For the command line."""
    options = options.validated()
    event = _event(event_id)
    registrations = select_registrations(event, options)
    pdf = render_badges(badges_of(event, registrations), badge_design(event, options),
                        options.layout, progress=progress)
    _record_prints(event, registrations, options.layout, actor, now)
    db.session.commit()
    return pdf, len(registrations)


def print_single_badge(event_id: int, registration_id: int, layout: str, *,
                       actor: User | None, now: datetime) -> bytes:
    """One confirmed attendee's badge (a walk-in at the door), recorded as printed."""
    options = BadgeOptions(layout=layout).validated()
    event = _event(event_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound(_l("The registration does not exist."))
    if registration.status != RegistrationStatus.CONFIRMED:
        raise NothingToPrint(_l("Only a confirmed attendee gets a badge."))
    pdf = render_badges(badges_of(event, [registration]), badge_design(event, options), layout)
    _record_prints(event, [registration], layout, actor, now)
    db.session.commit()
    return pdf


def preview(event_id: int, options: BadgeOptions) -> bytes:
    """The first page of the selection as a PNG; nothing is recorded as printed."""
    options = options.validated()
    event = _event(event_id)
    layout = LAYOUTS[options.layout]
    registrations = select_registrations(event, options)[:layout.per_page]
    pdf = render_badges(badges_of(event, registrations), badge_design(event, options), layout)
    return first_page_png(pdf, width=900)


# Runs in the background ---------------------------------------------------------------------


def start_run(event_id: int, options: BadgeOptions, *, actor: User | None, now: datetime,
              registration_ids: list[int] | None = None) -> BadgeRun:
    """Fix the selection and queue it; ``process_run`` renders it. ``registration_ids``: only these
    (a selection on the attendee list), of which the confirmed get a badge."""
    options = options.validated()
    event = _event(event_id)
    registrations = select_registrations(event, options)
    if registration_ids is not None:
        wanted = set(registration_ids)
        registrations = [r for r in registrations if r.id in wanted]
        if not registrations:
            raise NothingToPrint(_l("None of the chosen attendees is confirmed: only they get a badge."))
    run = BadgeRun(event_id=event.id, created_by_id=actor.id if actor else None, created_at=now, updated_at=now,
                   status=BadgeRunStatus.QUEUED, options=asdict(options),
                   registration_ids=[r.id for r in registrations], total=len(registrations), done=0, error="")
    db.session.add(run)
    db.session.commit()
    return run


def process_run(run_id: int, clock: Callable[[], datetime]) -> None:
    """Render a queued run chunk by chunk, saving progress, then the PDF and the print record."""
    run = db.session.get(BadgeRun, run_id)
    if run is None or run.status != BadgeRunStatus.QUEUED:
        return
    run.status, run.updated_at = BadgeRunStatus.RUNNING, clock()
    db.session.commit()
    try:
        options = BadgeOptions(**run.options)
        event = run.event
        by_id = {r.id: r for r in db.session.scalars(select(Registration).where(
            Registration.id.in_(run.registration_ids)))}
        registrations = [by_id[i] for i in run.registration_ids if i in by_id]
        badges = badges_of(event, registrations)
        design = badge_design(event, options)

        def progress(done: int) -> None:
            run.done, run.updated_at = done, clock()
            db.session.commit()

        pdf = render_badges(badges, design, options.layout, progress=progress)
        # Someone in the run may have been erased while it rendered: their erasure marked the run, and
        # the PDF (with their name) must not be stored after it. The run's row is locked until commit,
        # so an erasure that comes later waits and then deletes the PDF stored here.
        begin_write()
        run = db.session.get(BadgeRun, run_id, populate_existing=True, with_for_update=True)
        if run.status != BadgeRunStatus.RUNNING:
            db.session.commit()
            return
        run.pdf, run.status, run.finished_at = pdf, BadgeRunStatus.DONE, clock()
        run.done = run.total = len(badges)
        actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
        _record_prints(run.event, registrations, options.layout, actor, clock())
        db.session.commit()
    except Exception as error:  # the organiser sees that it failed; the log has the details
        logger.exception("Badge run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(BadgeRun, run_id)
        run.status, run.error, run.finished_at = BadgeRunStatus.FAILED, type(error).__name__, clock()
        db.session.commit()


def forget_runs_of(registration_ids: list[int]) -> int:
    """Delete the PDFs of the badge runs that print any of these registrations (their personal data is
    being erased); a run still rendering stores none. Returns how many runs lost their PDF.

    Called inside the caller's transaction, which pseudonymises the registrations in the same breath.
    """
    wanted = set(registration_ids)
    runs = db.session.scalars(select(BadgeRun).where(
        BadgeRun.event_id.in_(select(Registration.event_id).where(Registration.id.in_(registration_ids))),
        BadgeRun.status.in_([BadgeRunStatus.QUEUED, BadgeRunStatus.RUNNING, BadgeRunStatus.DONE])))
    forgotten = 0
    for run in runs:
        if wanted.intersection(run.registration_ids):
            run.pdf, run.status = None, BadgeRunStatus.ERASED
            forgotten += 1
    return forgotten


def run_pdf(event_id: int, run_id: int) -> bytes:
    """The finished PDF of a run."""
    run = db.session.get(BadgeRun, run_id)
    if run is None or run.event_id != event_id or run.status != BadgeRunStatus.DONE or run.pdf is None:
        raise NotFound(_l("The badge run does not exist."))
    return run.pdf


def run_for(event_id: int, run_id: int, now: datetime) -> BadgeRun:
    """A run of the event; one that stopped reporting progress long ago is marked failed."""
    run = db.session.get(BadgeRun, run_id)
    if run is None or run.event_id != event_id:
        raise NotFound(_l("The badge run does not exist."))
    if run.status in (BadgeRunStatus.QUEUED, BadgeRunStatus.RUNNING) and now - run.updated_at > STALE_AFTER:
        run.status, run.error, run.finished_at = BadgeRunStatus.FAILED, "stale", now
        db.session.commit()
    return run

"""Command-line interface: ``flask --app eventapp …``. Commands call services and report."""
import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .database import utcnow
from .exports.badge_layouts import DEFAULT_LAYOUT, LAYOUTS
from .models import Role
from .services import accounts, api_tokens, badges, demo, organisations, outbox, reminders, staff, staff_accounts
from .services.errors import DomainError
from .services.events import get_event


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(reference)
    app.cli.add_command(users)
    app.cli.add_command(badges_command)
    app.cli.add_command(tokens)
    app.cli.add_command(export)
    app.cli.add_command(check_command)
    app.cli.add_command(privacy_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(worker_command)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load reference data and the demo events (safe to run again). Refused in production."""
    from flask import current_app

    if current_app.config.get("PRODUCTION"):
        # Its logins' passwords are printed here and in the README: anyone could log in with them.
        raise click.ClickException(
            "seed-demo creates logins whose passwords are public; it is refused in production "
            "(EVENTAPP_ENV=production). Load the registers with `reference load` and create accounts "
            "with `users create`.")
    organisations.load_reference_data()
    result = demo.seed_demo(utcnow())
    for slug in result["created"]:
        click.echo(f"Created demo event {slug}")
    email, password = result["organiser"]
    click.echo(f"Demo organiser login: {email} / {password}")
    email, password = result["finance"]
    click.echo(f"Demo finance login: {email} / {password}")


@click.group()
def reference():
    """Public registers: municipalities, counties, regions and state agencies."""


@reference.command("load")
def reference_load():
    """Insert or update the register organisations (idempotent)."""
    result = organisations.load_reference_data()
    click.echo(f"{result['organisations']} register organisations ({result['created']} new)")


@click.group(cls=AppGroup)
def users():
    """Back-office accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="")
@click.option("--event", "events", multiple=True, metavar="SLUG",
              help="For a check-in account: an event whose door it may work (repeatable).")
@click.password_option(help="Prompted when not given.")
def users_create(email, role, name, events, password):
    """Create an account with a role."""
    if events and role != Role.CHECKIN:
        raise click.UsageError("--event is for check-in accounts (--role checkin).")
    try:
        event_ids = [get_event(slug).id for slug in events]  # all known before the account is made
        user = accounts.create_user(email, role, password, name=name)
        for event_id in event_ids:
            staff.assign_volunteer(event_id, user.email, actor=None, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} {user.email}")
    for slug in events:
        click.echo(f"  may check people in at {slug}")


@users.command("password")
@click.argument("email")
@click.password_option(help="Prompted when not given.")
def users_password(email, password):
    """Give the account EMAIL a new password; every session of it ends."""
    try:
        user = accounts.change_password(email, password, actor=None, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New password for {user.email}; its sessions are ended")


@users.command("deactivate")
@click.argument("email")
def users_deactivate(email):
    """Close the account EMAIL: it cannot log in, and every session of it ends."""
    try:
        user = staff_accounts.set_active(accounts.account_by_email(email).id, False, actor=None, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Deactivated {user.email}; its sessions are ended")


@click.group()
def tokens():
    """API tokens (Authorization: Bearer <token>)."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, to recognise it later.")
def tokens_create(email, name):
    """Create a token for the account EMAIL and print it (it is shown only this once)."""
    try:
        _row, token = api_tokens.create_token(email, name=name, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(token)


@tokens.command("list")
@click.argument("email")
def tokens_list(email):
    """The account's tokens: number, start of the token, name, last use, revoked."""
    for row in api_tokens.tokens_of(email):
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never used"
        state = f"revoked {row.revoked_at.isoformat(timespec='minutes')}" if row.revoked_at else "active"
        click.echo(f"{row.id}\t{row.prefix}…\t{row.name or '-'}\t{used}\t{state}")


@tokens.command("revoke")
@click.argument("token_id", type=int, required=False)
@click.option("--user", "email", help="Revoke every token of this account instead.")
def tokens_revoke(token_id, email):
    """Revoke the token TOKEN_ID (see `tokens list`), or all tokens of --user EMAIL."""
    if (token_id is None) == (email is None):
        raise click.UsageError("Give a token number or --user EMAIL.")
    try:
        if email is not None:
            click.echo(f"Revoked {api_tokens.revoke_tokens_of(email, now=utcnow())} token(s) of {email}")
        else:
            row = api_tokens.revoke_token(token_id, now=utcnow())
            click.echo(f"Revoked token {row.id} ({row.prefix}…)")
    except DomainError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=AppGroup)
def export():
    """Exports of an event's data."""


@export.command("attendees")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--delimiter", type=click.Choice([";", ","]), default=";", show_default=True,
              help="CSV only: ';' for Swedish Excel, ',' for others.")
def export_attendees(slug, fmt, output, delimiter):
    """Write the attendee list of event SLUG as CSV or XLSX."""
    from .exports.attendee_list import attendee_table
    from .services.attendees import attendee_export_rows
    from .services.events import get_event
    from .services.grouping import group_labels
    from .services.questions import answer_columns
    from .services.sessions import export_columns

    try:
        event = get_event(slug)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    registrations = attendee_export_rows(event.id)
    questions, answers = answer_columns(event.id)
    with open(output, "wb") as file:
        file.write(attendee_table(event, registrations, fmt, delimiter=delimiter, questions=questions,
                                  answers=answers, extra=export_columns(event), groups=group_labels(event.id)))
    click.echo(f"{len(registrations)} registrations written to {output}")


@click.command("check")
@with_appcontext
def check_command():
    """Report database, migrations, SMTP and Redis; exit 1 if anything configured is unreachable."""
    from flask import current_app

    from .services.health import all_checks

    failed = False
    for check in all_checks(current_app.config):
        mark = {True: "ok", False: "FAILED", None: "not configured"}[check.ok]
        click.echo(f"{check.name:<11} {mark:<15} {check.detail}")
        failed = failed or check.ok is False
    if failed:
        raise SystemExit(1)


@click.group("privacy")
def privacy_group():
    """Personal data: purge after the retention period."""


@privacy_group.command("purge")
@with_appcontext
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Purge events that ended more than this many days ago [PRIVACY_RETENTION_DAYS, 90].")
def privacy_purge(days):
    """Pseudonymise attendees of ended events; statistics and invoices are kept."""
    from flask import current_app

    from .services.privacy import purge_ended_events

    if days is None:
        days = current_app.config.get("PRIVACY_RETENTION_DAYS", 90)
    report = purge_ended_events(utcnow(), days)
    click.echo(f"Purged {report.registrations} registrations of {report.events} events "
               f"that ended more than {days} days ago.")
    for name, count in report.other.items():
        click.echo(f"  {name}: {count}")


@click.command("badges")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF.")
@click.option("--layout", type=click.Choice(list(LAYOUTS)), default=DEFAULT_LAYOUT, show_default=True)
@click.option("--only-new", is_flag=True, help="Only attendees whose badge has not been printed before.")
@click.option("--sort", type=click.Choice(list(badges.SORTS)), default="last_name", show_default=True)
@click.option("--back-text", default="", help="Printed on the back of each badge (Wi-Fi, agenda).")
@click.option("--agenda", is_flag=True, help="Print the event's agenda on the back.")
@with_appcontext
def badges_command(slug, output, layout, only_new, sort, back_text, agenda):
    """Name badges of an event's confirmed attendees as a PDF, recorded as printed."""
    options = badges.BadgeOptions(layout=layout, sort=sort, only_new=only_new,
                                  back_text=back_text.replace("\\n", "\n"), agenda_on_back=agenda)
    try:
        event = get_event(slug)
        pdf, count = badges.print_badges(
            event.id, options, actor=None, now=utcnow(),
            progress=lambda done: click.echo(f"{done} badges rendered", err=True),
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    with open(output, "wb") as file:
        file.write(pdf)
    click.echo(f"{count} badges written to {output}")


@click.group("outbox", cls=AppGroup)
def outbox_group():
    """Outgoing e-mail."""


@outbox_group.command("deliver")
@click.option("--limit", default=100, show_default=True, help="Messages per batch.")
@click.option("--all", "ignore_backoff", is_flag=True, help="Also send messages waiting after a failed attempt.")
def outbox_deliver(limit, ignore_backoff):
    """Send the e-mail that is due (for cron or a systemd timer; safe to run several at once)."""
    totals = {"sent": 0, "deferred": 0, "failed": 0}
    while True:
        report = outbox.deliver_due(utcnow(), limit=limit, ignore_backoff=ignore_backoff)
        for name in totals:
            totals[name] += len(getattr(report, name))
        handled = len(report.sent) + len(report.deferred) + len(report.failed)
        # A full batch means more may be due; a deferral means the server is in trouble: stop for now.
        if handled < limit or report.deferred:
            break
    click.echo("Sent {sent}, to be retried {deferred}, failed {failed}".format(**totals))


@click.command("send-reminders")
@click.option("--queue-only", is_flag=True, help="Queue the reminders without delivering the outbox.")
@with_appcontext
def send_reminders_command(queue_only):
    """Queue each due reminder exactly once, then deliver (for cron or a systemd timer)."""
    report = reminders.send_reminders(utcnow())
    click.echo(f"Queued {report.queued} reminders ({report.skipped} registered too late to need one)")
    if not queue_only:
        delivered = outbox.deliver_due(utcnow(), limit=1000)
        click.echo(f"Sent {len(delivered.sent)}, to be retried {len(delivered.deferred)}, "
                   f"failed {len(delivered.failed)}")


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at once.")
@with_appcontext
def worker_command(threads):
    """Run the background jobs: e-mail delivery, badge runs, reminders, the privacy purge."""
    from flask import current_app

    from . import jobs

    jobs.run_worker(current_app._get_current_object(), threads=threads)

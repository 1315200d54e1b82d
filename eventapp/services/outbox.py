"""Delivering the outbox: claim due messages, write them, send them over SMTP, record what the server said.

The worker delivers (``jobs.deliver_outbox``: woken when a change that queued e-mail commits, and
every minute for retries); ``flask outbox deliver`` does the same by hand. Several deliverers may run
at once (a worker per machine). A deliverer claims a batch in one short writing transaction — ``FOR
UPDATE SKIP LOCKED`` on PostgreSQL, the database-wide write lock on SQLite — by stamping its own claim
id on the rows, and only sends rows carrying its stamp, so no message is sent twice. A claim older
than ``CLAIM_TIMEOUT`` is taken to be from a deliverer that died and is claimed again.

Each message is written just before it is sent (``notifications.compose``, ``invoice_mail.compose``):
the personal link it carries is issued and stored then, and only its hash is kept. When a mail
server accepts an invoice's e-mail, the invoice is marked sent in the transaction recording it.

Without ``MAIL_SERVER`` (development) messages are not sent but written to
``instance/mail/<id>.eml`` and kept in the outbox.
"""
import contextlib
import email
import email.parser
import email.policy
import functools
import os
import secrets
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..database import begin_write
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from . import booking_mail, invoice_mail, notifications, staff_mail
from .email_addresses import UnsendableAddress, sendable

#: Waits after the 1st, 2nd, … failed attempt; after the last one the message is given up.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
           timedelta(hours=3), timedelta(hours=6), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
#: A claim this old belongs to a deliverer that stopped half-way.
CLAIM_TIMEOUT = timedelta(minutes=15)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    #: Tried again later (temporary failure, server unreachable).
    deferred: list[int] = field(default_factory=list)
    #: Given up: refused for good, or out of attempts.
    failed: list[int] = field(default_factory=list)


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying would not help."""


class ServerUnavailable(Exception):
    """The mail server cannot be reached: every message of the batch waits for the next attempt."""


def deliver_due(now: datetime, *, limit: int = 100, ignore_backoff: bool = False) -> DeliveryReport:
    """Send up to ``limit`` messages that are due at ``now``; ``ignore_backoff`` also sends deferred ones."""
    report = DeliveryReport()
    claim = claim_due(now, limit=limit, ignore_backoff=ignore_backoff)
    messages = claimed(claim)
    if not messages:
        return report
    unavailable = None
    with _transport() as send:
        for message in messages:
            if unavailable is not None:
                _finish(message, now, claim, retry=unavailable, report=report)
                continue
            try:
                text = _written(message, now, claim)
            except notifications.NothingToSend as error:
                _finish(message, now, claim, failed=str(error), report=report)
                continue
            except Exception as error:
                # The row stays and is tried again; one message that cannot be written stops no other.
                current_app.logger.exception("Writing outbox message %s failed", message.id)
                _finish(message, now, claim, retry=f"{type(error).__name__}: {error}", report=report)
                continue
            if text is None:
                continue  # another deliverer holds it now
            try:
                reply = send(message, text)
            except PermanentFailure as error:
                _finish(message, now, claim, failed=str(error), report=report)
            except ServerUnavailable as error:
                unavailable = str(error)
                _finish(message, now, claim, retry=unavailable, report=report)
            except (smtplib.SMTPException, OSError) as error:
                _finish(message, now, claim, retry=_describe(error), report=report)
            else:
                _finish(message, now, claim, sent=reply, subject=subject_of(text), report=report)
    return report


def subject_of(text: str) -> str:
    """The subject of a written message as the recipient reads it (an event's own subject, merged)."""
    return str(email.parser.HeaderParser(policy=email.policy.default).parsestr(text).get("Subject", ""))


@dataclass
class Outgoing:
    """One claimed message as the deliverer reads it once: plain values, which the short transactions
    recording each outcome leave alone (ORM objects would be expired and read again after each)."""

    id: int
    kind: str
    recipient: str
    subject: str
    details: dict | None
    attempts: int
    invoice_id: int | None
    registration_id: int | None
    created_at: datetime


def claimed(claim: str) -> list[Outgoing]:
    """The messages stamped with ``claim``, in the order they were queued."""
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.subject,
               OutboxMessage.details, OutboxMessage.attempts, OutboxMessage.invoice_id,
               OutboxMessage.registration_id, OutboxMessage.created_at)
        .where(OutboxMessage.claimed_by == claim).order_by(OutboxMessage.id)).all()
    db.session.rollback()
    return [Outgoing(*row) for row in rows]


def _due(now: datetime, *, ignore_backoff: bool = False):
    """Messages a deliverer may claim at ``now``: pending and due, or claimed by one that died."""
    due = OutboxMessage.status == OutboxStatus.PENDING
    if not ignore_backoff:
        due = and_(due, OutboxMessage.next_attempt_at <= now)
    abandoned = and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)
    return or_(due, abandoned)


def has_due(now: datetime) -> bool:
    """Whether any message is due, by a plain read: no write lock is taken when nothing is."""
    found = db.session.scalar(select(OutboxMessage.id).where(_due(now)).limit(1)) is not None
    db.session.rollback()
    return found


def deliver_while_due(now: Callable[[], datetime], *, limit: int = 100, rounds: int = 50) -> DeliveryReport:
    """Deliver batch after batch while messages are due (at most ``rounds`` batches); all outcomes."""
    total = DeliveryReport()
    for _ in range(rounds):
        if not has_due(now()):
            break
        report = deliver_due(now(), limit=limit)
        total.sent += report.sent
        total.deferred += report.deferred
        total.failed += report.failed
        if not report.sent and not report.failed:
            break  # the server is down, or other deliverers hold what is due: the next round can wait
    return total


def claim_due(now: datetime, *, limit: int, ignore_backoff: bool = False) -> str:
    """Stamp up to ``limit`` due messages with a fresh claim id and return it."""
    claim = secrets.token_hex(16)
    candidates = (
        select(OutboxMessage.id).where(_due(now, ignore_backoff=ignore_backoff)).order_by(OutboxMessage.id)
        .limit(limit).with_for_update(skip_locked=True)
    )
    with _short_write():
        ids = list(db.session.scalars(candidates))
        if ids:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                .values(status=OutboxStatus.SENDING, claimed_by=claim, claimed_at=now)
            )
    return claim


@contextmanager
def _short_write() -> Iterator[None]:
    """One short writing transaction: committed when the block ends, rolled back if it raises."""
    begin_write()
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _written(message: Outgoing, now: datetime, claim: str) -> str | None:
    """The whole e-mail of ``message``, the link it carries (if any) stored while this deliverer holds
    the claim; None if it does not."""
    store = None
    if message.invoice_id is not None:
        text = invoice_mail.compose(message, now)
    elif message.kind in staff_mail.KINDS:
        text, store = staff_mail.compose(message)
    elif message.kind in booking_mail.KINDS:
        text, store = booking_mail.compose(message)
    else:
        text, link = notifications.compose(message)
        if link is not None:
            store = functools.partial(db.session.add, link)
    db.session.rollback()  # writing only read: store the link in a short writing transaction
    with _short_write():
        held = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.id == message.id,
                                                                OutboxMessage.claimed_by == claim))
        if held and store is not None:
            store()
    return text if held else None


def _finish(message: Outgoing, now: datetime, claim: str, *, report: DeliveryReport, sent: str | None = None,
            subject: str = "", retry: str | None = None, failed: str | None = None) -> None:
    """Record one message's outcome, only if this deliverer still holds it; a message sent with the
    ``subject`` it went out with (the one queued is the default of its kind)."""
    values: dict = {"claimed_by": None, "claimed_at": None, "attempts": OutboxMessage.attempts + 1}
    if subject:
        values["subject"] = subject[:400]
    if sent is not None:
        kept = not current_app.config.get("MAIL_SERVER")
        values.update(status=OutboxStatus.KEPT if kept else OutboxStatus.SENT, sent_at=now, server_reply=sent)
        report.sent.append(message.id)
    elif failed is None and message.attempts + 1 < MAX_ATTEMPTS:
        values.update(status=OutboxStatus.PENDING, next_attempt_at=now + BACKOFF[message.attempts],
                      server_reply=retry)
        report.deferred.append(message.id)
    else:
        values.update(status=OutboxStatus.FAILED, server_reply=failed or retry)
        report.failed.append(message.id)
    delivered = sent is not None and values["status"] == OutboxStatus.SENT and message.invoice_id is not None
    with _short_write():
        recorded = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == claim)
            .values(**values), execution_options={"synchronize_session": False}  # no message is loaded
        ).rowcount
        if recorded and delivered:
            invoice_mail.record_delivery(message, now)


def retry_message(message_id: int, now: datetime) -> OutboxMessage | None:
    """Send a failed message again at the next delivery (an organiser fixed the address, say)."""
    with _short_write():
        message = db.session.get(OutboxMessage, message_id)
        if message is not None and message.status == OutboxStatus.FAILED:
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = now
            message.attempts = 0
    return message


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# Transports --------------------------------------------------------------------------------------


@contextmanager
def _transport() -> Iterator[Callable[[Outgoing, str], str]]:
    """A function sending one message and returning what to record; SMTP when MAIL_SERVER is set."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        yield _write_to_folder
        return
    connection = None

    def send(message: Outgoing, text: str) -> str:
        nonlocal connection
        try:  # queued before addresses were checked: an IDN domain goes out in its ASCII form
            recipient = sendable(message.recipient)
        except UnsendableAddress as error:
            raise PermanentFailure(f"{notifications.UNSENDABLE} ({error})") from None
        if connection is None:
            try:
                connection = _connect(config)
            except (smtplib.SMTPException, OSError) as error:
                raise ServerUnavailable(_describe(error)) from error
        try:
            refused = connection.sendmail(_envelope_sender(config), [recipient],
                                          text.encode("ascii"))
        except smtplib.SMTPRecipientsRefused as error:
            _raise_if_permanent(error, [code for code, _ in error.recipients.values()])
            raise
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:  # the server is closing the connection
                connection = None
            else:
                _reset(connection)
            _raise_if_permanent(error, [error.smtp_code])
            raise
        except (smtplib.SMTPServerDisconnected, OSError):
            connection = None  # reconnect for the next message
            raise
        if refused:
            raise PermanentFailure(_describe(smtplib.SMTPRecipientsRefused(refused)))
        return "250 OK"

    try:
        yield send
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config.get("MAIL_TIMEOUT", 30)
    if config.get("MAIL_USE_SSL"):
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            connection.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return connection


def _reset(connection: smtplib.SMTP) -> None:
    try:
        connection.rset()
    except (smtplib.SMTPException, OSError):
        pass


def _raise_if_permanent(error: Exception, codes: list[int]) -> None:
    if codes and all(500 <= code < 600 for code in codes):
        raise PermanentFailure(_describe(error)) from error


def _envelope_sender(config) -> str:
    return notifications.sender().addr_spec


def _write_to_folder(message: Outgoing, text: str) -> str:
    os.makedirs(_kept_folder(), exist_ok=True)
    with open(_kept_path(message.id), "w", encoding="ascii", newline="") as file:
        file.write(text)
    return f"kept: instance/mail/{os.path.basename(_kept_path(message.id))}"


def _kept_folder() -> str:
    return os.path.join(current_app.instance_path, "mail")


def _kept_path(message_id: int) -> str:
    return os.path.join(_kept_folder(), f"{message_id:08d}.eml")


def forget_kept(message_ids: list[int]) -> None:
    """Delete the files of kept messages (development, no mail server): a person erased (privacy)."""
    for message_id in message_ids:
        with contextlib.suppress(FileNotFoundError):
            os.remove(_kept_path(message_id))


# Reading the outbox ------------------------------------------------------------------------------


PAGE_SIZE = 50


@dataclass
class OutboxPage:
    messages: list[OutboxMessage]
    page: int
    pages: int


def messages_page(*, status: str | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> OutboxPage:
    """One page of messages, newest first, optionally of one status, for the organisers' outbox page."""
    query = select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    messages = db.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(page_size)
                                  .offset((page - 1) * page_size))
    return OutboxPage(list(messages), page, pages)


def status_counts() -> dict[str, int]:
    """How many messages are in each state."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: number for status, number in rows}


def get_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


@dataclass
class Readable:
    """A message as its recipient reads it: headers, text, HTML and the names of its attachments."""

    sender: str = ""
    to: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: list[str] = field(default_factory=list)
    #: Why there is nothing to read (what the message was about is gone).
    missing: str = ""


def readable(message: OutboxMessage) -> Readable:
    """The message as it is sent, but without a working personal link (the organisers' outbox page)."""
    try:
        if message.invoice_id is not None:
            text = invoice_mail.compose(message, message.created_at)
        elif message.kind in staff_mail.KINDS:
            text, _ = staff_mail.compose(message, with_link=False)
        elif message.kind in booking_mail.KINDS:
            text, _ = booking_mail.compose(message, with_link=False)
        else:
            text, _ = notifications.compose(message, with_link=False)
    except notifications.NothingToSend as error:
        return Readable(subject=message.subject, to=message.recipient, missing=str(error))
    parsed = email.message_from_string(text, policy=email.policy.default)
    plain, html = parsed.get_body(preferencelist=("plain",)), parsed.get_body(preferencelist=("html",))
    return Readable(
        sender=str(parsed["From"]), to=str(parsed["To"] or message.recipient), subject=str(parsed["Subject"]),
        text=plain.get_content() if plain is not None else "", html=html.get_content() if html is not None else "",
        attachments=[part.get_filename() for part in parsed.iter_attachments() if part.get_filename()])

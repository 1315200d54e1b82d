"""Delivering the outbox: claim due messages, send them over SMTP, record what the server said.

Several deliverers may run at once (cron, the web app after a response, a worker per machine). A
deliverer claims a batch in one short writing transaction — ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the database-wide write lock on SQLite — by stamping its own claim id on the rows, and
only sends rows carrying its stamp, so no message is sent twice. A claim older than
``CLAIM_TIMEOUT`` is taken to be from a deliverer that died and is claimed again.

Without ``MAIL_SERVER`` (development) messages are not sent but written to
``instance/mail/<id>.eml`` and kept in the outbox, readable in the organisers' outbox page.

An invoice's e-mail and a new registration's are queued without their body; the deliverer holding
the claim composes it (the PDF is rendered then, see ``invoice_mail``; the registration's personal
link is issued then, see ``notifications.compose_queued``) and stores it before the first attempt,
so every retry sends the same message. When a mail server accepts it, the invoice is marked sent in the same
transaction that records the delivery.
"""
import email
import email.policy
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
from . import invoice_mail, notifications
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


def deliver_due(now: datetime, *, limit: int = 100, ignore_backoff: bool = False,
                stopping: Callable[[], bool] = lambda: False) -> DeliveryReport:
    """Send up to ``limit`` messages that are due at ``now``; ``ignore_backoff`` also sends deferred ones.

    Once ``stopping()`` (the process is going away), the messages not yet sent are handed back.
    """
    report = DeliveryReport()
    claim = claim_due(now, limit=limit, ignore_backoff=ignore_backoff)
    messages = claimed(claim)
    if not messages:
        return report
    unavailable = None
    with _transport() as send:
        for message in messages:
            if stopping():
                hand_back(claim)
                break
            if unavailable is not None:
                _finish(message, now, claim, retry=unavailable, report=report)
                continue
            if not message.is_composed:
                try:
                    if not _compose(message, now, claim):
                        continue  # another deliverer holds it now
                except notifications.NothingToSend as error:
                    _finish(message, now, claim, failed=str(error), report=report)
                    continue
                except Exception as error:
                    # The row stays and is tried again; one document that cannot be made stops no other.
                    current_app.logger.exception("Composing outbox message %s failed", message.id)
                    _finish(message, now, claim, retry=f"{type(error).__name__}: {error}", report=report)
                    continue
            try:
                reply = send(message)
            except PermanentFailure as error:
                _finish(message, now, claim, failed=str(error), report=report)
            except ServerUnavailable as error:
                unavailable = str(error)
                _finish(message, now, claim, retry=unavailable, report=report)
            except (smtplib.SMTPException, OSError) as error:
                _finish(message, now, claim, retry=_describe(error), report=report)
            else:
                _finish(message, now, claim, sent=reply, report=report)
    return report


@dataclass
class Outgoing:
    """One claimed message as the deliverer reads it once: plain values, which the short transactions
    recording each outcome leave alone (ORM objects would be expired and read again after each)."""

    id: int
    kind: str
    recipient: str
    subject: str
    message: str
    attempts: int
    invoice_id: int | None
    registration_id: int | None
    created_at: datetime

    @property
    def is_composed(self) -> bool:
        return bool(self.message)


def claimed(claim: str) -> list[Outgoing]:
    """The messages stamped with ``claim``, in the order they were queued."""
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.subject,
               OutboxMessage.message, OutboxMessage.attempts, OutboxMessage.invoice_id,
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


def deliver_while_due(now: Callable[[], datetime], *, limit: int = 100, rounds: int = 50,
                      stopping: Callable[[], bool] = lambda: False) -> DeliveryReport:
    """Deliver batch after batch while messages are due (at most ``rounds`` batches); all outcomes."""
    total = DeliveryReport()
    for _ in range(rounds):
        if stopping() or not has_due(now()):
            break
        report = deliver_due(now(), limit=limit, stopping=stopping)
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


def hand_back(claim: str) -> None:
    """Give up the messages of ``claim`` not yet sent: due again at once, for any deliverer."""
    with _short_write():
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.claimed_by == claim, OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_at=None),
            execution_options={"synchronize_session": False})


def _compose(message: Outgoing, now: datetime, claim: str) -> bool:
    """Compose a message queued without its body and store it while this deliverer holds the claim;
    False if it does not."""
    if message.invoice_id is not None:
        composed, link = invoice_mail.compose(message, now), None
    else:
        composed, link = notifications.compose_queued(message)
    message.message = composed
    db.session.rollback()  # composing only read: store the result in a short writing transaction
    with _short_write():
        stored = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == claim)
            .values(message=composed), execution_options={"synchronize_session": False}
        ).rowcount
        if stored and link is not None:
            db.session.add(link)
    return stored == 1


def _finish(message: Outgoing, now: datetime, claim: str, *, report: DeliveryReport, sent: str | None = None,
            retry: str | None = None, failed: str | None = None) -> None:
    """Record one message's outcome, only if this deliverer still holds it."""
    values: dict = {"claimed_by": None, "claimed_at": None, "attempts": OutboxMessage.attempts + 1}
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
def _transport() -> Iterator[Callable[[Outgoing], str]]:
    """A function sending one message and returning what to record; SMTP when MAIL_SERVER is set."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        yield _write_to_folder
        return
    connection = None

    def send(message: Outgoing) -> str:
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
                                          message.message.encode("ascii"))
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


def _write_to_folder(message: Outgoing) -> str:
    folder = os.path.join(current_app.instance_path, "mail")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{message.id:08d}.eml")
    with open(path, "w", encoding="ascii", newline="") as file:
        file.write(message.message)
    return f"kept: {path}"


# Reading the outbox ------------------------------------------------------------------------------


def recent_messages(*, status: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages, optionally of one status, for the organisers' outbox page."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def status_counts() -> dict[str, int]:
    """How many messages are in each state."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: number for status, number in rows}


def get_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def readable_parts(message: OutboxMessage) -> dict[str, str]:
    """Headers, plain text and calendar of a stored message, decoded for reading."""
    parsed = email.message_from_string(message.message, policy=email.policy.default)
    parts = {"headers": "\n".join(f"{name}: {value}" for name, value in parsed.items()), "text": "", "calendar": ""}
    body = parsed.get_body(preferencelist=("plain",))
    if body is not None:
        parts["text"] = body.get_content()
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            parts["calendar"] = part.get_content()
            break
    return parts

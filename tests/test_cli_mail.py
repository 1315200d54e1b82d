"""`flask outbox deliver` and `flask send-reminders`, as cron or a systemd timer runs them."""
from datetime import timedelta

from builders import make_event, register

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import OutboxMessage


def test_outbox_deliver_sends_what_is_due_in_batches(app, smtp_server):
    with app.test_request_context():
        now = utcnow()
        event = make_event(now)
        for n in range(5):
            register(event, now, n)
    result = app.test_cli_runner().invoke(args=["outbox", "deliver", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "Sent 5, to be retried 0, failed 0" in result.output
    assert len(smtp_server.recorder.messages) == 5
    again = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert "Sent 0" in again.output and len(smtp_server.recorder.messages) == 5


def test_outbox_deliver_stops_when_the_server_is_down(app, smtp_server):
    smtp_server.stop()
    with app.test_request_context():
        now = utcnow()
        event = make_event(now)
        for n in range(3):
            register(event, now, n)
    result = app.test_cli_runner().invoke(args=["outbox", "deliver", "--all", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "Sent 0, to be retried 1, failed 0" in result.output


def test_send_reminders_once_however_often_it_runs(app, smtp_server):
    with app.test_request_context():
        now = utcnow()
        event = make_event(now - timedelta(days=40), starts_at=now + timedelta(days=1),
                           registration_deadline=now + timedelta(hours=1))
        register(event, now - timedelta(days=5), 1)
        title = event.title
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0 and "Queued 1 reminders" in first.output
    assert "Queued 0 reminders" in second.output
    assert [m["Subject"] for m in smtp_server.recorder.messages].count(f"Påminnelse: {title}") == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(OutboxMessage.kind == "reminder")) == 1

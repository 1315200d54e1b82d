"""/healthz for the load balancer and `flask check` for the people who run the site."""
from sqlalchemy.exc import OperationalError

from eventapp.services import health


def test_healthz_answers_ok_while_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(client, monkeypatch):
    monkeypatch.setattr("eventapp.web.health.database_reachable",
                        lambda: health.Check("database", False, "connection refused"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_healthz_is_never_rate_limited(app, client):
    assert all(client.get("/healthz").status_code == 200 for _ in range(40))


def test_check_reports_everything_reachable(app):
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "ok" in lines["database"] and "ok" in lines["migrations"]
    assert "not configured" in lines["smtp"] and "not configured" in lines["redis"]


def test_check_fails_on_unreachable_smtp_and_redis(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, REDIS_URL="redis://127.0.0.1:1/0")
    try:
        result = app.test_cli_runner().invoke(args=["check"])
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25, REDIS_URL=None)
    assert result.exit_code == 1
    assert "smtp        FAILED" in result.output
    assert "redis       FAILED" in result.output


def test_check_reports_a_database_behind_on_migrations(app, monkeypatch):
    monkeypatch.setattr("alembic.script.ScriptDirectory.get_heads", lambda self: ["f00dfeed0001"])
    with app.app_context():
        check = health.migrations_current()
    assert check.ok is False
    assert "f00dfeed0001" in check.detail and "db upgrade" in check.detail


def test_an_unreachable_database_is_reported(app, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(health.db.engine, "connect", refuse)
        check = health.database_reachable()
    assert check.ok is False and "connection refused" in check.detail

"""The application under test plus bare baseline routes, served by the same gunicorn and stack.

`gunicorn "bench.baseline_app:create_app()"`: every eventapp page, and under /bare/ a route doing
one INSERT and one rendering a small template, with nothing of eventapp's rules in between. The
benchmarks report eventapp's figures as a ratio to these.
"""
import os

from flask import Blueprint, render_template, request
from sqlalchemy import Column, Integer, MetaData, String, Table

import eventapp
from eventapp.extensions import csrf, db

HERE = os.path.dirname(os.path.abspath(__file__))

bare_metadata = MetaData()
bare_row = Table("bench_bare_row", bare_metadata,
                 Column("id", Integer, primary_key=True), Column("email", String(254)))

bp = Blueprint("bare", __name__, url_prefix="/bare", template_folder=os.path.join(HERE, "templates"))


@bp.get("/form")
def form():
    # The same shape of answer as the registration form's GET: a page with a CSRF token.
    return render_template("bare/form.html")


@bp.post("/insert")
@csrf.exempt
def insert():
    db.session.execute(bare_row.insert().values(email=request.form.get("email", "")))
    db.session.commit()
    return "", 302, {"Location": "/bare/form"}


@bp.get("/page")
def page():
    return render_template("bare/page.html", items=range(10))


def create_app():
    """eventapp with rate limits off (every bench client is 127.0.0.1) and the bare routes added."""
    app = eventapp.create_app({"RATELIMIT_ENABLED": False})
    app.register_blueprint(bp)
    return app

"""Warming up before the fork: every template compiled, every language's catalogues loaded."""
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from eventapp.forms import wtforms_catalogue
from eventapp.warm_up import TEMPLATE_SUFFIXES, warm_up

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_every_template_is_compiled_once(app):
    on_disk = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*") if p.suffix in TEMPLATE_SUFFIXES}
    assert warm_up(app) >= len(on_disk) > 50
    compiled = {key[1] for key in app.jinja_env.cache}
    assert on_disk <= compiled


def test_the_catalogues_are_loaded_for_every_language(app):
    wtforms_catalogue.cache_clear()
    warm_up(app)
    assert wtforms_catalogue.cache_info().currsize == len(app.config["LANGUAGES"])
    with app.test_request_context(), force_locale("sv"):
        assert gettext("Please try again") == "Försök igen"


def test_a_broken_template_stops_the_start(app, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader, TemplateSyntaxError

    monkeypatch.setattr(app.jinja_env, "loader",
                        ChoiceLoader([DictLoader({"broken.html": "{% if %}"}), app.jinja_env.loader]))
    with pytest.raises(TemplateSyntaxError):
        warm_up(app)

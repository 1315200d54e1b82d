"""Warming up before the fork: every template compiles, and a broken one stops the start."""
from pathlib import Path

import pytest

from eventapp.warm_up import TEMPLATE_SUFFIXES, warm_up

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_every_template_on_disk_compiles(app):
    on_disk = {p for p in TEMPLATES.rglob("*") if p.suffix in TEMPLATE_SUFFIXES}
    assert warm_up(app) >= len(on_disk) > 50


def test_a_broken_template_stops_the_start(app, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader, TemplateSyntaxError

    monkeypatch.setattr(app.jinja_env, "loader",
                        ChoiceLoader([DictLoader({"broken.html": "{% if %}"}), app.jinja_env.loader]))
    with pytest.raises(TemplateSyntaxError):
        warm_up(app)

"""What a web process would otherwise do on its first requests, done once before gunicorn forks.

Compiled templates, the loaded catalogues and the configured ORM mappers are then shared by every
worker, including each one started later to replace a recycled one, so no attendee's first page
from a new worker waits for them (`gunicorn.conf.py` calls this when the app is preloaded).
"""
from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers

from .forms import wtforms_catalogue

TEMPLATE_SUFFIXES = (".html", ".txt", ".ics", ".xml")


def warm_up(app: Flask) -> int:
    """Compile every template and load every language's catalogues; the number of templates."""
    configure_mappers()
    names = [name for name in app.jinja_env.list_templates() if name.endswith(TEMPLATE_SUFFIXES)]
    for name in names:
        app.jinja_env.get_template(name)
    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations()
                wtforms_catalogue(language)
    return len(names)

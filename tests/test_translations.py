"""Every user-facing string has a Swedish translation, and the schema exists only through migrations."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def extracted_messages() -> set:
    method_map = [("eventapp/**.py", "python"), ("templates/**.html", "jinja2")]
    messages = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        messages.add(message if isinstance(message, str) else tuple(message)[0])
    return messages


def test_every_message_has_a_swedish_translation():
    with open(ROOT / "eventapp/translations/sv/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(extracted_messages() - translated)
    assert not missing, "untranslated (run `make messages` and translate): " + "; ".join(missing[:20])


def test_models_and_migrations_agree(app):
    """Would autogenerate find anything? Then a migration is missing."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from eventapp.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, db.metadata) == []

"""Texts written in Swedish and English: a reader gets their own language, else the other one."""
import pytest
from flask_babel import force_locale

from eventapp.models import Event
from eventapp.models.translated import in_language


@pytest.mark.parametrize(("swedish", "english", "reader", "shown", "lang"), [
    ("Frukost", "Breakfast", "sv", "Frukost", "sv"),
    ("Frukost", "Breakfast", "en", "Breakfast", "en"),
    ("Frukost", "", "en", "Frukost", "sv"),  # no English: the Swedish, marked as Swedish
    ("", "Breakfast", "sv", "Breakfast", "en"),  # no Swedish: the English, marked as English
    ("", "", "en", "", "sv"),
])
def test_the_readers_language_and_else_the_other(ctx, swedish, english, reader, shown, lang):
    text = in_language(swedish, english, reader)
    assert (str(text), text.lang) == (shown, lang)


def test_an_event_gives_its_texts_in_the_current_locales_language(ctx):
    event = Event(title="Vilka är vi?", title_en="Who are we?", description="Fem träffar.", description_en="")
    assert (event.localised.title, event.localised.description) == ("Vilka är vi?", "Fem träffar.")
    with force_locale("en"):
        assert (event.localised.title, event.localised.title.lang) == ("Who are we?", "en")
        assert (event.localised.description, event.localised.description.lang) == ("Fem träffar.", "sv")
    with pytest.raises(AttributeError):
        event.localised.venue  # noqa: B018  (not a translated text)


def test_the_untranslated_texts_are_in_the_configured_content_language(app):
    with app.test_request_context("/?lang=en"):
        app.config["CONTENT_LANGUAGE"] = "fi"
        try:
            assert in_language("Aamiainen", "").lang == "fi"
        finally:
            app.config["CONTENT_LANGUAGE"] = "sv"

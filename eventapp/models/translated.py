"""Texts an organiser writes in Swedish and, optionally, in English.

A translated text is two columns: ``title`` in the language the site's event texts are written in
(``CONTENT_LANGUAGE``, Swedish by default) and ``title_en`` in English. A reader gets the text in
their own language where it is written, and the other one where it is not, marked with the language
it is in (so that a page can tell screen readers to switch voice).
"""
from typing import ClassVar

from flask import current_app, has_app_context

ENGLISH = "en"


class LocalText(str):
    """A text as a reader is shown it, and the language it is written in."""

    lang: str

    def __new__(cls, text: str, lang: str) -> "LocalText":
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def content_language() -> str:
    """The language of the untranslated columns."""
    return current_app.config.get("CONTENT_LANGUAGE", "sv") if has_app_context() else "sv"


def in_language(text: str, english: str, language: str | None = None) -> LocalText:
    """``text`` or its English version ``english``, whichever suits a reader of ``language`` (the
    current locale by default) and is written."""
    if language is None:
        from .. import current_language

        language = current_language()
    own = content_language()
    if language == ENGLISH and english:
        return LocalText(english, ENGLISH)
    if text or not english:
        return LocalText(text or "", own)
    return LocalText(english, ENGLISH)


class Localised:
    """The translated texts of one object in the reader's language: ``event.localised.title``."""

    def __init__(self, owner: "Translatable") -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> LocalText:
        if name not in type(self._owner).TRANSLATED:
            raise AttributeError(name)
        return in_language(getattr(self._owner, name) or "", getattr(self._owner, name + "_en") or "")


class Translatable:
    """A model (or snapshot) with translated texts: each name in ``TRANSLATED`` has a ``<name>_en``."""

    TRANSLATED: ClassVar[tuple[str, ...]] = ()

    @property
    def localised(self) -> Localised:
        return Localised(self)

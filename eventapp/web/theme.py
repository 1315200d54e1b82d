"""The organiser's accent colour as a small stylesheet, the logo for the page header, and the language
event texts are written in.

A stylesheet of its own (not an inline style attribute) so that a strict Content-Security-Policy
(style-src 'self') can be used.
"""
import hashlib

from flask import Blueprint, Response, current_app
from markupsafe import Markup

from .. import theme

bp = Blueprint("theme", __name__)


@bp.record_once
def check_settings(state) -> None:
    """Refuse to start with a colour or logo that would break contrast or load from elsewhere."""
    config = state.app.config
    try:
        theme.accent_palette(config["ACCENT_COLOR"])
        theme.logo_url(config["LOGO_URL"])
        theme.language_tag(config["CONTENT_LANGUAGE"])
    except theme.ThemeError as error:
        raise RuntimeError(str(error)) from None


@bp.app_context_processor
def branding() -> dict:
    palette = theme.accent_palette(current_app.config["ACCENT_COLOR"])
    version = hashlib.sha256(repr(sorted(palette.items())).encode()).hexdigest()[:10]
    return {"logo_url": theme.logo_url(current_app.config["LOGO_URL"]), "theme_version": version,
            "content_lang_attr": content_lang_attr}


def content_lang_attr(text=None) -> Markup:
    """` lang="sv"` on organisers' texts when the page is in another language, so screen readers switch voice.

    ``text``: a translated text (``models.translated.LocalText``), which knows its language; other
    texts are in the language the site's event texts are written in.
    """
    from .. import current_language

    language = getattr(text, "lang", None) or theme.language_tag(current_app.config["CONTENT_LANGUAGE"])
    return Markup(' lang="{}"').format(language) if language != current_language() else Markup("")


@bp.get("/theme.css")
def stylesheet() -> Response:
    palette = theme.accent_palette(current_app.config["ACCENT_COLOR"])
    body = ":root {\n" + "".join(f"  {name}: {value};\n" for name, value in palette.items()) + "}\n"
    response = Response(body, mimetype="text/css")
    # The URL carries a version of the palette, so a changed colour is fetched at once.
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response

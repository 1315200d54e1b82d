"""The organiser's accent colour, logo and content language: readable, local, and refused when not."""
from contextlib import contextmanager

import pytest
from builders import make_event

from config import TestingConfig
from eventapp import create_app, theme
from eventapp.database import utcnow


@contextmanager
def configured(app, **settings):
    """Change settings of the suite's app for one test."""
    previous = {name: app.config[name] for name in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(previous)


def test_contrast_ratio_follows_wcag():
    assert theme.contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert theme.contrast_ratio("#0b5cad", "#0b5cad") == pytest.approx(1)
    assert theme.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the known AA grey


@pytest.mark.parametrize("colour, accepted", [
    ("#0b5cad", True), ("#0B5CAD", True), ("#000000", True),
    ("#707070", True),   # 4.53:1 against the lightest background
    ("#717171", False),  # 4.47:1
    ("#ffdd00", False), ("#ffffff", False),
])
def test_accent_colour_needs_contrast_with_light_backgrounds(colour, accepted):
    if accepted:
        palette = theme.accent_palette(colour)
        assert palette["--accent"] == colour.lower()
        assert theme.contrast_ratio(palette["--accent-dark"], "#ffffff") >= theme.contrast_ratio(colour, "#ffffff")
    else:
        with pytest.raises(theme.ThemeError, match="too light"):
            theme.accent_palette(colour)


@pytest.mark.parametrize("colour", ["", "blue", "#fff", "#0b5cad;}body{display:none", "0b5cad", "#0b5cag"])
def test_accent_colour_must_be_six_hex_digits(colour):
    with pytest.raises(theme.ThemeError, match="like #0b5cad"):
        theme.accent_palette(colour)


@pytest.mark.parametrize("url, accepted", [
    ("", True), ("/static/logo.svg", True), ("/media/nowa logo.png", False),
    ("https://cdn.example.org/logo.svg", False), ("//cdn.example.org/logo.svg", False),
    ("javascript:alert(1)", False), ('/logo.svg" onload="alert(1)', False), ("static/logo.svg", False),
])
def test_logo_must_be_a_path_on_this_site(url, accepted):
    if accepted:
        assert theme.logo_url(url) == url
    else:
        with pytest.raises(theme.ThemeError):
            theme.logo_url(url)


@pytest.mark.parametrize("setting, value", [
    ("ACCENT_COLOR", "#ffff00"), ("ACCENT_COLOR", "red"), ("LOGO_URL", "https://cdn.example.org/logo.png"),
    ("CONTENT_LANGUAGE", "svenska!"),
])
def test_the_app_refuses_to_start_with_an_unsafe_setting(setting, value):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    setattr(Config, setting, value)
    with pytest.raises(RuntimeError, match=setting):
        create_app(Config)


def test_theme_stylesheet_carries_the_accent_colour(app, client):
    with configured(app, ACCENT_COLOR="#6a1b9a"):
        page = client.get("/login").get_data(as_text=True)
        response = client.get("/theme.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "--accent: #6a1b9a;" in response.get_data(as_text=True)
    assert 'href="/theme.css?v=' in page


def test_a_changed_colour_gets_a_new_stylesheet_address(app, client):
    default = client.get("/login").get_data(as_text=True)
    with configured(app, ACCENT_COLOR="#6a1b9a"):
        changed = client.get("/login").get_data(as_text=True)
    link = 'href="/theme.css?v='
    assert default.split(link)[1][:10] != changed.split(link)[1][:10]


def test_logo_is_shown_beside_the_organiser_name(app, client):
    assert "brand-logo" not in client.get("/").get_data(as_text=True)
    with configured(app, LOGO_URL="/static/logo.svg", ORGANISER_NAME="Kommunförbundet Skåne"):
        page = client.get("/").get_data(as_text=True)
    assert '<img class="brand-logo" src="/static/logo.svg" alt="">Kommunförbundet Skåne' in page


def test_event_texts_are_marked_swedish_on_english_pages(app, client):
    with app.app_context():
        slug = make_event(utcnow(), title="Vilka är vi?").slug
    swedish = client.get(f"/events/{slug}").get_data(as_text=True)
    english = client.get(f"/events/{slug}?lang=en").get_data(as_text=True)
    assert "<h1>Vilka är vi?</h1>" in swedish
    assert '<h1 lang="sv">Vilka är vi?</h1>' in english
    assert '<html lang="en">' in english

"""Shrinking names to fit, then wrapping them."""
import pytest

from eventapp.exports.text_fit import FLOOR_PT, count_lines, direction, fit_text, text_width


def test_a_short_name_keeps_the_largest_size():
    fitted = fit_text("Åsa", width=200, height=100, largest=40, smallest=20, bold=True)
    assert (fitted.size, fitted.lines) == (40, 1)


def test_a_name_just_too_wide_shrinks_one_step():
    width = text_width("Maximiliana", 30, bold=True)
    assert fit_text("Maximiliana", width=width, height=100, largest=30, smallest=10, bold=True).size == 30
    assert fit_text("Maximiliana", width=width - 0.1, height=100, largest=30, smallest=10, bold=True).size == 29.5


def test_a_long_name_shrinks_to_the_minimum_then_wraps():
    name = "von Lindenhjelm-Grönstedt Åkerblad af Ekenstierna"
    fitted = fit_text(name, width=150, height=100, largest=24, smallest=14)
    assert fitted.size == 14 and fitted.lines > 1
    assert fitted.height <= 100


def test_text_too_long_even_wrapped_shrinks_below_the_minimum_but_fits_its_height():
    fitted = fit_text("W" * 200, width=150, height=60, largest=24, smallest=14, bold=True)
    assert FLOOR_PT <= fitted.size < 14
    assert fitted.height <= 60


def test_lines_wrap_at_spaces_and_break_long_words():
    one = text_width("Anna", 10)
    assert count_lines("Anna Anna", 10, width=one * 2.5) == 1
    assert count_lines("Anna Anna", 10, width=one * 1.5) == 2
    assert count_lines("AnnaAnnaAnna", 10, width=one * 1.1) == 3


def test_whitespace_is_collapsed():
    assert fit_text("  Anna \n Ek ", width=100, height=50, largest=10, smallest=8).text == "Anna Ek"


@pytest.mark.parametrize("text,expected", [
    ("محمود آغا", "rtl"), ("Åsa Öberg-Ärlig", "ltr"), ("123 محمود", "rtl"), ("", "ltr"), ("(Anna)", "ltr"),
])
def test_direction_follows_the_first_strong_letter(text, expected):
    assert direction(text) == expected


def test_arabic_letters_are_measured_with_the_arabic_font():
    assert text_width("محمود", 10) > 10  # five letters, not zero-width

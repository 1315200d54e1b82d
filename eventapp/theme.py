"""The organiser's look: accent colour and logo, checked so that the site stays readable and self-contained."""
import re

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: The lightest background the accent is used on as text colour (links in grey boxes); white text sits on it too.
LIGHTEST_BACKGROUND = "#f3f5f7"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
#: How much darker the hover shade is than the accent.
HOVER_SHADE = 0.75


class ThemeError(ValueError):
    """A configured colour or logo that would make the site unreadable or load from elsewhere."""


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker(colour: str, factor: float = HOVER_SHADE) -> str:
    return "#" + "".join(f"{round(c * factor):02x}" for c in _channels(colour))


def accent_palette(colour: str) -> dict[str, str]:
    """The CSS custom properties for an accent colour; ThemeError if it is malformed or too light."""
    colour = (colour or "").strip()
    if not HEX_COLOUR.fullmatch(colour):
        raise ThemeError(f"EVENTAPP_ACCENT_COLOR must be a colour like #0b5cad, not {colour!r}.")
    colour = colour.lower()
    ratio = contrast_ratio(colour, LIGHTEST_BACKGROUND)
    if ratio < MIN_CONTRAST:
        raise ThemeError(
            f"EVENTAPP_ACCENT_COLOR {colour} is too light: its contrast with white text and light backgrounds is "
            f"{ratio:.2f}:1, at least {MIN_CONTRAST}:1 is needed. Choose a darker shade."
        )
    return {"--accent": colour, "--accent-dark": darker(colour)}


def logo_url(url: str) -> str:
    """The logo's address if it is a path on this site ("/static/logo.svg"); ThemeError otherwise.

    Only local paths: the site must work on a closed conference network, and an outside image would
    tell a third party who reads which page.
    """
    url = (url or "").strip()
    if not url:
        return ""
    if not url.startswith("/") or url.startswith("//") or re.search(r"[\s\"'<>\\]", url):
        raise ThemeError(f"EVENTAPP_LOGO_URL must be a path on this site such as /static/logo.svg, not {url!r}.")
    return url


LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def language_tag(tag: str) -> str:
    """A BCP 47 language tag such as "sv" or "en-GB"; ThemeError otherwise."""
    if not LANGUAGE_TAG.fullmatch(tag or ""):
        raise ThemeError(f"EVENTAPP_CONTENT_LANGUAGE must be a language tag such as sv, not {tag!r}.")
    return tag

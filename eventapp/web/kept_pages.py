"""Public pages kept as rendered HTML, so a rush of visitors does not render the same page each time.

When registration opens for a large conference, thousands of people load the same form within
minutes. Its HTML is the same for every anonymous visitor except for two values of their own: the
CSRF token and the signed time the form was shown. A page is rendered once per key (which names
everything it shows: the event's version, the language, ...), kept with those values cut out, and
served with each visitor's own values put back.
"""
from collections.abc import Callable

#: Marks where a visitor's own value goes in a kept page; NUL never occurs in rendered HTML.
_MARK = "\x00{}\x00"


class KeptPages:
    """Rendered pages by key, at most ``size`` of them (all are dropped when it is reached)."""

    def __init__(self, size: int = 256):
        self._size = size
        self._pages: dict[tuple, str] = {}

    def page(self, key: tuple, render: Callable[[], str], own: dict[str, str]) -> str:
        """The page for ``key`` with the visitor's ``own`` values, rendered by ``render`` only when not kept.

        ``own`` maps a name to the value of this visitor; the first rendering must contain each
        value exactly once, or the page is not kept (it is still served).
        """
        kept = self._pages.get(key)
        if kept is None:
            html = render()
            if "\x00" in html or any(html.count(value) != 1 for value in own.values()):
                return html
            for name, value in own.items():
                html = html.replace(value, _MARK.format(name))
            if len(self._pages) >= self._size:
                self._pages.clear()
            self._pages[key] = kept = html
        return self._filled(kept, own)

    @staticmethod
    def _filled(kept: str, own: dict[str, str]) -> str:
        for name, value in own.items():
            kept = kept.replace(_MARK.format(name), value)
        return kept

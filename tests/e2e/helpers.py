"""What browser tests check on a page: axe's WCAG 2.1 A/AA rules, and screenshots at two widths."""
from axe_playwright_python.sync_playwright import Axe

from .conftest import DESKTOP, PHONE, SCREENSHOTS

WCAG_21_AA = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
#: axe's "best practice" rules for the page's structure, which a screen-reader user navigates by.
STRUCTURE_RULES = {"heading-order", "page-has-heading-one", "empty-heading", "landmark-one-main", "region",
                   "landmark-unique", "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo",
                   "skip-link"}
_axe = Axe()


def assert_accessible(page) -> None:
    """No violation of WCAG 2.1 A/AA (nor of the structure rules) that axe-core finds on the page as it is now."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": sorted(WCAG_21_AA) + ["best-practice"]},
                                      "resultTypes": ["violations"]})
    violations = [v for v in results.response["violations"]
                  if WCAG_21_AA & set(v["tags"]) or v["id"] in STRUCTURE_RULES]
    assert not violations, f"{page.url}\n" + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {node['html']}" for node in v["nodes"])
        for v in violations)


def save_screenshots(page, name: str) -> None:
    """Full-page screenshots at phone and desktop width, under tests/e2e/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    original = page.viewport_size or DESKTOP
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{viewport['width']}.png", full_page=True, animations="disabled")
    page.set_viewport_size(original)


def assert_reflows(page, width: int = 320) -> None:
    """WCAG 1.4.10: at 320 CSS pixels (1280 px zoomed to 400 %) nothing needs scrolling sideways."""
    original = page.viewport_size or DESKTOP
    page.set_viewport_size({"width": width, "height": 640})
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{page.url} is {overflow} px wide at {width} px"
    finally:
        page.set_viewport_size(original)


def check_both_widths(page, name: str) -> None:
    """axe's WCAG 2.1 A/AA rules at phone and desktop width, reflow at 320 px, and the screenshots."""
    original = page.viewport_size or DESKTOP
    try:
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            assert_accessible(page)
    finally:
        page.set_viewport_size(original)
    assert_reflows(page)
    save_screenshots(page, name)

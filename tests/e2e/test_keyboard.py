"""Registering with the keyboard only, as a screen-reader or switch user does: no mouse, no clicks."""
from builders import make_event
from playwright.sync_api import expect

from eventapp.database import utcnow

FOCUS_YELLOW = "rgb(255, 221, 0)"
MAX_TABS = 40


def focused(page) -> dict:
    """What has the keyboard focus: its id, tag, visible text and whether a focus indicator is drawn."""
    return page.evaluate("""(yellow) => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {id: el.id, tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || "").trim(),
                indicator: style.outlineColor === yellow && style.outlineStyle !== "none"
                           || style.backgroundColor === yellow};
    }""", FOCUS_YELLOW)


def tab_to(page, *, id: str | None = None, text: str | None = None) -> dict:
    """Press Tab until the element with this id (or text) has the focus; fail if it never comes."""
    # After a keyboard-triggered navigation the DOM can be there before the style sheet is.
    page.wait_for_load_state("load")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if (id is not None and now["id"] == id) or (text is not None and now["text"] == text):
            assert now["indicator"], f"no visible focus indicator on {now}"
            return now
    raise AssertionError(f"Tab never reached {id or text!r}")


def type_into(page, field_id: str, value: str) -> None:
    tab_to(page, id=field_id)
    page.keyboard.type(value)


def test_registration_with_the_keyboard_only(page, in_app):
    with in_app():
        slug = make_event(utcnow(), title="Kommunikation och integration").slug
    page.goto(f"/events/{slug}")

    # The first Tab reaches the skip link; following it lands in the main content.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Hoppa till innehållet"
    assert focused(page)["indicator"]
    page.keyboard.press("Enter")
    tab_to(page, text="Anmäl dig")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmälan till Kommunikation och integration")

    # Sending the empty form: the error summary gets the focus and is read out first.
    tab_to(page, text="Anmäl dig")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#first_name")).to_have_attribute("aria-describedby", "first_name-error")
    expect(page.locator("#first_name-error")).to_have_text("Fyll i ditt förnamn.")

    # Its first link takes the focus to the field in error.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Fyll i ditt förnamn."
    page.keyboard.press("Enter")
    expect(page.locator("#first_name")).to_be_focused()
    page.keyboard.type("Åsa")

    type_into(page, "last_name", "Öberg")
    type_into(page, "email", "asa@example.org")
    type_into(page, "job_title", "Integrationssamordnare")
    type_into(page, "organisation", "Synskadades Riksförbund")
    tab_to(page, id="organisation_kind")
    tab_to(page, id="consent")
    page.keyboard.press("Space")
    expect(page.locator("#consent")).to_be_checked()
    tab_to(page, text="Anmäl dig")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Du är anmäld")).to_be_visible()
    tab_to(page, text="Hantera din anmälan")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Åsa Öberg")).to_be_visible()

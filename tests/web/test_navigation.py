"""The back office's menu by role, the tabs of an event, and the overview with its archive."""
import re
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user

from eventapp.database import utcnow


def logged_in(app, client, role: str, events=()):
    with app.app_context():
        log_in(client, make_user(f"{role}@example.org", role, events=events).id)
    return client


def menu_of(page: str) -> list[str]:
    nav = re.search(r'<nav class="office-nav"[^>]*>(.*?)</nav>', page, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(1)) if nav else []


@pytest.mark.parametrize(("role", "start", "entries"), [
    ("organiser", "/admin/", ["Evenemang", "Incheckning", "No show-avgifter", "E-post", "Personuppgifter"]),
    ("admin", "/admin/", ["Evenemang", "Incheckning", "No show-avgifter", "Fakturor", "E-post", "Personal",
                          "Personuppgifter"]),
    ("finance", "/finance/", ["Fakturor"]),
    ("checkin", "/checkin/", ["Incheckning"]),
])
def test_each_role_sees_the_parts_of_the_back_office_it_may_use(app, client, role, start, entries):
    page = logged_in(app, client, role).get(start).get_data(as_text=True)
    assert menu_of(page) == entries
    # The same menu on every page, public ones too, while logged in.
    assert menu_of(client.get("/").get_data(as_text=True)) == entries


def test_visitors_get_no_menu(client):
    assert menu_of(client.get("/").get_data(as_text=True)) == []


def test_the_menu_marks_the_page_and_the_part_shown(app, client):
    with app.app_context():
        slug = make_event(utcnow()).slug
    logged_in(app, client, "organiser")
    assert '<a href="/admin/" aria-current="page">Evenemang</a>' in client.get("/admin/").get_data(as_text=True)
    page = client.get(f"/admin/events/{slug}/attendees").get_data(as_text=True)
    assert '<a href="/admin/" aria-current="true">Evenemang</a>' in page
    assert 'aria-current="true">Incheckning' not in page


def test_staff_accounts_are_in_the_administrators_menu_only(app, client):
    assert "Personal" in menu_of(logged_in(app, client, "admin").get("/admin/staff/").get_data(as_text=True))
    organiser = menu_of(logged_in(app, client, "organiser").get("/admin/").get_data(as_text=True))
    assert "Personal" not in organiser


TABS = ["Översikt", "Deltagare", "Statistik", "Namnbrickor", "Incheckning", "Grupper och bord", "No show",
        "Synpunkter", "Utskick", "Redigera", "Ändringslogg"]


@pytest.mark.parametrize(("path", "current"), [
    ("", "Översikt"), ("/attendees", "Deltagare"), ("/statistics", "Statistik"), ("/badges/", "Namnbrickor"),
    ("/groups", "Grupper och bord"), ("/no-shows", "No show"), ("/feedback", "Synpunkter"),
    ("/messages", "Utskick"), ("/edit", "Redigera"), ("/log", "Ändringslogg"),
])
def test_each_page_of_an_event_is_a_tab_of_it(app, client, path, current):
    with app.app_context():
        slug = make_event(utcnow()).slug
    page = logged_in(app, client, "organiser").get(f"/admin/events/{slug}{path}").get_data(as_text=True)
    nav = re.search(r'<nav class="event-nav"[^>]*>(.*?)</nav>', page, re.S).group(1)
    assert re.findall(r"<a [^>]*>([^<]+)</a>", nav) == TABS
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == [current]


def test_the_door_is_a_tab_for_organisers_and_alone_for_a_volunteer(app, client):
    with app.app_context():
        event = make_event(utcnow())
        slug = event.slug
        volunteer = make_user("dorr@example.org", "checkin", events=[event]).id
    organiser_page = logged_in(app, client, "organiser").get(f"/checkin/{slug}").get_data(as_text=True)
    assert 'aria-current="page">Incheckning</a>' in organiser_page
    log_in(client, volunteer)
    door = client.get(f"/checkin/{slug}").get_data(as_text=True)
    assert 'class="event-nav"' not in door  # one page of the event only: no tabs to choose between


# The overview and the archive -------------------------------------------------------------------------


def titles(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/events/[^"/]+">([^<]+)</a>', page)


def test_the_overview_lists_coming_events_first_and_the_ended_in_the_archive(app, client):
    now = utcnow()
    with app.app_context():
        make_event(now, title="Om en månad", starts_at=now + timedelta(days=30))
        make_event(now, title="Pågår", starts_at=now - timedelta(hours=1), published=False)
        make_event(now, title="Slutar om en sekund", starts_at=now - timedelta(hours=8) + timedelta(seconds=5))
        make_event(now, title="Slutade nyss", starts_at=now - timedelta(hours=8, seconds=5))
        make_event(now, title="I fjol", starts_at=now - timedelta(days=365))
    logged_in(app, client, "organiser")
    overview = client.get("/admin/").get_data(as_text=True)
    assert titles(overview) == ["Slutar om en sekund", "Pågår", "Om en månad"]
    assert "2 evenemang har varit." in overview
    assert titles(client.get("/admin/archive").get_data(as_text=True)) == ["Slutade nyss", "I fjol"]


@pytest.mark.parametrize(("query", "found"), [
    ("goteborg", ["Nowa Nyfiken på Almedalen"]),
    ("NYFIKEN almedalen", ["Nowa Nyfiken på Almedalen"]),
    ("who are", ["Vilka är vi?"]),  # the English title too
    ("vilka ar", ["Vilka är vi?"]),
    ("Malmö", []),
    ("", ["Vilka är vi?", "Nowa Nyfiken på Almedalen"]),
])
def test_the_archive_is_searched_without_regard_to_case_or_accents(app, client, query, found):
    now = utcnow()
    with app.app_context():
        make_event(now, title="Nowa Nyfiken på Almedalen", city="Göteborg", starts_at=now - timedelta(days=60))
        make_event(now, title="Vilka är vi?", title_en="Who are we?", city="Avesta", starts_at=now - timedelta(days=30))
    logged_in(app, client, "organiser")
    assert titles(client.get("/admin/archive", query_string={"q": query}).get_data(as_text=True)) == found


def test_the_archive_comes_in_pages_and_odd_addresses_are_no_error(app, client):
    now = utcnow()
    with app.app_context():
        for n in range(51):
            make_event(now, title=f"Seminarium {n:02d}", starts_at=now - timedelta(days=n + 1))
    logged_in(app, client, "organiser")
    first = client.get("/admin/archive").get_data(as_text=True)
    assert len(titles(first)) == 50 and "Sida 1 av 2" in first
    assert titles(client.get("/admin/archive?page=2").get_data(as_text=True)) == ["Seminarium 50"]
    for query in ("page=0", "page=99999999999999999999", "page=-1", "page=²", "q=%25", "q=" + "x" * 5000):
        assert client.get(f"/admin/archive?{query}").status_code == 200

"""The back office's menu and the tabs of an event's pages, each shown to the roles that may use it.

One table each, so a page is added in one place; an entry whose page does not exist (yet) in this
application is left out rather than linked to a 404.
"""
from dataclasses import dataclass

from flask import Blueprint, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..models import Role

bp = Blueprint("navigation", __name__)


@dataclass(frozen=True)
class Entry:
    key: str
    label: object
    #: Who sees it: anyone with one of these roles (administrators see everything).
    roles: tuple[Role, ...]
    #: The page's endpoint; or its path (``{slug}`` for the event's) when another part of the
    #: application provides it, which may not be there yet.
    endpoint: str = ""
    path: str = ""
    #: Where the pages that belong to this entry are: paths that begin so.
    within: tuple[str, ...] = ()


#: The menu of the back office.
MENU = (
    Entry("events", _l("Events"), (Role.ORGANISER,), endpoint="admin.dashboard",
          within=("/admin/archive", "/admin/events/")),
    Entry("checkin", _l("Check-in"), (Role.ORGANISER, Role.CHECKIN), endpoint="checkin.index", within=("/checkin/",)),
    Entry("noshows", _l("No-show fees"), (Role.ORGANISER,), endpoint="noshows.index", within=("/admin/no-shows",)),
    Entry("finance", _l("Invoices"), (Role.FINANCE,), endpoint="finance.invoices", within=("/finance/",)),
    Entry("email", _l("E-mail"), (Role.ORGANISER,), endpoint="outbox.index", within=("/admin/outbox/",)),
    Entry("staff", _l("Staff"), (Role.ADMIN,), endpoint="staff.index", within=("/admin/staff/",)),
    Entry("privacy", _l("Personal data"), (Role.ORGANISER,), endpoint="privacy.requests", within=("/admin/privacy",)),
)

#: The tabs of an event's pages (``<slug>`` in the endpoint's arguments).
EVENT_TABS = (
    Entry("overview", _l("Overview"), (Role.ORGANISER,), endpoint="admin.event_overview"),
    Entry("attendees", _l("Attendees"), (Role.ORGANISER,), endpoint="admin.attendee_list_page"),
    Entry("statistics", _l("Statistics"), (Role.ORGANISER,), endpoint="admin.statistics"),
    Entry("badges", _l("Name badges"), (Role.ORGANISER,), endpoint="badges.badge_page"),
    Entry("checkin", _l("Check-in"), (Role.ORGANISER, Role.CHECKIN), endpoint="checkin.door"),
    Entry("groups", _l("Groups and tables"), (Role.ORGANISER,), endpoint="admin.groups"),
    Entry("noshows", _l("No-shows"), (Role.ORGANISER,), endpoint="noshows.no_show_list"),
    Entry("feedback", _l("Feedback"), (Role.ORGANISER,), endpoint="admin.feedback_results"),
    Entry("messages", _l("Messages"), (Role.ORGANISER,), endpoint="admin.messages_page"),
    Entry("edit", _l("Edit"), (Role.ORGANISER,), endpoint="admin.edit_event"),
    Entry("log", _l("Change log"), (Role.ORGANISER,), endpoint="admin.audit_log"),
)


@dataclass(frozen=True)
class Link:
    key: str
    label: object
    url: str
    #: "page" for the page shown, "true" for a page within the entry's part, None otherwise.
    current: str | None


def _may_use(entry: Entry) -> bool:
    return current_user.is_authenticated and current_user.has_role(*entry.roles)


def _exists(path: str) -> bool:
    """Does a page of this application answer ``path`` (to a GET)?"""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def _url(entry: Entry, **values) -> str | None:
    if entry.endpoint:
        return url_for(entry.endpoint, **values) if entry.endpoint in current_app.view_functions else None
    path = entry.path.format(**values)
    return path if _exists(path) else None


@bp.app_template_global("back_office_menu")
def menu() -> list[Link]:
    """The back-office menu of the logged-in user; empty for visitors."""
    links = []
    path = request.path
    for entry in MENU:
        url = _url(entry) if _may_use(entry) else None
        if url is None:
            continue
        if path == url:
            current = "page"
        elif any(path.startswith(prefix) for prefix in entry.within):
            current = "true"
        else:
            current = None
        links.append(Link(entry.key, entry.label, url, current))
    return links


@bp.app_template_global()
def event_tabs(event, current: str | None = None) -> list[Link]:
    """The tabs of ``event``'s pages that the logged-in user may use; ``current``: the tab shown."""
    links = []
    for entry in EVENT_TABS:
        url = _url(entry, slug=event.slug) if _may_use(entry) else None
        if url is not None:
            links.append(Link(entry.key, entry.label, url, "page" if entry.key == current else None))
    return links


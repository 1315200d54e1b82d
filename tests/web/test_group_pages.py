"""Groups and tables as organisers and the door see them: the proposal page, the printed list per table,
and the group on the badge, the door list, the exports, the door's search and lists and the check-in result."""
import io
from datetime import timedelta

import pytest
from builders import log_in, make_event, make_user, register
from conftest import submit
from openpyxl import load_workbook
from pypdf import PdfReader

from eventapp.database import utcnow
from eventapp.extensions import db
from eventapp.models import GroupSeat, TableGroup
from eventapp.services import badges, grouping, questions
from eventapp.services.api_tokens import create_token


@pytest.fixture
def seated(app):
    """An event happening now, four attendees seated by their table wish; an organiser's id and token."""
    now = utcnow()
    with app.app_context():
        event = make_event(now - timedelta(days=30), starts_at=now - timedelta(minutes=30), capacity=None)
        questions.replace_questions(event, [questions.QuestionData("Vilket bord?", ["Skola", "Arbete"])])
        db.session.commit()
        table = event.questions[0]
        results = [register(event, now - timedelta(days=20), n, organisation=f"Kommun {n}",
                            answers={table.id: "Arbete" if n == 1 else "Skola"}) for n in range(1, 5)]
        people = [result.registration for result in results]
        user = make_user("organiser@example.org", "organiser")
        grouping.propose_groups(event.id, 2, actor=user, now=now, wish_question_id=table.id)
        first = db.session.get(TableGroup, db.session.get(GroupSeat, people[0].id).group_id)
        grouping.name_group(event, first.id, first.name, "Leyla Rahimi", actor=user, now=now)
        return {"slug": event.slug, "event_id": event.id, "user": user.id, "table": table.id,
                "anna": people[0].id, "code": people[0].check_in_code, "link": results[0].token,
                "token": create_token(user.email, now=now)[1]}


@pytest.fixture
def organiser(client, seated):
    log_in(client, seated["user"])
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_group_is_on_the_badge_the_door_list_and_the_exports(app, organiser, seated):
    slug = seated["slug"]
    with app.test_request_context():
        pdf, _count = badges.print_badges(seated["event_id"], badges.BadgeOptions(), actor=None, now=utcnow())
    assert "Grupp 2: Arbete" in pdf_text(pdf)
    door_list = organiser.get(f"/admin/events/{slug}/door-list.pdf").get_data()
    assert "Grupp 2: Arbete" in pdf_text(door_list) and "Grupp 1: Skola" in pdf_text(door_list)
    csv = organiser.get(f"/admin/events/{slug}/attendees.csv").get_data(as_text=True)
    header, *rows = csv.splitlines()
    assert header.endswith(";Grupp eller bord")
    assert any(row.startswith("Andersson 1;") and row.endswith(";Grupp 2: Arbete") for row in rows)
    sheet = load_workbook(io.BytesIO(organiser.get(f"/admin/events/{slug}/attendees.xlsx").get_data())).active
    values = list(sheet.values)
    column = values[0].index("Grupp eller bord")
    assert {row[column] for row in values[1:]} == {"Grupp 1: Skola", "Grupp 2: Arbete"}


def test_the_personal_page_says_where_the_person_sits(client, seated):
    assert "Grupp 2: Arbete" in client.get(f"/r/{seated['link']}").get_data(as_text=True)


def test_the_check_in_result_says_where_the_person_sits(app, organiser, seated):
    slug = seated["slug"]
    response = submit(organiser, f"/checkin/{slug}/code", {"code": seated["code"]}, form_url=f"/checkin/{slug}",
                      headers={"Accept": "application/json"})
    body = response.get_json()
    assert body["ok"] and body["group"] == "Grupp 2: Arbete"
    assert "Grupp 2: Arbete" in body["panel"] and "Leyla Rahimi" in body["panel"]
    page = organiser.get(f"/checkin/{slug}?last={seated['anna']}").get_data(as_text=True)
    assert "Grupp 2: Arbete" in page


def test_the_door_search_and_the_not_arrived_list_say_where_each_person_sits(organiser, seated):
    """A volunteer sees the table before checking a person in, in the live search and the list."""
    slug = seated["slug"]
    found = organiser.get(f"/checkin/{slug}/results?q=Anna").get_data(as_text=True)
    assert found.count("Grupp eller bord: Grupp ") == 4 and "Grupp eller bord: Grupp 2: Arbete" in found
    waiting = organiser.get(f"/checkin/{slug}/not-arrived").get_data(as_text=True)
    assert waiting.count("Grupp eller bord: Grupp ") == 4
    door = organiser.get(f"/checkin/{slug}?q=Andersson 1").get_data(as_text=True)
    assert "Grupp eller bord: Grupp 2: Arbete" in door


def test_the_api_check_in_names_the_group_and_its_host(client, seated):
    response = client.post(f"/api/v1/events/{seated['slug']}/checkins", json={"code": seated["code"]},
                           headers={"Authorization": f"Bearer {seated['token']}"})
    assert response.status_code == 201
    assert response.get_json()["group"] == {"number": 2, "name": "Arbete", "label": "Grupp 2: Arbete",
                                            "leader": "Leyla Rahimi"}


def test_a_new_proposal_asks_before_undoing_moves_made_by_hand(app, organiser, seated):
    slug = seated["slug"]
    with app.app_context():
        target = db.session.scalar(db.select(TableGroup.id).where(TableGroup.number == 1))
    submit(organiser, f"/admin/events/{slug}/groups/move", {"registration_id": seated["anna"], "group_id": target},
           form_url=f"/admin/events/{slug}/groups")
    page = organiser.get(f"/admin/events/{slug}/groups").get_data(as_text=True)
    assert 'name="replace_edited"' in page
    assert f'<option selected value="{seated["table"]}">' in page  # the wish question is remembered
    refused = submit(organiser, f"/admin/events/{slug}/groups", {"group_size": "2", "wish_question": ""})
    assert refused.status_code == 422 and "ändrats för hand" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(GroupSeat, seated["anna"]).group_id == target
    done = submit(organiser, f"/admin/events/{slug}/groups", {"group_size": "2", "wish_question": str(seated["table"]),
                                                               "replace_edited": "y"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(GroupSeat, seated["anna"]).group_id != target  # back at the table asked for


def test_the_printable_list_has_each_table_with_its_host(organiser, seated):
    page = organiser.get(f"/admin/events/{seated['slug']}/groups/print").get_data(as_text=True)
    assert page.count('class="print-group"') == 2
    assert "Grupp 2: Arbete" in page and "Leyla Rahimi" in page and "Andersson 1" in page


@pytest.mark.parametrize("wish", ["abc", "0", "99999999999", "-1"])
def test_a_wish_question_that_is_none_of_the_forms_is_refused(app, organiser, seated, wish):
    with app.app_context():
        before = sorted(db.session.execute(db.select(GroupSeat.registration_id, GroupSeat.group_id)).all())
    response = submit(organiser, f"/admin/events/{seated['slug']}/groups", {"group_size": "3", "wish_question": wish})
    assert response.status_code == 422
    assert "Välj en av formulärets frågor med svarsalternativ." in response.get_data(as_text=True)
    with app.app_context():
        assert sorted(db.session.execute(db.select(GroupSeat.registration_id, GroupSeat.group_id)).all()) == before

"""`flask --app eventapp export attendees SLUG --format csv|xlsx --output PATH`."""
import io

from builders import make_event, register
from openpyxl import load_workbook

from eventapp.database import utcnow


def test_export_attendees_as_xlsx_and_csv(app, tmp_path):
    with app.app_context():
        event = make_event(utcnow())
        register(event, utcnow(), 1, first_name="@Åsa")
        slug = event.slug
    runner = app.test_cli_runner()
    xlsx = tmp_path / "deltagare.xlsx"
    result = runner.invoke(args=["export", "attendees", slug, "--format", "xlsx", "--output", str(xlsx)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(io.BytesIO(xlsx.read_bytes())).active
    assert sheet["B2"].value == "'@Åsa" and sheet["B2"].data_type == "s"
    csv_file = tmp_path / "deltagare.csv"
    result = runner.invoke(args=["export", "attendees", slug, "--format", "csv", "--output", str(csv_file),
                                 "--delimiter", ","])
    assert result.exit_code == 0 and "1 registrations" in result.output
    assert csv_file.read_bytes().decode("utf-8-sig").splitlines()[1].startswith("Andersson 1,'@Åsa,")


def test_an_unknown_event_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["export", "attendees", "finns-inte", "--format", "csv", "--output", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "Evenemanget finns inte." in result.output
    assert not (tmp_path / "x.csv").exists()

"""CSV and XLSX: typed, readable in Swedish Excel, and never a live formula."""
import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from eventapp.exports.tabular import safe_text, to_csv, to_xlsx

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\0=1", "'\0=1"),
        ("-", "'-"),
        ("+46", "+46"),
        ("+46 8 123 45 67", "+46 8 123 45 67"),
        ("+46 (0)70-123 45 67", "+46 (0)70-123 45 67"),
        ("+46 8 123 45 67 =A1", "'+46 8 123 45 67 =A1"),
        ("070-123 45 67", "070-123 45 67"),
        ("Anna = bäst", "Anna = bäst"),
        ("Öberg-Ärlig", "Öberg-Ärlig"),
        ("", ""),
    ],
)
def test_safe_text_neutralises_formulas_and_keeps_ordinary_text(typed, stored):
    assert safe_text(typed) == stored


def test_csv_has_a_bom_semicolons_and_inert_formulas():
    data = to_csv(["Namn", "Telefon", "Antal", "Anmäld"],
                  [[HYPERLINK, "+46 8 123 45 67", 3, datetime(2027, 2, 15, 8, 30)]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Namn", "Telefon", "Antal", "Anmäld"],
                    ["'" + HYPERLINK, "+46 8 123 45 67", "3", "2027-02-15 08:30"]]


def test_csv_with_commas_quotes_what_needs_it():
    data = to_csv(["a", "b"], [["Göteborg, Stad", 'sa "hej"']], delimiter=",")
    assert data.decode("utf-8-sig").splitlines()[1] == '"Göteborg, Stad","sa ""hej"""'


def test_csv_refuses_other_delimiters():
    with pytest.raises(ValueError):
        to_csv(["a"], [], delimiter="|")


def test_xlsx_cells_are_typed_and_the_sheet_is_ready_to_filter():
    when = datetime(2027, 2, 15, 8, 30)
    data = to_xlsx(["Namn", "Telefon", "Antal", "Anmäld", "Dag", "Tom"],
                   [[HYPERLINK, "+46 8 123 45 67", 3, when, date(2027, 2, 15), None],
                    ["Åsa Öberg", "", 12, None, None, ""]], title="Deltagare: 2027/02")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Deltagare  2027 02"
    name, phone, number, registered, day, _empty = sheet[2]
    assert (name.value, name.data_type) == ("'" + HYPERLINK, "s")
    assert (phone.value, phone.data_type) == ("+46 8 123 45 67", "s")
    assert (number.value, number.data_type) == (3, "n")
    assert registered.value == when and registered.is_date and registered.number_format == "yyyy-mm-dd hh:mm"
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width == len("'" + HYPERLINK) + 2
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_drops_control_characters_that_xml_cannot_hold():
    sheet = load_workbook(io.BytesIO(to_xlsx(["a"], [["Anna\x01\x1b Berg"]]))).active
    assert sheet["A2"].value == "Anna Berg"


def test_xlsx_refuses_aware_datetimes():
    from datetime import UTC

    with pytest.raises(ValueError):
        to_xlsx(["a"], [[datetime(2027, 1, 1, tzinfo=UTC)]])


def test_xlsx_leaves_empty_text_as_an_empty_cell():
    """Is an empty phone number an empty cell (as Excel's own blank), not a cell holding ''?"""
    data = to_xlsx(["Namn", "Telefon", "Kost"], [["Åsa", "", "\x01"], ["Bo", "08-123", None]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    cells = re.findall(r'<c r="([A-Z]+\d+)"', xml)
    assert cells == ["A1", "B1", "C1", "A2", "A3", "B3"]
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[3]] == ["Bo", "08-123", None]


def test_xlsx_columns_are_as_wide_as_the_longest_line():
    data = to_xlsx(["Kost", "Nr", "Anmäld", "Dag"],
                   [["Gluten\nLaktos och mjölkprotein", 1234567, datetime(2027, 2, 15, 8, 30), date(2027, 2, 15)],
                    ["Vegetarisk", 7, None, None]])
    widths = {letter: dimension.width for letter, dimension in load_workbook(io.BytesIO(data)).active
              .column_dimensions.items()}
    assert widths == {"A": len("Laktos och mjölkprotein") + 2, "B": len("1234567") + 2,
                      "C": len("2027-02-15 08:30") + 2, "D": len("2027-02-15") + 2}


def test_xlsx_gives_every_date_its_format_and_keeps_text_in_date_columns():
    when = datetime(2027, 2, 15, 8, 30)
    rows = [[when + timedelta(days=n), date(2027, 2, n + 1)] for n in range(3)] + [["okänd", "-1"]]
    sheet = load_workbook(io.BytesIO(to_xlsx(["Anmäld", "Dag"], rows))).active
    assert [(cell.value, cell.number_format) for cell in sheet["A"][1:4]] == [
        (when + timedelta(days=n), "yyyy-mm-dd hh:mm") for n in range(3)]
    assert all(cell.is_date and cell.number_format == "yyyy-mm-dd" for cell in sheet["B"][1:4])
    assert [(cell.value, cell.data_type, cell.number_format) for cell in sheet[5]] == [
        ("okänd", "s", "General"), ("'-1", "s", "General")]

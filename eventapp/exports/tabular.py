"""Tables as bytes: CSV for Swedish Excel and XLSX, both safe against formula injection.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a
tab, carriage return or NUL) as a formula, so a name like ``=HYPERLINK("http://x","y")`` typed on the
public form would become a live link in the organiser's Excel. ``safe_text`` is the one helper both
formats use: such text gets a leading apostrophe, which spreadsheets show as plain text. A phone
number like "+46 8 123 45 67" holds no letters, so it can call no function and refer to no cell; it
is left as typed.
"""
import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
PHONE_NUMBER = re.compile(r"^\+\d[\d ()\-]*$")
#: Excel's limit on the width of a column, in characters.
MAX_WIDTH = 60
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

Cell = str | int | float | bool | datetime | date | None


def safe_text(value: str) -> str:
    """Text that no spreadsheet will run as a formula; ordinary text and phone numbers unchanged."""
    if value.startswith(FORMULA_STARTS) and not PHONE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_value(value: Cell) -> str:
    if isinstance(value, str):
        return safe_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]], delimiter: str = ";") -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads å, ä, ö right), ``;``-separated by default.

    Datetimes are written as local wall-clock time; give them already converted.
    """
    if delimiter not in (";", ","):
        raise ValueError("the delimiter is ';' or ','")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_text(str(name)) for name in header])
    writer.writerows([_csv_value(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str = "Sheet") -> bytes:
    """One sheet: a frozen, filterable header row, typed cells and columns as wide as their content.

    Text cells are always stored as text, never as formulas; empty text is an empty cell. Datetimes
    must be naive local time. Written in openpyxl's write-only mode, which streams rows instead of
    keeping a cell object each; the column widths go first, so the rows are read twice.
    """
    values = [[_xlsx_value(value) for value in row] for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    for column, width in enumerate(_column_widths(header, values), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{len(values) + 1}"
    sheet.append([_header_cell(sheet, name) for name in header])
    # Text and numbers go in as they are: openpyxl stores a string as a formula only when it begins
    # with "=", which ``safe_text`` has ruled out, and a cell object for each costs seconds.
    for row in values:
        sheet.append([_date_cell(sheet, value) if isinstance(value, date) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_cell(sheet, name: str) -> SheetCell:
    cell = WriteOnlyCell(sheet, safe_text(str(name)))
    cell.font = Font(bold=True)
    return cell


def _date_cell(sheet, value: date) -> SheetCell:
    """A date is a number that a format shows as a date."""
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    return cell


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        # XML 1.0 cannot carry most control characters; openpyxl refuses them.
        text = _CONTROL_CHARACTERS.sub("", value)
        return safe_text(text) if text else None
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("XLSX cannot hold time zones; give local wall-clock time")
    return value


def _column_widths(header: Sequence[str], rows: list[list[Cell]]) -> list[int]:
    """The width of the longest value, or line of a value, in each column; the header's at least."""
    widths = [len(str(name)) for name in header]
    for column, values in enumerate(zip(*rows, strict=True)):
        widths[column] = max(widths[column], max(map(_display_width, values), default=0))
    return widths


def _display_width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, str) and value.isprintable():
        return len(value)
    if isinstance(value, datetime):
        return 16
    return max((len(line) for line in str(value).splitlines()), default=0)


def _sheet_title(title: str) -> str:
    # Excel forbids these characters in sheet names and allows 31 characters.
    return re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"

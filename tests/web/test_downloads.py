"""File names in Content-Disposition: whatever was typed, the header cannot be broken."""
import pytest

from eventapp.web.downloads import content_disposition, send_bytes


@pytest.mark.parametrize("name", [
    'Kommunikation "och" integration.xlsx',
    "evil\r\nSet-Cookie: x=1.csv",
    "a;b=c,d.pdf",
    "../../etc/passwd",
    "مؤتمر الاندماج.csv",
    "",
])
def test_no_name_can_inject_a_header(ctx, name):
    value = content_disposition(name)
    assert "\r" not in value and "\n" not in value
    ascii_part = value.split("filename=", 1)[1].split(";", 1)[0]
    assert ascii_part.count('"') == 2 and ";" not in ascii_part and "/" not in ascii_part
    assert value.isascii()


def test_the_full_name_survives_as_utf8(ctx):
    value = content_disposition("Deltagare Älvsbyn – 15 feb.csv")
    assert "filename*=UTF-8''Deltagare%20%C3%84lvsbyn%20%E2%80%93%2015%20feb.csv" in value
    assert 'filename="Deltagare_Alvsbyn_15_feb.csv"' in value


def test_send_bytes_is_an_uncached_attachment(ctx):
    response = send_bytes(b"a;b\n", "lista.csv", "text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Length"] == "4"
    assert response.get_data() == b"a;b\n"

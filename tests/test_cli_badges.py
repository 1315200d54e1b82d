"""flask --app eventapp badges SLUG --output PATH [--layout …] [--only-new] [--sort …]"""
from io import BytesIO

from builders import make_event, register
from pypdf import PdfReader


def test_badges_command_writes_the_pdf_and_then_only_new_ones(app, tmp_path, now):
    with app.app_context():
        event = make_event(now, slug="forum")
        register(event, now, 1, last_name="Öberg")
        register(event, now, 2, last_name="Andersson")
    runner = app.test_cli_runner()
    output = tmp_path / "brickor.pdf"
    result = runner.invoke(args=["badges", "forum", "--output", str(output), "--layout", "single"])
    assert result.exit_code == 0, result.output
    assert "2 badges written" in result.output
    pages = PdfReader(BytesIO(output.read_bytes())).pages
    assert ["Andersson" in pages[0].extract_text(), "Öberg" in pages[1].extract_text()] == [True, True]

    with app.app_context():
        register(event.__class__.query.filter_by(slug="forum").one(), now, 3, last_name="Ceder")
    result = runner.invoke(args=["badges", "forum", "-o", str(output), "--layout", "card", "--only-new"])
    assert result.exit_code == 0, result.output
    assert "1 badges written" in result.output
    assert "Ceder" in PdfReader(BytesIO(output.read_bytes())).pages[0].extract_text()

    result = runner.invoke(args=["badges", "forum", "-o", str(output), "--only-new"])
    assert result.exit_code == 1
    assert "redan skrivits ut" in result.output


def test_badges_command_for_an_unknown_event_or_layout(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["badges", "finns-inte", "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "finns inte" in result.output
    result = runner.invoke(args=["badges", "forum", "--output", str(tmp_path / "x.pdf"), "--layout", "a3"])
    assert result.exit_code == 2
    assert not (tmp_path / "x.pdf").exists()

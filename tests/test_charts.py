"""The bar charts' geometry: every label whole, above its bar, inside the chart."""
import pytest

from eventapp import charts
from eventapp.charts import bar_chart, label_lines

NO_COUNTY = "Utan län (myndigheter, organisationer)"


def test_a_line_of_the_widest_glyphs_still_fits_the_chart():
    assert charts.LEFT + charts.LINE_CHARACTERS * charts.FONT_SIZE * 1.1 <= charts.WIDTH


@pytest.mark.parametrize("label", [
    NO_COUNTY, "No county (agencies, organisations)", "Skåne län", "",
    "Kommunförbundet Skåne och Region Skåne tillsammans med Länsstyrelsen i Skåne län",
    "Donaudampfschifffahrtsgesellschaftskapitänsmütze", "W" * 60, "مؤسسة الهجرة السويدية للاندماج والتعليم",
])
def test_long_labels_wrap_at_spaces_and_lose_nothing(label):
    lines = label_lines(label)
    assert all(len(line) <= charts.LINE_CHARACTERS for line in lines)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")


def test_the_no_county_label_takes_two_lines_and_nothing_overlaps():
    chart = bar_chart([("Skåne län", 21), (NO_COUNTY, 16), ("Stockholms län", 15)])
    assert [[line for line, _y in bar.lines] for bar in chart.bars] == [
        ["Skåne län"], ["Utan län (myndigheter,", "organisationer)"], ["Stockholms län"]]
    top = 0.0
    for bar in chart.bars:
        for _line, baseline in bar.lines:
            assert baseline - charts.FONT_SIZE >= top  # each line below what came before
            top = baseline
        assert bar.y > top  # the bar under its label
        top = bar.y + chart.bar_height
    assert chart.height >= top


def test_bars_are_to_scale_with_room_for_the_number():
    chart = bar_chart([("Kommun", 78), ("Region", 2), ("Företag", 0)])
    municipality, region, company = chart.bars
    assert municipality.value_x + len("78") * charts.FONT_SIZE <= chart.width
    assert region.width == pytest.approx(municipality.width * 2 / 78)
    assert company.width == 0
    assert bar_chart([("Kommun", 10_000), ("Region", 1)]).bars[1].width == 1  # one person still shows


def test_an_empty_chart_has_no_bars():
    chart = bar_chart([])
    assert chart.bars == [] and chart.height == 0

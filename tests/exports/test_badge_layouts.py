"""Where badges and crop marks sit on the sheet."""
import pytest

from eventapp.exports.badge_layouts import LAYOUTS, MARK_WIDTH


def badge_rects(layout):
    return [(*layout.slot(i), layout.badge_width, layout.badge_height) for i in range(layout.per_page)]


def overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_badges_fit_the_page_without_overlapping(layout):
    rects = badge_rects(layout)
    for i, rect in enumerate(rects):
        assert rect[0] >= 0 and rect[1] >= 0
        assert rect[0] + rect[2] <= layout.page_width + 1e-9 and rect[1] + rect[3] <= layout.page_height + 1e-9
        assert not any(overlap(rect, other) for other in rects[i + 1:])


def test_cards_match_the_common_ten_up_sheet():
    card = LAYOUTS["card"]
    assert (card.badge_width, card.badge_height, card.per_page) == (90, 55, 10)
    assert card.origin_left == 15 and card.origin_top == 11
    assert card.origin_left * 2 + 2 * 90 == 210 and card.origin_top * 2 + 5 * 55 == 297


def cut_lines(layout):
    xs = {round(layout.origin_left + c * layout.badge_width, 3) for c in range(layout.columns + 1)}
    ys = {round(layout.origin_top + r * layout.badge_height, 3) for r in range(layout.rows + 1)}
    return xs, ys


@pytest.mark.parametrize("key", ["a6", "a7", "card"])
def test_every_crop_mark_lies_on_a_cut_line_and_off_the_printed_area(key):
    layout = LAYOUTS[key]
    xs, ys = cut_lines(layout)
    marks = layout.marks()
    assert marks
    for mark in marks:
        vertical = mark.width == MARK_WIDTH
        centre = round((mark.left + mark.width / 2) if vertical else (mark.top + mark.height / 2), 3)
        assert centre in (xs if vertical else ys)
        rect = (mark.left, mark.top, mark.width, mark.height)
        assert 0 <= mark.left and mark.left + mark.width <= layout.page_width
        assert 0 <= mark.top and mark.top + mark.height <= layout.page_height
        for badge in badge_rects(layout):
            if not overlap(rect, badge):
                continue
            # On edge-to-edge sheets a mark may touch a badge only within its padding, on the cut line.
            assert layout.fills_sheet
            inner = (badge[0] + layout.padding, badge[1] + layout.padding,
                     badge[2] - 2 * layout.padding, badge[3] - 2 * layout.padding)
            assert not overlap(rect, inner)


def test_cards_have_marks_at_every_column_and_row():
    layout = LAYOUTS["card"]
    assert len(layout.marks()) == 2 * (layout.columns + 1) + 2 * (layout.rows + 1)


def test_single_badges_need_no_marks():
    assert LAYOUTS["single"].marks() == []


@pytest.mark.parametrize("key", ["a6", "a7", "card"])
def test_back_pages_mirror_the_columns(key):
    layout = LAYOUTS[key]
    for i in range(layout.per_page):
        front_left, front_top = layout.slot(i)
        back_left, back_top = layout.slot(i, back=True)
        assert back_top == front_top
        # printed double-sided and flipped on the long edge, the back lands behind the front
        assert back_left == pytest.approx(layout.page_width - front_left - layout.badge_width)

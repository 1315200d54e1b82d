"""VAT on each rate's total as EN 16931 computes it (BR-CO-17), shared out over the lines."""
import pytest

from eventapp.services import vat


def test_250_lines_of_1_02_kr_have_the_vat_of_their_total_not_of_each_line():
    lines = [(102, 25)] * 250
    [total] = vat.breakdown(lines)
    assert (total.taxable, total.vat) == (25500, 6375)  # 255,00 kr at 25 %: 63,75 kr (per line: 65,00 kr)
    shares = vat.line_vat(lines)
    assert sum(shares) == 6375 and set(shares) == {25, 26}


def test_each_rate_has_its_own_total():
    lines = [(10050, 25), (3333, 12), (3333, 12), (999, 6)]
    assert [(t.rate, t.taxable, t.vat) for t in vat.breakdown(lines)] == [
        (25, 10050, 2513), (12, 6666, 800), (6, 999, 60)]
    shares = vat.line_vat(lines)
    assert shares[0] == 2513 and shares[1] + shares[2] == 800 and shares[3] == 60


@pytest.mark.parametrize(("total", "weights", "expected"), [
    (6375, [102] * 3 + [0], None),
    (10, [1, 1, 1], [4, 3, 3]),
    (-10, [-1, -1, -1], [-4, -3, -3]),
    (0, [5, 5], [0, 0]),
    (7, [0, 0], [7, 0]),
])
def test_shares_add_up_to_the_total(total, weights, expected):
    shares = vat.shares(total, weights)
    assert sum(shares) == total and len(shares) == len(weights)
    if expected is not None:
        assert shares == expected


def test_crediting_an_invoice_line_by_line_credits_exactly_its_vat():
    """Each of 250 credit notes of one line: is each within an öre of the VAT on its own total, and do
    they add up to the invoice's VAT, never an öre more?"""
    credited: list[tuple[int, int, int]] = []
    for _ in range(250):
        [(rate, amount)] = vat.credited_vat(credited, [(102, 25)]).items()
        assert abs(amount - 102 * 25 / 100) <= 1
        credited.append((102, rate, amount))
    assert sum(v for _, _, v in credited) == 6375


def test_a_document_states_the_sums_of_its_lines_per_rate():
    assert vat.stated([(100, 25, 25), (200, 25, 50), (100, 0, 0)]) == [
        vat.RateTotal(25, 300, 75), vat.RateTotal(0, 100, 0)]

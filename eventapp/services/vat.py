"""VAT as EN 16931 computes it: on each rate's total of the line amounts, not line by line (BR-CO-17).

Rounding each line and summing drifts: 250 lines of 1,02 kr at 25 % are 63,75 kr of VAT on their
total but 65,00 kr rounded per line. The rate's total is what the invoice states; each line is given
its share of it (largest remainder), so the lines still add up to the invoice's amounts.
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def vat_on(net: int, rate: int) -> int:
    """VAT in öre on a net amount in öre, rounded half away from zero to the nearest öre."""
    magnitude = (abs(net) * rate + 50) // 100
    return magnitude if net >= 0 else -magnitude


@dataclass(frozen=True)
class RateTotal:
    """One line of the VAT breakdown: the taxable amount at a rate and the VAT on it, in öre."""

    rate: int
    taxable: int
    vat: int


def net_by_rate(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """{rate: net total} of (net, rate) pairs, rates in the order first seen."""
    totals: dict[int, int] = defaultdict(int)
    for net, rate in lines:
        totals[rate] += net
    return dict(totals)


def breakdown(lines: Iterable[tuple[int, int]]) -> list[RateTotal]:
    """The VAT breakdown of an invoice's (net, rate) lines: VAT on each rate's total."""
    return [RateTotal(rate, net, vat_on(net, rate)) for rate, net in net_by_rate(lines).items()]


def stated(lines: Iterable[tuple[int, int, int]]) -> list[RateTotal]:
    """The breakdown an issued document states, from its (net, rate, VAT) lines: their sums per rate."""
    totals: dict[int, tuple[int, int]] = {}
    for net, rate, tax in lines:
        taxable, vat = totals.get(rate, (0, 0))
        totals[rate] = (taxable + net, vat + tax)
    return [RateTotal(rate, taxable, tax) for rate, (taxable, tax) in totals.items()]


def shares(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` in whole öre that add up to it exactly
    (largest remainder; ties to the earlier line). Signs follow ``total``."""
    whole = sum(abs(w) for w in weights)
    if not weights:
        return []
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    magnitude = abs(total)
    exact = [magnitude * abs(w) for w in weights]
    floors = [e // whole for e in exact]
    left = magnitude - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    sign = -1 if total < 0 else 1
    return [sign * f for f in floors]


def line_vat(lines: Sequence[tuple[int, int]], rate_vat: dict[int, int] | None = None) -> list[int]:
    """Each line's share of its rate's VAT, in the lines' order.

    ``rate_vat``: the VAT of each rate when it is not simply the VAT on the rate's total (a credit
    note taking part of an invoice, see ``credited_vat``).
    """
    rate_vat = rate_vat if rate_vat is not None else {t.rate: t.vat for t in breakdown(lines)}
    result = [0] * len(lines)
    for rate, total in rate_vat.items():
        positions = [i for i, (_, r) in enumerate(lines) if r == rate]
        for i, share in zip(positions, shares(total, [lines[i][0] for i in positions]), strict=True):
            result[i] = share
    return result


def credited_vat(credited_before: Sequence[tuple[int, int, int]], crediting: Sequence[tuple[int, int]]
                 ) -> dict[int, int]:
    """The VAT per rate of a credit note (as positive amounts) for ``crediting`` (net, rate) lines of
    an invoice whose ``credited_before`` lines (net, rate, VAT credited) were credited already.

    Each rate's VAT is the VAT on everything credited so far less what earlier credit notes took:
    every credit note is within an öre of the VAT on its own total, and an invoice credited in
    several goes is credited exactly its own VAT, never an öre more or less.
    """
    result = {}
    for rate, net in net_by_rate(crediting).items():
        before_net = sum(n for n, r, _ in credited_before if r == rate)
        before_vat = sum(v for _, r, v in credited_before if r == rate)
        result[rate] = vat_on(before_net + net, rate) - before_vat
    return result

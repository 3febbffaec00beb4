"""The terminal's whole-number breakdowns: parts printed beside their total add up to it."""

import math

from hypothesis import given
from hypothesis import strategies as st

from sufficiency.core.display import whole_parts


def test_hand_counted_breakdowns():
    # 487.21 + 703.32 = 1,190.53, printed 1,191: the larger fraction takes the unit rounding each alone loses.
    assert whole_parts([487.21, 703.32]) == [487, 704]
    # Each alone rounds up (0.6 + 0.6 + 0.6 = 1.8, printed 2): only the two largest fractions go up, the first
    # of equals first.
    assert whole_parts([0.6, 0.6, 0.6]) == [1, 1, 0]
    assert whole_parts([3.0, 4.0]) == [3, 4]
    assert whole_parts([]) == []


@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), max_size=12))
def test_parts_sum_to_the_rounded_total_and_each_stays_within_one(values):
    parts = whole_parts(values)
    assert sum(parts) == round(math.fsum(values))
    assert all(math.floor(v) <= p <= math.floor(v) + 1 for v, p in zip(values, parts, strict=True))

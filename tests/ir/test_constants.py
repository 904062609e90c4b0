"""Constant folding: the range of numbers the model's 32-bit programs hold."""

from __future__ import annotations

import numpy as np
import pytest

from causalppl.diagnostics import Span
from causalppl.ir.constants import LARGEST_VALUE, SMALLEST_VALUE, fold
from causalppl.ir.expressions import Binary, Const
from causalppl.ir.values import ir_value
from causalppl.ir.types import Domain

SPAN = Span("m.scm", 1, 1, 1, 2)


@pytest.mark.parametrize("number", [float(np.finfo(np.float32).max), 3.4028235e38, LARGEST_VALUE, 1e38, -3.4e38,
                                    SMALLEST_VALUE, 1e-45, 0.0])
def test_numbers_a_32_bit_float_holds_fold(number):
    assert np.isfinite(np.float32(number))
    assert fold(Const(number, SPAN)).value == number
    assert ir_value("X", Domain("real"), number) == number


@pytest.mark.parametrize("number", [np.nextafter(LARGEST_VALUE, np.inf), 3.41e38, 1e39, -1e300, float("inf")])
def test_numbers_beyond_it_are_refused(number):
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.float32(number))
    assert "32-bit floats" in fold(Const(number, SPAN)).problems[0][1]
    assert "32-bit floats" in ir_value("X", Domain("real"), number).message or number == float("inf")


@pytest.mark.parametrize("number", [1e-46, 1e-300, -5e-324])
def test_numbers_it_would_hold_as_zero_are_refused(number):
    assert np.float32(number) == 0
    assert "would hold 0" in fold(Const(number, SPAN)).problems[0][1]


def test_a_computation_overflowing_it_is_refused():
    ten = Const(10.0, SPAN)
    assert fold(Binary("^", ten, Const(38.0, SPAN), SPAN)).value == 1e38
    assert "overflows" in fold(Binary("^", ten, Const(39.0, SPAN), SPAN)).problems[0][1]

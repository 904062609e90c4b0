"""Tables are checked in time and memory proportional to what is written, not to their parents' settings."""

from __future__ import annotations

import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError


def test_a_table_of_many_parents_missing_rows_is_refused_without_listing_its_settings():
    """24 binary parents and one row written: 16,777,216 settings, counted (once listed: gigabytes)."""
    parents = [f"A{k}" for k in range(24)]
    source = ("model T {\n" + "".join(f"    {p} : bool ~ Bernoulli(0.5)\n" for p in parents)
              + f"    Y : bool ~ table({', '.join(parents)}) {{\n        {', '.join(['false'] * 24)} : [0.5, 0.5]\n"
              "    }\n}\n")
    with pytest.raises(CausalPPLError, match="has 1 of 16777216 rows; missing e.g. '0, 0, .*, 0, 1'"):
        cp.loads(source)


def test_the_first_missing_row_is_named_after_the_rows_written():
    source = """
model T {
    A : bool ~ Bernoulli(0.5)
    B : {lo, mid, hi} ~ Categorical([0.2, 0.3, 0.5])
    Y : bool ~ table(A, B) {
        false, lo : [0.5, 0.5]
        false, mid : [0.5, 0.5]
        true, lo : [0.1, 0.9]
    }
}
"""
    with pytest.raises(CausalPPLError, match="has 3 of 6 rows; missing e.g. '0, hi'"):
        cp.loads(source)

"""Small CSV files read without pandas: the same blocks and the same errors as pandas' reader gives."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.data import reading, text
from causalppl.diagnostics import CausalPPLError

MODEL = """model Cells {
    Colour : {red, green, blue}
    Flag : bool
    Age : real
    Kids : int
    Size ~ Normal(Age, 1)
}
data "rows.csv"
"""

#: Cells that pandas reads in different ways: numbers of every form, NA strings, booleans, level names, text.
TOKENS = ["0", "1", "2", "-1", "+1", "00", "1.5", ".5", "5.", "1e3", "1E-2", "-0", "inf", "-Infinity", "nan", "NaN",
          "NA", "", "null", "None", "n/a", "#N/A", "<NA>", "1_0", "0x10", "1d2", "true", "False", "TRUE", "tRue",
          "red", "green", "blue", "Red", "purple", " 2", "3 ", '"NA"', '"1"', '" red"', '"a,b"', "1e400", "é"]

SETTINGS = settings(max_examples=150 if os.environ.get("CAUSALPPL_SLOW_TESTS") else 40, deadline=None,
                    derandomize=not os.environ.get("CAUSALPPL_SLOW_TESTS"), database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

COLUMNS = ("Colour", "Flag", "Age", "Kids", "Size", "count")


def _read_both(tmp_path, body: str, missing: str = "model"):
    """The block (or the error's text) read by the csv module, then by pandas, from the same file."""
    (tmp_path / "model.scm").write_text(MODEL)
    (tmp_path / "rows.csv").write_text(body, encoding="utf-8")
    model = cp.load(tmp_path / "model.scm")
    results = []
    for small in (True, False):
        limit = text.SMALL_CSV_BYTES if small else -1
        original = reading.SMALL_CSV_BYTES
        reading.SMALL_CSV_BYTES = limit
        try:
            block = model.load_data(missing=missing).blocks[0]
            results.append(("block", {name: column.tolist() for name, column in block.columns.items()},
                            block.weights.tolist(), {name: m.tolist() for name, m in block.missing.items()},
                            block.left_out))
        except CausalPPLError as error:
            results.append(("error", error.render()))
        finally:
            reading.SMALL_CSV_BYTES = original
    return results


@st.composite
def csv_text(draw) -> str:
    order = draw(st.permutations(COLUMNS))
    columns = list(order[: draw(st.integers(4, len(COLUMNS)))])
    for needed in ("Colour", "Flag", "Age", "Kids", "Size"):
        if needed not in columns:
            columns.append(needed)
    rows = draw(st.integers(0, 6))
    # each column draws from a few tokens, so whole columns of numbers, booleans or level names occur often
    pools = {name: draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3)) for name in columns}
    lines = [", ".join(columns)]
    for _ in range(rows):
        lines.append(",".join(draw(st.sampled_from(pools[name])) for name in columns))
        if draw(st.integers(0, 9)) == 0:
            lines.append("")  # a blank line
    return "\n".join(lines) + "\n"


@SETTINGS
@given(body=csv_text(), missing=st.sampled_from(["model", "drop", "error"]))
def test_small_files_read_as_pandas_reads_them(tmp_path, body, missing):
    small, large = _read_both(tmp_path, body, missing)
    assert small == large, body


def test_the_na_strings_are_pandas_defaults():
    from pandas._libs.parsers import STR_NA_VALUES

    assert text.NA_STRINGS == frozenset(STR_NA_VALUES)


def test_a_file_of_counts_reads_without_importing_pandas(tmp_path):
    import subprocess
    import sys

    (tmp_path / "model.scm").write_text("model T { X : bool\n Y : bool <- X }\ndata \"t.csv\"\n")
    (tmp_path / "t.csv").write_text("X,Y,count\n0,0,5\n0,1,3\n1,0,2\n1,1,7\n")
    script = ("import sys, causalppl as cp\n"
              f"block = cp.load({str(tmp_path / 'model.scm')!r}).load_data().blocks[0]\n"
              "print(block.weights.sum(), 'pandas' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["17.0", "False"]


def test_a_row_longer_than_the_header_is_an_error_naming_its_line(tmp_path):
    (tmp_path / "model.scm").write_text("model T { X : bool }\ndata \"t.csv\"\n")
    (tmp_path / "t.csv").write_text("X\n1\n0,1\n")
    with pytest.raises(CausalPPLError, match="line 3 has 2 cells and the header 1"):
        cp.load(tmp_path / "model.scm").load_data()


def test_a_larger_file_is_read_by_pandas_with_the_same_result(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"Colour": rng.choice(["red", "green", "2"], 500), "Flag": rng.choice(["true", "0"], 500),
                          "Age": rng.normal(size=500), "Kids": rng.integers(0, 4, 500), "Size": rng.normal(size=500)})
    body = frame.to_csv(index=False)
    small, large = _read_both(tmp_path, body)
    assert small == large and small[0] == "block"

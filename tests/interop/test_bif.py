"""Tests of the BIF reader and `.scm` writer, with pgmpy's BIF reader as the oracle."""

from __future__ import annotations

import gzip
import io
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from causalppl.interop import (
    BifError,
    bif_to_scm,
    convert_bif,
    convert_bif_file,
    main_convert,
    parse_bif,
)
from causalppl.cli import main as cli_main
from causalppl.interop.bif_reader import ROUNDING_TOLERANCE
from causalppl.interop.bif import (
    LEVEL_PREFIX,
    RESERVED_WORDS,
    format_probability,
    sanitize_identifier,
)

pgmpy = pytest.importorskip("pgmpy")
from pgmpy.readwrite import BIFReader  # noqa: E402

EXAMPLE_MODELS = Path(pgmpy.__file__).parent / "utils" / "example_models"
ALL_NETWORKS = sorted(path.name[: -len(".bif.gz")] for path in EXAMPLE_MODELS.glob("*.bif.gz"))
#: The very large networks take minutes in pgmpy's own reader; CAUSALPPL_SLOW_TESTS=1 includes them.
LARGE_NETWORKS = {"diabetes", "mildew", "munin", "munin1", "munin2", "munin3", "munin4", "barley", "pathfinder",
                  "link", "andes", "pigs", "win95pts", "hepar2", "hailfinder", "water"}
NETWORKS = [name for name in ALL_NETWORKS
            if os.environ.get("CAUSALPPL_SLOW_TESTS") == "1" or name not in LARGE_NETWORKS]
STDLIB = Path(__file__).resolve().parents[2] / "stdlib"
STDLIB_NETWORKS = ["asia", "sachs", "alarm", "child", "insurance", "cancer", "survey", "earthquake"]


# --------------------------------------------------------------------------
# A tiny reader of the converter's own output (line based, no regular expressions)


@dataclass
class Table:
    """One variable of a converted model as written in the `.scm` text."""

    levels: list[str]
    parents: list[str]
    rows: list[tuple[tuple[str, ...], list[float]]] = field(default_factory=list)


def _floats(text: str) -> list[float]:
    """``[0.1, 0.9]`` -> [0.1, 0.9]."""
    return [float(item) for item in text.strip().strip("[]").split(",")]


def read_tables(source: str) -> tuple[dict[str, Table], list[str]]:
    """The tables of a converted model, and the variables in the order written."""
    tables: dict[str, Table] = {}
    current: Table | None = None
    for raw in source.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("model "):
            continue
        if line == "}":
            current = None
        elif current is not None:
            key, probs = line.split(" : ")
            current.rows.append((tuple(part.strip() for part in key.split(",")), _floats(probs)))
        else:
            current = _declaration(line, tables)
    return tables, list(tables)


def _declaration(line: str, tables: dict[str, Table]) -> Table | None:
    """Record a ``X : {..} ~ ...`` line; return the table when rows follow."""
    name, rest = line.split(" : ", 1)
    levels_text, mechanism = rest.split(" ~ ", 1)
    levels = [level.strip() for level in levels_text.strip("{}").split(",")]
    if mechanism.startswith("Categorical("):
        tables[name] = Table(levels, [], [((), _floats(mechanism[len("Categorical(") : -1]))])
        return None
    parents = mechanism[len("table(") : mechanism.index(")")].split(", ")
    tables[name] = Table(levels, parents)
    return tables[name]


# --------------------------------------------------------------------------
# Round trip of every bundled network against pgmpy


def _pgmpy_model(name: str):
    """The network as pgmpy reads it from the same file."""
    text = gzip.decompress((EXAMPLE_MODELS / f"{name}.bif.gz").read_bytes()).decode("utf-8")
    return BIFReader(string=text).get_model()


def _check_cpd(cpd, table: Table) -> None:
    """One pgmpy TabularCPD against the table written for it."""
    child, evidence = cpd.variables[0], cpd.variables[1:]
    assert table.levels == [sanitize_identifier(s, LEVEL_PREFIX) for s in cpd.state_names[child]]
    assert table.parents == [sanitize_identifier(p) for p in evidence]
    values = cpd.get_values()
    combos = itertools.product(*(cpd.state_names[p] for p in evidence))
    assert len(table.rows) == values.shape[1]
    for column, (combo, (key, probs)) in enumerate(zip(combos, table.rows)):
        assert key == tuple(sanitize_identifier(s, LEVEL_PREFIX) for s in combo)
        assert len(probs) == values.shape[0]
        for mine, theirs in zip(probs, values[:, column]):
            assert abs(mine - theirs) <= 1e-12


@pytest.mark.parametrize("name", NETWORKS)
def test_bundled_network_round_trips(name: str) -> None:
    source = convert_bif_file(EXAMPLE_MODELS / f"{name}.bif.gz")
    tables, order = read_tables(source)
    model = _pgmpy_model(name)
    assert sorted(tables) == sorted(sanitize_identifier(n) for n in model.nodes())
    assert sum(len(t.parents) for t in tables.values()) == len(model.edges())
    position = {var: k for k, var in enumerate(order)}
    for cpd in model.get_cpds():
        table = tables[sanitize_identifier(cpd.variable)]
        _check_cpd(cpd, table)
        assert all(position[p] < position[sanitize_identifier(cpd.variable)] for p in table.parents)


def test_networks_are_bundled() -> None:
    assert {"asia", "cancer", "alarm", "sachs"} <= set(NETWORKS)


def test_cancer_matches_the_hand_written_style() -> None:
    source = convert_bif_file(EXAMPLE_MODELS / "cancer.bif.gz")
    assert source.splitlines()[:8] == [
        "# cancer network, converted from its BIF file",
        "model Cancer {",
        "    Pollution : {low, high} ~ Categorical([0.9, 0.1])",
        "    Smoker : {True, False} ~ Categorical([0.3, 0.7])",
        "    Cancer : {True, False} ~ table(Pollution, Smoker) {",
        "        low, True : [0.03, 0.97]",
        "        low, False : [0.001, 0.999]",
        "        high, True : [0.05, 0.95]",
    ]


@pytest.mark.parametrize("name", STDLIB_NETWORKS)
def test_stdlib_network_is_the_converter_output(name: str) -> None:
    shipped = (STDLIB / f"{name}.scm").read_text(encoding="utf-8")
    assert convert_bif_file(EXAMPLE_MODELS / f"{name}.bif.gz") in shipped
    assert "query P(" in shipped


# --------------------------------------------------------------------------
# Numbers


@pytest.mark.parametrize("value", [0.9, 0.001, 7.682262e-05, 1e-300, 0.1 + 0.2, 1.0, 0.0, 1 / 3, 2.5e-07])
def test_probabilities_round_trip_without_exponents(value: float) -> None:
    text = format_probability(value)
    assert float(text) == value
    assert "e" not in text.lower()
    assert "." in text


def _bif(*blocks: str) -> str:
    """A BIF text made of the given blocks."""
    return "network test {\n}\n" + "\n".join(blocks) + "\n"


TWO = "variable A {\n  type discrete [ 2 ] { a0, a1 };\n}\n"
THREE = "variable B {\n  type discrete [ 3 ] { b0, b1, b2 };\n}\n"


def test_renormalizes_rows_off_by_rounding() -> None:
    text = _bif(THREE, "probability ( B ) {\n  table 0.333, 0.333, 0.333;\n}")
    line = bif_to_scm(text, "M").splitlines()[2]
    assert line.endswith("# renormalized")
    probs = _floats(line.split("Categorical(")[1].split(")")[0])
    assert abs(probs[0] - 1 / 3) < 1e-15 and abs(sum(probs) - 1) < 1e-12


@pytest.mark.parametrize(("body", "line", "column", "fragment"), [
    ("probability ( A ) {\n  table 0.5, 0.6;\n}\n", 7, 3, "the probabilities sum to 1.1, not 1"),
    ("probability ( A ) {\n  table 0.5, 0.498;\n}\n", 7, 3, "the probabilities sum to 0.998, not 1"),
    (THREE + "probability ( A | B ) {\n  (b0) 0.5, 0.5;\n  (b1) 0.7, 0.4;\n  (b2) 0.1, 0.9;\n}\n", 11, 3,
     "the probabilities for (b1) sum to 1.1, not 1"),
    (THREE + "probability ( A | B ) {\n  table 0.1 0.2 0.3 0.9 0.8 0.8;\n}\n", 10, 3,
     "the probabilities for (b2) sum to 1.1, not 1"),
    (THREE + "probability ( A | B ) {\n  (b0) 0.5, 0.5;\n  default 0.6, 0.5;\n}\n", 11, 3,
     "the probabilities of the default row sum to 1.1, not 1"),
])
def test_a_row_off_by_more_than_rounding_is_an_error_at_the_row(tmp_path: Path, capsys, body: str, line: int,
                                                                column: int, fragment: str) -> None:
    """Renormalising 0.5, 0.6 silently would change a network whose author mistyped a number."""
    path = tmp_path / "over.bif"
    path.write_text(HEAD + body)
    assert cli_main(["import-bif", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}:{column}: error: {fragment}") and "0.001" in err
    assert "model " not in capsys.readouterr().out


def test_the_rounding_tolerance_is_a_thousandth() -> None:
    assert ROUNDING_TOLERANCE == 1e-3
    parse_bif(_bif(TWO, "probability ( A ) {\n  table 0.5, 0.5009;\n}"))
    with pytest.raises(BifError, match="sum to 1.0011, not 1"):
        parse_bif(_bif(TWO, "probability ( A ) {\n  table 0.5, 0.5011;\n}"))


@pytest.mark.parametrize("row", ["0.5, 0.499", "0.499, 0.5", "0.5, 0.501", "0.001, 0.998", "0.2, 0.3, 0.501"])
def test_a_row_off_by_exactly_the_tolerance_is_accepted(row: str) -> None:
    """0.999 and 1.001 are within the thousandth the message promises (1 - 0.999 is a little over 1e-3 in floats)."""
    block = THREE if row.count(",") == 2 else TWO
    name = "B" if row.count(",") == 2 else "A"
    parse_bif(_bif(block, f"probability ( {name} ) {{\n  table {row};\n}}"))


@pytest.mark.parametrize(("row", "total"), [("0.5, 0.4985", "0.9985"), ("0.5, 0.5015", "1.0015")])
def test_a_row_off_by_more_than_the_tolerance_is_refused(row: str, total: str) -> None:
    with pytest.raises(BifError, match=f"sum to {total}, not 1"):
        parse_bif(_bif(TWO, f"probability ( A ) {{\n  table {row};\n}}"))


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("", 1, "the file is empty"),
    ("\n\n  // only a comment\n", 1, "the file is empty (or holds only comments)"),
    ("network empty {\n}\n", 2, "no variable is declared"),
    ('network empty {\n  property author = "me";\n}\n', 3, "no variable is declared"),
])
def test_a_text_without_variables_is_not_a_network(tmp_path: Path, capsys, text: str, line: int,
                                                   fragment: str) -> None:
    path = tmp_path / "empty.bif"
    path.write_text(text)
    assert cli_main(["import-bif", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"{path}:{line}:") and fragment in captured.err
    assert captured.out == ""


def test_keeps_rows_within_tolerance() -> None:
    text = _bif(TWO, "probability ( A ) {\n  table 0.5, 0.5000005;\n}")
    assert bif_to_scm(text, "M").splitlines()[2] == "    A : {a0, a1} ~ Categorical([0.5, 0.5000005])"


# --------------------------------------------------------------------------
# BIF features


def test_default_rows_comments_quotes_and_properties() -> None:
    text = _bif(
        "// a line comment\n" + TWO,
        '/* a block\n comment */ variable "B" {\n  property label = "x";\n  type discrete [ 3 ] { b0, b1, b2 };\n}',
        "probability ( A ) { table 0.25 0.75 ; }",
        "probability ( B | A ) {\n  default 0.2, 0.3, 0.5;\n  (a1) 0.1, 0.1, 0.8;\n}",
    )
    tables, _ = read_tables(bif_to_scm(text, "M"))
    assert tables["B"].rows == [(("a0",), [0.2, 0.3, 0.5]), (("a1",), [0.1, 0.1, 0.8])]


def test_old_style_header_without_bar() -> None:
    text = _bif(
        TWO,
        THREE,
        "probability ( A ) { table 0.25, 0.75; }",
        "probability ( B A ) {\n  table 0.2 0.1 0.3 0.1 0.5 0.8;\n}",
    )
    assert parse_bif(text).cpds["B"].parents == ("A",)


def test_flat_table_layout_matches_pgmpy() -> None:
    text = _bif(
        TWO,
        THREE,
        "variable C {\n  type discrete [ 2 ] { c0, c1 };\n}\n",
        "probability ( A ) {\n  table 0.25, 0.75;\n}",
        "probability ( B ) {\n  table 0.2, 0.3, 0.5;\n}",
        "probability ( C | A, B ) {\n  table 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4;\n}",
    )
    tables, _ = read_tables(bif_to_scm(text, "M"))
    _check_cpd(BIFReader(string=text).get_model().get_cpds("C"), tables["C"])


def test_gzip_and_plain_files_and_default_model_name(tmp_path: Path) -> None:
    text = _bif(TWO, "probability ( A ) {\n  table 0.25, 0.75;\n}")
    (tmp_path / "tiny.bif").write_text(text)
    (tmp_path / "tiny.bif.gz").write_bytes(gzip.compress(text.encode()))
    plain = convert_bif_file(tmp_path / "tiny.bif")
    assert plain == convert_bif_file(tmp_path / "tiny.bif.gz")
    assert "model Tiny {" in plain
    assert "model Other {" in convert_bif_file(tmp_path / "tiny.bif", "Other")


def test_variables_are_written_parents_first() -> None:
    text = _bif(
        TWO,
        THREE,
        "probability ( A | B ) {\n  table 0.1 0.2 0.3 0.9 0.8 0.7;\n}",
        "probability ( B ) { table 0.2, 0.3, 0.5; }",
    )
    _, order = read_tables(bif_to_scm(text, "M"))
    assert order == ["B", "A"]


# --------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        ("0-3_days", "L", "L0_3_days"),
        ("<5", "L", "_5"),
        (">=7.5", "L", "__7_5"),
        ("Transp.", "L", "Transp_"),
        ("12", "L", "L12"),
        ("7up", "V", "V7up"),
        ("data", "V", "data_"),
        ("true", "L", "true_"),
        ("True", "L", "True"),
        ("P", "V", "P"),
        ("E", "V", "E"),
        ("caf\u00e9", "V", "caf_"),
        ("", "V", "V"),
    ],
)
def test_sanitize_identifier(name: str, prefix: str, expected: str) -> None:
    assert sanitize_identifier(name, prefix) == expected


@pytest.mark.parametrize("word", sorted(RESERVED_WORDS))
def test_reserved_words_are_escaped_and_stable(word: str) -> None:
    once = sanitize_identifier(word)
    assert once == word + "_" and sanitize_identifier(once) == once


def test_sanitized_names_and_clashes_are_recorded() -> None:
    text = _bif(
        'variable "1st-var" {\n  type discrete [ 3 ] { a-b, a_b, a.b };\n}\n',
        "variable model {\n  type discrete [ 2 ] { false, true };\n}\n",
        'probability ( "1st-var" ) {\n  table 0.2, 0.3, 0.5;\n}',
        'probability ( model | "1st-var" ) {\n  (a-b) 0.5, 0.5;\n  (a_b) 0.1, 0.9;\n  (a.b) 0.3, 0.7;\n}',
    )
    conversion = convert_bif(text, "M")
    assert conversion.variable_names == {"1st-var": "V1st_var", "model": "model_"}
    assert conversion.level_names["1st-var"] == {"a-b": "a_b", "a_b": "a_b_2", "a.b": "a_b_3"}
    assert conversion.renamed()
    tables, _ = read_tables(conversion.source)
    assert tables["V1st_var"].levels == ["a_b", "a_b_2", "a_b_3"]
    assert tables["model_"].levels == ["false_", "true_"]
    assert [key for key, _ in tables["model_"].rows] == [("a_b",), ("a_b_2",), ("a_b_3",)]
    assert "# V1st_var is '1st-var' in the BIF file" in conversion.source


# --------------------------------------------------------------------------
# Errors

HEAD = "network test {\n}\n" + TWO  # A is declared on lines 3-5


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("probability ( A | Z ) {\n  (a0) 0.5, 0.5;\n}\n", 6, "'Z' is not declared"),
        ("probability ( A ) {\n  table 0.5, 0.25, 0.25;\n}\n", 7, "'table' needs 2 numbers, found 3"),
        (THREE + "probability ( A | B ) {\n  default 0.5, 0.5;\n  (b1) 1.0;\n}\n", 11, "expected 2 probabilities"),
        ("probability ( A ) {\n  table 0.5, x;\n}\n", 7, "expected a number"),
        ("probability ( A ) {\n  table 0.5, 0.5;\n", 7, "unexpected end of file"),
        ("probability ( A ) {\n  table -0.5, 1.5;\n}\n", 7, "non-negative"),
        ("variable A {\n  type discrete [ 2 ] { x, y };\n}\n", 6, "declared twice"),
        ("variable B {\n  type discrete [ 3 ] { x, y };\n}\n", 7, "declares 3 states but lists 2"),
        ("variable B {\n}\n", 6, "no 'type discrete' line"),
        ("nonsense\n", 6, "expected 'network', 'variable' or 'probability'"),
        ("", 3, "has no probability block"),
        (
            THREE + "probability ( A | B ) {\n  (b0) 0.5, 0.5;\n}\nprobability ( B ) { table 0.2 0.3 0.5; }\n",
            9,
            "no probabilities for 'A' given (b1)",
        ),
        (THREE + "probability ( A | B ) {\n  (b9) 0.5, 0.5;\n}\n", 10, "'b9' is not a state of 'B'"),
        (
            THREE + "probability ( A | B ) {\n  table 0.1 0.2 0.3 0.9 0.8 0.7;\n}\n"
            "probability ( B | A ) {\n  table 0.1 0.2 0.3 0.4 0.6 0.4;\n}\n",
            9,
            "cycle",
        ),
    ],
)
def test_malformed_bif_reports_file_line_col(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    path = tmp_path / "bad.bif"
    path.write_text(HEAD + body)
    err = io.StringIO()
    assert main_convert(str(path), None, stderr=err) == 1
    message = err.getvalue().strip()
    location, _, text = message.partition(": error: ")
    filename, got_line, got_col = location.rsplit(":", 2)
    assert filename == str(path)
    assert (int(got_line), got_col.isdigit()) == (line, True)
    assert fragment in text


def test_bif_error_carries_position() -> None:
    with pytest.raises(BifError) as caught:
        parse_bif("network x {\n}\nvariable A {\n  type discrete [ 2 ] { a, b };\n}\n/* open")
    assert (caught.value.line, caught.value.column) == (6, 1)


def test_main_convert_writes_output_and_reports_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "tiny.bif"
    source.write_text(_bif(TWO, "probability ( A ) {\n  table 0.25, 0.75;\n}"))
    out = tmp_path / "tiny.scm"
    assert main_convert(str(source), str(out)) == 0
    assert out.read_text() == convert_bif_file(source)
    assert main_convert(str(source), None) == 0
    assert capsys.readouterr().out == convert_bif_file(source)
    missing = os.path.join(str(tmp_path), "missing.bif")
    assert main_convert(missing, None) == 1
    assert capsys.readouterr().err.startswith(f"{missing}: error: cannot read")


def test_a_table_too_large_to_convert_is_refused_before_its_rows_are_made() -> None:
    """30 binary parents and a ``default`` row would fill 2**30 rows: refused with the size, at once."""
    parents = [f"P{k}" for k in range(30)]
    text = "network big {\n}\n" + "".join(f"variable {p} {{\n  type discrete [ 2 ] {{ a, b }};\n}}\n"
                                           for p in [*parents, "C"])
    text += "".join(f"probability ( {p} ) {{\n  table 0.5, 0.5;\n}}\n" for p in parents)
    text += f"probability ( C | {', '.join(parents)} ) {{\n  default 0.5, 0.5;\n}}\n"
    with pytest.raises(BifError, match="1,073,741,824 rows of 2 numbers"):
        parse_bif(text)

"""Every form of the language contract (LANGUAGE.md) parses, and the
standalone example files under ``cases/ok`` cover every form and check.

The contract lives next to the repository, in ``shared/spec/LANGUAGE.md`` of
the repository's parent folder; these tests are skipped when it is absent.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from causalppl.diagnostics import CausalPPLError
from causalppl.semantics import check_program
from causalppl.syntax import ast, parse_declaration, parse_program

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "spec" / "LANGUAGE.md"
CASES = Path(__file__).resolve().parent / "cases" / "ok"

needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason="the language contract shared/spec/LANGUAGE.md "
                                                          "is not next to this repository")

_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


def _is_language(tag: str, body: str) -> bool:
    """Untagged blocks that are neither the command-line usage nor the JSON output."""
    if tag:
        return False
    first = body.lstrip().splitlines()[0] if body.strip() else ""
    return not first.startswith(("causalppl ", "{", "["))


def language_blocks() -> list[tuple[int, str]]:
    """(line of the opening fence, body) of every code block written in the language."""
    if not SPEC.is_file():
        return []
    text = _spec_text()
    return [(text.count("\n", 0, match.start()) + 1, match.group(2))
            for match in _FENCE.finditer(text) if _is_language(match.group(1), match.group(2))]


def _is_fragment(body: str) -> bool:
    """The table block is one declaration, not a whole file."""
    return not re.search(r"^\s*(model|data|query)\b", body, re.MULTILINE)


def _block_id(block: tuple[int, str]) -> str:
    return f"line{block[0]}"


@needs_spec
def test_the_spec_has_the_expected_language_blocks():
    bodies = [body for _, body in language_blocks()]
    assert len(bodies) >= 4, "expected the file, table, data and query blocks"
    assert any("model FrontDoor" in body for body in bodies)
    assert any("table(Mek, PKA)" in body for body in bodies)
    assert any(body.lstrip().startswith("data ") for body in bodies)
    assert any(body.lstrip().startswith("query ") for body in bodies)
    texts = [body for tag, body in ((m.group(1), m.group(2)) for m in _FENCE.finditer(_spec_text()))]
    assert any(body.startswith("causalppl run") for body in texts), "the CLI block is recognised and left out"


@needs_spec
@pytest.mark.parametrize("block", language_blocks() or [(0, "")], ids=_block_id)
def test_spec_block_parses(block):
    line, body = block
    filename = f"LANGUAGE.md:block@{line}"
    if _is_fragment(body):
        declaration = parse_declaration(body, filename)
        assert isinstance(declaration, (ast.VariableDecl, ast.ParamDecl, ast.Confounding))
    else:
        program = parse_program(body, filename)
        assert program.model is not None or program.data or program.queries


@needs_spec
def test_spec_table_fragment_shape():
    body = next(body for _, body in language_blocks() if "table(" in body)
    declaration = parse_declaration(body)
    assert isinstance(declaration, ast.VariableDecl)
    assert declaration.name == "Erk"
    assert declaration.type == ast.LevelsType(("LOW", "AVG", "HIGH"), declaration.type.span)
    table = declaration.mechanism.distribution
    assert isinstance(table, ast.Table)
    assert table.parents == ("Mek", "PKA")
    assert table.elided
    assert [row.key for row in table.rows] == [("LOW", "LOW"), ("LOW", "AVG")]
    assert table.rows[0].probabilities == (0.10, 0.20, 0.70)


@needs_spec
def test_spec_first_file_checks():
    body = next(body for _, body in language_blocks() if "model " in body)
    checked = check_program(parse_program(body, "front_door.scm"))
    assert checked.model.name == "FrontDoor"
    assert [q.name for q in checked.queries] == [None, "ate"]


# A model declaring every name the data and query blocks of the contract use.
_SPEC_QUERY_MODEL = """\
model Spec {
    param b ~ Normal(0, 1)
    Z : {LOW, MID, HIGH}
    W : bool
    X : bool <- Z, W
    M : bool <- X
    Y : {0, 1, 2, 3} ~ Categorical(logits=[b, X, M, 0])
    Received : bool
}
"""


@needs_spec
@pytest.mark.parametrize("start", ["data ", "query "])
def test_spec_data_and_query_blocks_check_against_a_model(start):
    body = next(body for _, body in language_blocks() if body.lstrip().startswith(start))
    checked = check_program(parse_program(_SPEC_QUERY_MODEL + body, "spec_block.scm"))
    assert checked.data or checked.queries
    if start == "query ":
        assert len(checked.queries) == body.count("query ")


def _form_column() -> list[str]:
    """The `form` column of the declarations table of section 2."""
    if not SPEC.is_file():
        return []
    forms = []
    for line in _spec_text().splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if match and "..." not in match.group(1):
            forms.append(match.group(1))
    return forms


@needs_spec
@pytest.mark.parametrize("form", _form_column() or ["<none>"])
def test_spec_declaration_forms_parse(form):
    declaration = parse_declaration(form)
    assert isinstance(declaration, (ast.VariableDecl, ast.ParamDecl, ast.Confounding))


# ------------------------------------------------------------ ok/ files ----

OK_FILES = sorted(CASES.glob("*.scm"))

#: Example files that fail today because of a known bug in the toolchain.
#: Remove an entry once its bug is fixed (the xfail is strict).
KNOWN_FAILURES: dict[str, str] = {}


def _ok_param(path: Path):
    reason = KNOWN_FAILURES.get(path.name)
    marks = [pytest.mark.xfail(reason=reason, raises=CausalPPLError, strict=True)] if reason else []
    return pytest.param(path, id=path.name, marks=marks)


def test_there_are_ok_files():
    assert len(OK_FILES) >= 8


@pytest.mark.parametrize("path", [_ok_param(path) for path in OK_FILES])
def test_ok_file_parses_and_checks(path: Path):
    relative = path.relative_to(REPO).as_posix()
    program = parse_program(path.read_text(encoding="utf-8"), relative)
    checked = check_program(program)
    assert checked.model.name
    for data in checked.data:
        assert (REPO / data.path).is_file(), f"{relative} reads {data.path}, which is missing"


def _all_ok_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in OK_FILES)


@pytest.mark.parametrize("needle", [
    # declarations
    " ~ Normal(", " := ", "latent U ~", "latent V :=", ": bool\n", ": bool <- A, B", "<->",
    "param b ~", "param w[3] ~", "param c = 0.7", "param s = [1, 2]",
    ": {low, mid, high}", ": {1, 2, 3}", ": int", ": real",
    # tables
    "table() {", "table(Raf) {", "table(Mek, PKA) {", "table(Stage, Raf)",
    # distributions, positional and named
    "Bernoulli(0.3)", "Bernoulli(logits=", "Categorical([", "Normal(loc=0, scale=1)", "LogNormal(",
    "StudentT(", "Cauchy(", "Laplace(", "Uniform(", "Beta(", "Gamma(", "Exponential(", "HalfNormal(",
    "HalfCauchy(", "Poisson(", "Binomial(", "Dirichlet(",
    # expressions
    " + ", " - ", " * ", " / ", " ^ ", "-Z", "==", "!=", " < ", "<=", " > ", ">=", " and ", " or ", "not ",
    "if ", " then ", " else ", "exp(", "log(", "sqrt(", "abs(", "sigmoid(", "logit(", "softplus(", "min(",
    "max(", "[Z, W]", "b[Region]",
    # data and queries
    'data "', "under do(Received)", "under do(Received = 1)", "query P(", "query E[", "query bounds",
    "query identify", "query pn = ", "query fd = identify", "query ace = bounds", "M = M[X = 0]", "E[b]",
    # layout
    ";", "P : bool", "E : bool",
])
def test_ok_files_cover_every_form(needle):
    assert needle in _all_ok_text(), f"no example under cases/ok uses {needle!r}"


# ---------------------------------------------------------- the guide ----

GUIDE = REPO / "docs" / "language.md"
_INDENTED_FENCE = re.compile(r"^([ \t]*)```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^\1```[ \t]*$", re.MULTILINE | re.DOTALL)

#: Guide examples that fail today because of a known bug (strict xfail: remove once fixed).
GUIDE_KNOWN_FAILURES: dict[str, str] = {}


def guide_blocks() -> list:
    if not GUIDE.is_file():
        return []
    text = GUIDE.read_text(encoding="utf-8")
    params = []
    for match in _INDENTED_FENCE.finditer(text):
        if match.group(2):
            continue  # tagged blocks (```text) are output or word lists, not programs
        body = textwrap.dedent(match.group(3))
        line = text.count("\n", 0, match.start()) + 1
        reasons = [reason for needle, reason in GUIDE_KNOWN_FAILURES.items() if needle in body]
        marks = [pytest.mark.xfail(reason=reasons[0], raises=CausalPPLError, strict=True)] if reasons else []
        params.append(pytest.param(body, id=f"line{line}", marks=marks))
    return params


def test_the_guide_has_examples():
    assert len(guide_blocks()) >= 8


@pytest.mark.parametrize("body", guide_blocks())
def test_guide_example_parses_and_checks(body):
    program = parse_program(body, "guide.scm")
    if program.model is not None:
        check_program(program)

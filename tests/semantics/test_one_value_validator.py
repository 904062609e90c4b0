"""One value validator (:mod:`causalppl.ir.values`): the same bad value gets the same words from
``Model.do``, ``Model.counterfactual`` and query text."""

from __future__ import annotations

import math

import pytest

import causalppl as cp
from causalppl.diagnostics import CausalPPLError
from causalppl.ir.types import BOOL, INT, REAL, Domain
from causalppl.ir.values import BadValue, ir_value

SOURCE = """model M {
    X : bool ~ Bernoulli(0.5)
    N : int ~ Poisson(2)
    R ~ Normal(0, 1)
    D : {low, high} ~ Categorical([0.5, 0.5])
    Dose : {1, 2, 3} ~ Categorical([0.2, 0.3, 0.5])
    Y : bool ~ Bernoulli(if X then 0.8 else 0.2)
}
"""

#: (variable, the value in Python, the value as query text, the message)
BAD_VALUES = [
    ("D", "hgh", "hgh", "'hgh' is not a level of 'D' (did you mean 'high'?)"),
    ("D", 5, "5", "5 is not a value of 'D' ({low, high})"),
    ("Dose", 4, "4", "4 is not a value of 'Dose' ({1, 2, 3})"),
    ("R", math.nan, "nan", "the value of 'R' must be finite, not nan"),
    ("R", math.inf, "inf", "the value of 'R' must be finite, not inf"),
    ("X", None, "None", "the value of 'X' must be a number or a level name, not None"),
    ("R", "abc", "abc", "'abc' is not a value of 'R' (real)"),
    ("X", 2, "2", "2 is not a value of 'X' (bool)"),
    ("N", 1.5, "1.5", "1.5 is not a value of 'N' (int)"),
    ("D", 1.5, "1.5", "1.5 is not a value of 'D' ({low, high})"),
    ("R", 1e39, "1e39", "the value of 'R' (1e+39) is beyond the largest number the model's programs hold "
                        "(about 3.4e38: 32-bit floats)"),
    ("N", -10**39, "-1000000000000000000000000000000000000000",
     "the value of 'N' (-1e+39) is beyond the largest number the model's programs hold (about 3.4e38: 32-bit "
     "floats)"),
]


@pytest.fixture(scope="module")
def model() -> cp.Model:
    return cp.loads(SOURCE)


def _message(call) -> str:
    with pytest.raises((CausalPPLError, TypeError)) as caught:
        call()
    error = caught.value
    return error.diagnostics[0].message if isinstance(error, CausalPPLError) else str(error)


@pytest.mark.parametrize("variable, value, text, message", BAD_VALUES, ids=[f"{v}={t}" for v, _, t, _ in BAD_VALUES])
def test_the_same_bad_value_gets_the_same_words_everywhere(model, variable, value, text, message):
    assert _message(lambda: model.do(**{variable: value})) == message
    assert _message(lambda: model.counterfactual({}, {variable: value}, n=2)) == message
    assert _message(lambda: model.counterfactual({variable: value}, {"X": 1}, n=2)) == message
    assert _message(lambda: model.query(f"P(Y = 1 | do({variable} = {text}))")) == message
    if value is not None:
        assert _message(lambda: model.query(f"P(Y = 1 | {variable} = {text})")) == message


def test_a_wrong_type_in_python_is_a_type_error(model):
    with pytest.raises(TypeError, match="must be a number or a level name, not list"):
        model.do(X=[1])


def test_a_parameter_or_an_unknown_name_gets_the_same_words(model):
    assert _message(lambda: model.do(Z=1)) == _message(lambda: model.query("P(Y = 1 | do(Z = 1))"))
    params = cp.loads("model P {\n  param b ~ Normal(0, 1)\n  Y ~ Normal(b, 1)\n}\n")
    assert _message(lambda: params.do(b=1)) == _message(lambda: params.query("E[Y | do(b = 1)]")) \
        == "'b' is a parameter; a model variable is required here"


@pytest.mark.parametrize("domain, value, expected", [
    (BOOL, True, 1.0), (BOOL, "true", 1.0), (BOOL, "False", 0.0), (BOOL, 0, 0.0),
    (Domain("levels", ("1", "2", "3")), 2, 1.0), (Domain("levels", ("1", "2", "3")), 0, 0.0),
    (Domain("levels", ("a", "b")), "b", 1.0), (INT, 3, 3.0), (INT, -2.0, -2.0), (REAL, 1.25, 1.25),
])
def test_good_values_become_ir_values(domain, value, expected):
    assert ir_value("V", domain, value) == expected


def test_numpy_and_torch_scalars_are_numbers():
    np = pytest.importorskip("numpy")
    torch = pytest.importorskip("torch")
    assert ir_value("V", REAL, np.float32(0.5)) == 0.5
    assert ir_value("V", INT, np.array([4])) == 4.0
    assert ir_value("V", BOOL, torch.tensor(1)) == 1.0
    assert isinstance(ir_value("V", REAL, np.array([1.0, 2.0])), BadValue)


def test_an_int_beyond_the_floats_is_not_finite():
    assert ir_value("V", INT, 10 ** 400).message == "the value of 'V' must be finite, not inf"
    assert ir_value("V", INT, -(10 ** 400)).message == "the value of 'V' must be finite, not -inf"


@pytest.mark.parametrize("value, message", [("7", "7 is not a value of 'Dose' ({1, 2, 3})"),
                                            ("hgh", "'hgh' is not a level of 'D' (did you mean 'high'?)")])
def test_a_comparison_in_the_model_words_a_bad_value_as_query_text_does(model, value, message):
    variable = "Dose" if value == "7" else "D"
    source = SOURCE.replace("}\n", f"    Hit := {variable} == {value}\n}}\n")
    assert _message(lambda: cp.loads(source)) == message
    assert _message(lambda: model.query(f"P({variable} = {value})")) == message


@pytest.mark.parametrize("variable, value, text, message",
                         [case for case in BAD_VALUES if case[1] is not None and case[2] != "nan"],
                         ids=[f"{v}={t}" for v, value, t, _ in BAD_VALUES if value is not None and t != "nan"])
def test_a_data_cell_gets_the_same_words_after_its_place(model, variable, value, text, message):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"X": [0, 1], "N": [1, 2], "R": [0.5, 1.5], "D": ["low", "high"], "Dose": [1, 2], "Y": [0, 1]})
    frame[variable] = frame[variable].astype(object)
    frame.loc[1, variable] = value
    assert _message(lambda: model.load_data(frame)) == f"<DataFrame>, row 2, column '{variable}': {message}"


def test_a_constant_without_a_value_in_query_text_says_why(model):
    assert _message(lambda: model.query("P(Y = 1 | do(R = 1e400))")).startswith("this number is beyond the largest the model's programs hold")
    assert _message(lambda: model.query("P(Y = 1 | do(R = 1/0))")) == "division by zero"
    assert _message(lambda: model.query("P(Y = 1 | do(R = 2 * X))")) == "the value of 'R' must be a constant"

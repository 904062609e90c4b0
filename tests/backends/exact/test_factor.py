"""Factor validation, slicing and cardinality bookkeeping."""

from __future__ import annotations

import pytest
import torch

from causalppl.backends.exact import Factor, cardinalities_of


def table(*shape: int) -> torch.Tensor:
    return torch.rand(shape, dtype=torch.float64)


def test_factor_exposes_cardinalities() -> None:
    factor = Factor(("a", "b"), table(2, 3))
    assert factor.cardinalities == {"a": 2, "b": 3}


def test_list_of_variables_becomes_a_tuple() -> None:
    assert Factor(["a"], table(2)).variables == ("a",)


def test_scalar_factor_is_allowed() -> None:
    assert Factor((), torch.tensor(2.0, dtype=torch.float64)).cardinalities == {}


@pytest.mark.parametrize(
    ("variables", "values", "error"),
    [
        (("a",), torch.rand(2), TypeError),  # float32
        (("a",), [0.5, 0.5], TypeError),  # not a tensor
        (("a", "b"), table(2), ValueError),  # axes and variables disagree
        (("a", "a"), table(2, 2), ValueError),  # repeated variable
        (("",), table(2), TypeError),  # empty name
        ((3,), table(2), TypeError),  # not a string
        (("a",), torch.empty(0, dtype=torch.float64), ValueError),  # no levels
        (("a",), torch.tensor([1.0, float("nan")], dtype=torch.float64), ValueError),
    ],
)
def test_invalid_factors_are_rejected(variables, values, error) -> None:
    with pytest.raises(error):
        Factor(variables, values)


def test_fix_slices_out_evidence_axes_only() -> None:
    values = table(2, 3, 4)
    fixed = Factor(("a", "b", "c"), values).fix({"b": 2, "z": 0})
    assert fixed.variables == ("a", "c")
    assert torch.equal(fixed.table, values[:, 2, :])


def test_normalized_over_finds_conditional_tables() -> None:
    cpt = torch.tensor([[0.2, 0.8], [0.6, 0.4]], dtype=torch.float64)  # rows: parent
    assert Factor(("parent", "child"), cpt).normalized_over == frozenset({"child"})
    assert Factor(("x",), table(3) + 1.0).normalized_over == frozenset()


def test_cardinalities_of_checks_agreement() -> None:
    assert cardinalities_of([Factor(("a",), table(2)), Factor(("a", "b"), table(2, 5))]) == {
        "a": 2,
        "b": 5,
    }
    with pytest.raises(ValueError, match="'a' has 2 levels"):
        cardinalities_of([Factor(("a",), table(2)), Factor(("a",), table(3))])

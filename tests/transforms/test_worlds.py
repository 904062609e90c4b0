"""The multi-world transform: explicit noise, copies of descendants only, shared exogenous sites, purity."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import (
    ConstantMechanism,
    Coupled,
    Deterministic,
    NoiseSource,
)
from causalppl.transforms.noise import NoiseError, explicit_noise, noise_sites
from causalppl.transforms.worlds import FACTUAL, ancestral, build_worlds

CHAIN = """
model Chain {
    X ~ Normal(0, 1)
    Z ~ Normal(X, 1)
    Y ~ Normal(X + 2 * Z, 0.5)
}
"""

MEDIATION = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
    W := Y
}
"""


def ref(variable: str, *assignments) -> rx.CounterfactualRef:
    return rx.CounterfactualRef(variable, tuple(assignments), Span.unknown())


def names(model) -> list[str]:
    return [v.name for v in model.variables]


def test_explicit_noise_gives_each_stochastic_mechanism_its_own_site():
    model = cp.loads("""
    model Laws {
        A ~ Normal(0, 1)
        B ~ LogNormal(A, 0.5)
        C ~ Bernoulli(0.3)
        D : {lo, mid, hi} ~ table(C) {
            0: [0.2, 0.3, 0.5]
            1: [0.5, 0.3, 0.2]
        }
        E ~ Categorical([0.2, 0.8])
        F ~ Poisson(2)
        G ~ StudentT(4, A, 1)
        H := A + 1
    }""").ir
    explicit = explicit_noise(model)
    laws = {v.mechanism.owner: (v.mechanism.law, v.mechanism.size) for v in noise_sites(explicit)}
    assert laws == {"A": ("Normal", None), "B": ("Normal", None), "C": ("Uniform", None), "D": ("Uniform", None),
                    "E": ("Gumbel", 2), "F": ("Uniform", None), "G": ("StudentT", None)}
    assert isinstance(explicit.variable("H").mechanism, Deterministic)
    assert explicit.variable("B").mechanism.site == "U_B"
    assert explicit.variable("B").parents == ("A", "U_B")


def test_a_world_copies_only_the_descendants_of_its_interventions():
    model = cp.loads(CHAIN).ir
    multi = build_worlds(model, [ref("Y", ("Z", 0.0))])
    assert names(multi.model) == ["U_X", "U_Z", "U_Y", "X", "Z", "Y", "Z__w1", "Y__w1"]
    assert multi.name_of(ref("Y", ("Z", 0.0))) == "Y__w1"
    copy_of_y = multi.model.variable("Y__w1")
    assert copy_of_y.parents == ("X", "Z__w1", "U_Y")  # factual X, shared noise U_Y
    assert isinstance(multi.model.variable("Z__w1").mechanism, ConstantMechanism)


def test_every_exogenous_site_is_shared_and_none_is_copied():
    model = cp.loads(CHAIN).ir
    multi = build_worlds(model, [ref("Y", ("X", 0.0)), ref("Y", ("X", 1.0))])
    sites = [v.name for v in multi.model.model_variables if isinstance(v.mechanism, NoiseSource)]
    assert sites == ["U_X", "U_Z", "U_Y"]
    for world in ("w1", "w2"):
        assert multi.model.variable(f"Y__{world}").mechanism.site == "U_Y"
        assert multi.model.variable(f"Z__{world}").mechanism.site == "U_Z"


def test_one_world_per_distinct_intervention_set_in_any_order():
    model = cp.loads(MEDIATION).ir
    multi = build_worlds(model, [ref("Y", ("X", 1.0), ("M", 0.0)), ref("W", ("M", 0.0), ("X", 1.0)),
                                 ref("M", ("X", 1.0))])
    assert [w.id for w in multi.worlds.worlds] == [FACTUAL, "w1", "w2"]
    assert multi.name_of(ref("W", ("M", 0.0), ("X", 1.0))) == "W__w1"
    assert multi.worlds.world("w1").label == "do(M = 0, X = 1)"


def test_nested_potential_outcomes_build_the_inner_world_first():
    model = cp.loads(MEDIATION).ir
    outcome = ref("Y", ("X", 1.0), ("M", ref("M", ("X", 0.0))))
    multi = build_worlds(model, [outcome])
    assert multi.name_of(outcome) == "Y__w2"
    inner = multi.model.variable("M__w2").mechanism
    assert isinstance(inner, Deterministic) and inner.expr == rx.VarRef("M__w1", inner.span)
    assert names(multi.model).index("M__w1") < names(multi.model).index("M__w2")
    assert multi.model.variable("Y__w2").parents == ("X__w2", "M__w2", "U_Y")


def test_a_potential_outcome_of_a_non_descendant_is_the_factual_variable():
    model = cp.loads(MEDIATION).ir
    multi = build_worlds(model, [ref("X", ("M", 1.0))])
    assert multi.name_of(ref("X", ("M", 1.0))) == "X"


def test_the_input_model_is_never_mutated():
    model = cp.loads(MEDIATION).ir
    before = copy.deepcopy(model)
    variables = model.variables
    build_worlds(model, [ref("Y", ("X", 1.0), ("M", ref("M", ("X", 0.0)))), ref("Y", ("X", 0.0))])
    assert model == before
    assert model.variables is variables
    assert not any(isinstance(v.mechanism, (Coupled, NoiseSource)) for v in model.variables)


def test_unknown_mechanisms_have_no_counterfactual_coupling():
    confounded = cp.loads("model B {\n X : bool\n Y : bool <- X\n X <-> Y\n}").ir
    with pytest.raises(NoiseError, match="unknown confounder"):
        build_worlds(confounded, [ref("Y", ("X", 1.0))])
    nonparametric = cp.loads("model N {\n X ~ Bernoulli(0.5)\n Y : bool <- X\n}").ir
    with pytest.raises(NoiseError, match="unknown mechanism"):
        build_worlds(nonparametric, [ref("Y", ("X", 1.0))])


def test_cost_is_linear_in_the_number_of_worlds():
    lines = ["X0 ~ Normal(0, 1)"] + [f"X{i} ~ Normal(X{i - 1}, 1)" for i in range(1, 40)]
    model = cp.loads("model Long {\n" + "\n".join(lines) + "\n}").ir
    sizes = []
    for k in range(1, 6):
        outcomes = [ref("X39", (f"X{30 + j}", 1.0)) for j in range(k)]
        sizes.append(len(build_worlds(model, outcomes).model.variables))
    copies = [size - 80 for size in sizes]  # 40 sites + 40 factual variables
    assert copies == [10, 19, 27, 34, 40]  # each world copies only X_{30+j} .. X39


def test_ancestral_cut_keeps_causes_and_parameters():
    model = cp.loads("model P {\n param b = 2\n A ~ Normal(0, 1)\n B ~ Normal(b * A, 1)\n C ~ Normal(A, 1)\n}").ir
    multi = build_worlds(model, [ref("B", ("A", 0.0))])
    cut = ancestral(multi.model, ["B__w1"])
    assert names(cut) == ["b", "U_B", "A__w1", "B__w1"]


@st.composite
def random_dags(draw):
    n = draw(st.integers(2, 7))
    parents = [sorted(draw(st.sets(st.integers(0, i - 1), max_size=min(i, 3)))) if i else [] for i in range(n)]
    targets = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3)))
    return n, parents, targets


@settings(max_examples=25, deadline=None)
@given(random_dags())
def test_copies_are_exactly_the_descendants(dag):
    n, parents, targets = dag
    lines = []
    for i in range(n):
        loc = " + ".join(f"V{p}" for p in parents[i]) or "0"
        lines.append(f"V{i} ~ Normal({loc}, 1)")
    model = cp.loads("model R {\n" + "\n".join(lines) + "\n}").ir
    before = copy.deepcopy(model)
    assignments = tuple((f"V{t}", 1.0) for t in targets)
    multi = build_worlds(model, [ref(f"V{n - 1}", *assignments)])
    copied = {old for old, _ in multi.worlds.world("w1").renamed}
    assert copied == model.descendants(name for name, _ in assignments)
    assert model == before

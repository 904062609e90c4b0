"""Which variables have finite tables: the model's reason, the finite part, and a query's relevant variables
(read variables and their ancestors after its ``do`` cut)."""

from __future__ import annotations

import causalppl as cp
from causalppl.backends.tabulable import (finite_part, leaf_untabulable_reason, leaf_variables,
                                          relevant_variables, untabulable_reason)
from causalppl.ir.queries import leaves
from tests.inference.test_finite_part import MIXED  # (a real root R, its finite child X, a real leaf W)


def ir(source: str):
    return cp.loads(source).ir


def test_the_finite_part_is_ancestrally_closed_and_in_topological_order():
    model = ir(MIXED)
    assert untabulable_reason(model) == "'R' is real"
    assert finite_part(model) == ("Z",)  # X reads the real R, Y reads X


def test_a_model_with_every_table_finite_is_all_finite_part():
    model = ir("model C { X ~ Bernoulli(0.3)\n Y := not X\n Z : {a, b} ~ Categorical([0.2, 0.8]) }")
    assert untabulable_reason(model) is None
    assert set(finite_part(model)) == {"X", "Y", "Z"}


def test_a_confounder_or_a_prior_leaves_no_finite_part():
    assert finite_part(ir("model U { X : bool\n Y : bool <- X\n X <-> Y }")) == ()
    assert finite_part(ir("model P { param p ~ Beta(2, 2)\n X : bool ~ Bernoulli(p) }")) == ()


def test_relevant_variables_stop_at_an_intervention():
    model = ir(MIXED)
    assert relevant_variables(model, {"Y"}) == {"R", "X", "Z", "Y"}
    assert relevant_variables(model, {"Y"}, {"X": 1.0}) == {"X", "Z", "Y"}
    assert relevant_variables(model, {"Z"}) == {"Z"}


def test_a_do_that_cuts_the_real_ancestor_makes_the_query_enumerable():
    model = ir(MIXED)
    assert untabulable_reason(model, relevant_variables(model, {"Y"})) == "'R' is real"
    relevant = relevant_variables(model, {"Y"}, {"X": 1.0})
    assert untabulable_reason(model, relevant, intervened={"X"}) is None


def test_an_intervened_real_variable_still_has_no_finite_domain():
    model = ir(MIXED)
    relevant = relevant_variables(model, {"W"}, {"W": 0.5})
    assert untabulable_reason(model, relevant, intervened={"W"}) == "'W' is real"


def only_leaf(model: cp.Model, text: str):
    (found,) = leaves(model._check_query_text(text).term)
    return found


def test_a_leaf_reads_its_events_expression_and_evidence():
    model = cp.loads(MIXED)
    probability = only_leaf(model, "P(Y = 1 | Z = 1)")
    assert leaf_variables(probability) == {"Y", "Z"}
    assert leaf_untabulable_reason(model.ir, probability) == "'R' is real"
    assert leaf_untabulable_reason(model.ir, only_leaf(model, "P(Y = 1 | do(X = 1), Z = 1)")) is None
    expectation = only_leaf(model, "E[W * W + Z | do(X = 1), Y = 1]")
    assert leaf_variables(expectation) == {"W", "Z", "Y"}
    assert leaf_untabulable_reason(model.ir, expectation) == "'W' is real"

"""One symbol table for every generated program: tricky names compile and give the answers plain names give."""

import ast as python_ast
import builtins
import keyword

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.backends.symbols import GENERATED_NAMES, Symbols, site_names
from causalppl.syntax.reserved import RESERVED_WORDS

HELPER_LOOKING = ["probs_A", "probs_X0", "U_A_B", "weights_U_A_B", "TABLE_A", "TABLE_X1", "units", "units_",
                  "n_units", "subsample_size", "_t1", "_t2", "cf", "rt", "rt_", "dist", "jnp", "numpyro", "EVIDENCE"]
PYTHONISH = ["torch", "torch_", "torch__", "_", "__", "___", "True", "True_", "None", "False", "lambda", "lambda_",
             "len", "float", "sum", "print", "abs", "min", "exec", "__init__", "__builtins__", "__name__", "match",
             "case", "type", "pyro", "pyro_", "x", "x_"]
POOL = [name for name in HELPER_LOOKING + PYTHONISH if name not in RESERVED_WORDS]
LEVELS = ("lvlLo", "lvlHi")
SLOTS = 6

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).filter(
    lambda n: n not in RESERVED_WORDS and n not in LEVELS)
tricky_names = st.lists(st.sampled_from(POOL) | identifiers, min_size=SLOTS, max_size=SLOTS, unique=True)


def _model_text(names: list[str]) -> str:
    """A model touching every kind of site: Bernoulli, table, Normal with an if, a fixed parameter, ':='."""
    a, b, c, p, d, e = names
    return f"""
model M {{
    param {p} = 1.5
    {a} : bool ~ Bernoulli(0.3)
    {b} : {{{LEVELS[0]}, {LEVELS[1]}}} ~ table({a}) {{
        0 : [0.2, 0.8]
        1 : [0.7, 0.3]
    }}
    {c} ~ Normal(if {b} == {LEVELS[1]} then 2 else -1, 1)
    {d} ~ Normal({p} * {c} + {a}, 0.5)
    {e} := {d} + {c}
}}
"""


PLAIN = [f"v{k}" for k in range(SLOTS)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=tricky_names)
def test_tricky_names_compile_and_sample_like_plain_names(names):
    tricky, plain = cp.loads(_model_text(names)), cp.loads(_model_text(PLAIN))
    for source in (tricky.pyro_source, tricky.numpyro_source):
        python_ast.parse(source)
    cf_source = tricky.counterfactual_source(f"E[{names[4]}[{names[0]} = 1] | {names[0]} = 0]")
    python_ast.parse(cf_source)
    exec(compile(cf_source, "<generated>", "exec"), {})  # noqa: S102 - our own generated code
    ours, theirs = tricky.sample(40, seed=3), plain.sample(40, seed=3)
    for name, plain_name in zip(names, PLAIN):
        assert torch.equal(torch.as_tensor(ours[name]), torch.as_tensor(theirs[plain_name])), name
    query = "E[{e} | do({a} = 1)]"
    answer = tricky.query(query.format(e=names[5], a=names[0]), method="mc", samples=500, seed=1)
    expected = plain.query(query.format(e=PLAIN[5], a=PLAIN[0]), method="mc", samples=500, seed=1)
    assert answer.estimate == expected.estimate


def test_names_that_differ_by_underscores_never_share_an_identifier():
    names = ["torch", "torch_", "torch__", "_", "__", "True", "True_", "probs_A", "A"]
    symbols = Symbols(names)
    locals_ = [symbols.local(n) for n in names]
    helpers = [symbols.helper("probs", "A"), symbols.helper("TABLE", "A"), symbols.temporary()]
    everything = locals_ + helpers
    assert len(set(everything)) == len(everything)
    reserved = set(keyword.kwlist) | set(dir(builtins)) | GENERATED_NAMES
    assert not (set(everything) & reserved)
    assert symbols.local("torch_") == "torch_" and symbols.local("A") == "A"  # free names keep their spelling
    assert Symbols(list(reversed(names))).local("torch") == symbols.local("torch")  # order does not matter


def test_helper_sites_never_take_a_variables_name():
    model = cp.loads("""
model Confounded {
    A : bool
    B : bool <- A
    A <-> B
    probs_A ~ Normal(0, 1)
    U_A_B ~ Normal(0, 1)
    weights_U_A_B ~ Normal(0, 1)
    units ~ Normal(0, 1)
}
""")
    sites = site_names(model.ir)
    assert (sites.probs["A"], sites.classes["U_A_B"], sites.weights["U_A_B"], sites.plate) == (
        "probs_A_", "U_A_B_", "weights_U_A_B_", "units_")
    draws = model.sample(30, seed=0)
    assert draws["probs_A"].shape == (30,) and draws["U_A_B"].shape == (30,)
    assert set(draws["A"].unique().tolist()) <= {0, 1}


def test_a_sum_of_eighty_terms_compiles_flat():
    terms = " + ".join(f"{k % 7} * X" for k in range(80))  # about 80 levels: within the front end's limit of 100
    model = cp.loads(f"model Long {{\n X ~ Normal(0, 1)\n Y ~ Normal({terms}, 1)\n}}")
    source = model.pyro_source
    assert "_t1 = " in source
    python_ast.parse(source)
    total = sum(k % 7 for k in range(80))
    answer = model.query("E[Y | do(X = 1)]", method="mc", samples=4000, seed=0)
    assert answer.estimate == pytest.approx(total, abs=0.2)


def test_a_dunder_name_gets_an_identifier_that_is_not_a_dunder():
    from causalppl.backends.symbols import Symbols

    table = Symbols(["__init__", "__x__", "x"])
    for name in ("__init__", "__x__"):
        local = table.local(name)
        assert local.isidentifier() and not (local.startswith("__") and local.endswith("__"))
    assert len({table.local(n) for n in ("__init__", "__x__", "x")}) == 3

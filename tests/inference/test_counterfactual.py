"""Counterfactual queries: closed forms, brute-force enumeration, Gumbel-max, consistency, ChiRho."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causalppl as cp
from causalppl.inference.counterfactual import counterfactual

HERE = Path(__file__).resolve().parent
SHARED_CHAIN = Path(__file__).resolve().parents[2].parent / "shared" / "examples" / "chain_cf.scm"
LOCAL_CHAIN = HERE / "models" / "chain_cf.scm"

MEDIATION = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""

CATEGORICAL = """
model Choice {
    X ~ Bernoulli(0.5)
    C : {a, b, c} ~ Categorical(probs = [0.2 + 0.1 * X, 0.3, 0.5 - 0.1 * X])
}
"""


# ------------------------------------------------------------- chain_cf ----


def chain_paths() -> list[Path]:
    return [LOCAL_CHAIN] + ([SHARED_CHAIN] if SHARED_CHAIN.exists() else [])


@pytest.mark.parametrize("path", chain_paths(), ids=lambda p: p.parent.name)
def test_chain_counterfactuals_have_their_closed_forms_with_zero_spread(path):
    results = {r.name: r for r in cp.load(path).run(seed=0, samples=4000)}
    assert results["y_z0"].estimate == pytest.approx(2.0, abs=0.02)
    assert results["y_x0"].estimate == pytest.approx(3.0, abs=0.02)
    assert results["ate"].estimate == pytest.approx(3.0, abs=0.05)
    for name in ("y_z0", "y_x0"):
        assert results[name].method == "abduction"
        assert results[name].diagnostics["posterior_sd"] == pytest.approx(0.0, abs=1e-9)
        assert results[name].std_error is None


def test_shared_chain_example_is_present_or_skipped():
    if not SHARED_CHAIN.exists():
        pytest.skip("the shared examples folder is not beside the repository")
    assert SHARED_CHAIN.read_text() == LOCAL_CHAIN.read_text()


def test_chain_by_sampling_inverts_the_noise_exactly():
    model = cp.load(LOCAL_CHAIN)
    result = model.query("E[Y[X = 0] | X = 1, Z = 2, Y = 6]", method="mc", samples=200, seed=1)
    assert result.estimate == pytest.approx(3.0, abs=1e-9)
    assert result.method == "abduction"


def test_chain_with_partial_evidence_uses_the_exact_gaussian_posterior():
    # Y = 3X + 2 U_Z + U_Y / 2 and Y[X = 0] = 2 U_Z + U_Y / 2: E[Y[X=0] | Y = 6] = 6 * 4.25 / 13.25
    result = cp.load(LOCAL_CHAIN).query("E[Y[X = 0] | Y = 6]")
    assert result.estimate == pytest.approx(6 * 4.25 / 13.25, abs=1e-9)
    assert result.method == "abduction"
    tail = cp.load(LOCAL_CHAIN).query("P(Y[X = 0] > 2 | Y = 6)")
    mean, var = 6 * 4.25 / 13.25, 4.25 - 4.25**2 / 13.25
    assert tail.estimate == pytest.approx(0.5 * math.erfc((2 - mean) / math.sqrt(2 * var)), abs=1e-9)


# ------------------------------------------------------------ mediation ----


def test_bernoulli_natural_effects_equal_their_closed_forms():
    model = cp.loads(MEDIATION)
    p_m = {0: 0.2, 1: 0.7}
    p_y = lambda x, m: 0.1 + 0.3 * x + 0.4 * m  # noqa: E731
    nde = sum((p_m[0] if m else 1 - p_m[0]) * (p_y(1, m) - p_y(0, m)) for m in (0, 1))
    nie = sum(p_y(1, m) * ((p_m[1] if m else 1 - p_m[1]) - (p_m[0] if m else 1 - p_m[0])) for m in (0, 1))
    nde_result = model.query("E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]")
    nie_result = model.query("E[Y[X = 1] - Y[X = 1, M = M[X = 0]]]")
    assert nde_result.estimate == pytest.approx(nde, abs=1e-12) and nde_result.method == "exact"
    assert nie_result.estimate == pytest.approx(nie, abs=1e-12)


def test_linear_gaussian_natural_effects_are_the_path_coefficients():
    model = cp.loads("""
    model LinearMediation {
        X ~ Normal(0, 1)
        M ~ Normal(0.8 * X, 1)
        Y ~ Normal(0.5 * X + 1.5 * M, 1)
    }""")
    nde = model.query("E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]")
    nie = model.query("E[Y[X = 1] - Y[X = 1, M = M[X = 0]]]")
    assert nde.estimate == pytest.approx(0.5, abs=1e-9) and nde.method == "abduction"
    assert nie.estimate == pytest.approx(0.8 * 1.5, abs=1e-9)


# ------------------------------------------------- probability of causes ----


def test_monotone_bernoulli_pn_is_tian_and_pearls_identified_value():
    model = cp.loads("""
    model Monotone {
        Z ~ Bernoulli(0.4)
        X ~ Bernoulli(0.3 + 0.4 * Z)
        Y ~ Bernoulli(0.1 + 0.5 * X + 0.2 * Z)
    }""")
    p_z = {1: 0.4, 0: 0.6}
    p_x = lambda z: 0.3 + 0.4 * z  # noqa: E731
    p_y = lambda x, z: 0.1 + 0.5 * x + 0.2 * z  # noqa: E731
    p_y1 = sum(p_z[z] * (p_x(z) * p_y(1, z) + (1 - p_x(z)) * p_y(0, z)) for z in (0, 1))
    p_y1_do_x0 = sum(p_z[z] * p_y(0, z) for z in (0, 1))
    p_x1_y1 = sum(p_z[z] * p_x(z) * p_y(1, z) for z in (0, 1))
    tian_pearl = (p_y1 - p_y1_do_x0) / p_x1_y1  # PN under monotonicity (Tian & Pearl 2000, Thm 1)
    result = model.query("P(Y[X = 0] = 0 | X = 1, Y = 1)")
    assert result.estimate == pytest.approx(tian_pearl, abs=1e-12)
    assert result.method == "exact"
    pns = model.query("P(Y[X = 1] = 1, Y[X = 0] = 0)")
    assert pns.estimate == pytest.approx(sum(p_z[z] * (p_y(1, z) - p_y(0, z)) for z in (0, 1)), abs=1e-12)


# --------------------------------------------------- brute force checks ----

GRID_MODEL = """
model Grid {
    Z ~ Bernoulli(0.35)
    X ~ Bernoulli(0.2 + 0.5 * Z)
    M : {lo, mid, hi} ~ table(X) {
        0: [0.25, 0.35, 0.4]
        1: [0.1, 0.3, 0.6]
    }
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.2 * M + 0.1 * Z)
    W := Y or Z
}
"""


def grid_worlds():
    """Every world of GRID_MODEL on a midpoint grid of the four uniforms (exact: breakpoints are k/20)."""
    cells = (np.arange(20) + 0.5) / 20
    uz, ux, um, uy = np.meshgrid(cells, cells, cells, cells, indexing="ij")
    rows = {0: np.array([0.25, 0.35, 0.4]), 1: np.array([0.1, 0.3, 0.6])}

    def world(x_do=None, m_do=None):
        z = (uz < 0.35).astype(int)
        x = (ux < 0.2 + 0.5 * z).astype(int) if x_do is None else np.full_like(z, x_do)
        cumulative = np.where(x[..., None] == 1, np.cumsum(rows[1]), np.cumsum(rows[0]))
        m = np.minimum((cumulative <= um[..., None]).sum(-1), 2) if m_do is None else m_do
        y = (uy < 0.1 + 0.3 * x + 0.2 * m + 0.1 * z).astype(int)
        return {"Z": z, "X": x, "M": m, "Y": y, "W": np.maximum(y, z)}

    return world


def conditional(value, given):
    return float((value * given).sum() / given.sum())


def test_exact_finite_counterfactuals_match_brute_force_enumeration():
    model = cp.loads(GRID_MODEL)
    world = grid_worlds()
    f, x0, x1 = world(), world(x_do=0), world(x_do=1)
    nested = world(x_do=1, m_do=x0["M"])
    expected = {
        "P(Y[X = 0] = 0 | X = 1, Y = 1)": conditional(x0["Y"] == 0, (f["X"] == 1) & (f["Y"] == 1)),
        "E[M[X = 0] | M = hi, Z = 1]": conditional(x0["M"], (f["M"] == 2) & (f["Z"] == 1)),
        "P(W[X = 1] = 1, Y[X = 0] = 0 | W = 1)": conditional((x1["W"] == 1) & (x0["Y"] == 0), f["W"] == 1),
        "E[Y[X = 1, M = M[X = 0]] - Y | Z = 0]": conditional(nested["Y"] - f["Y"], f["Z"] == 0),
        "P(Y[X = 1] = 1 | Y[X = 0] = 0, M > lo)": conditional(x1["Y"] == 1, (x0["Y"] == 0) & (f["M"] > 0)),
    }
    for text, value in expected.items():
        result = model.query(text)
        assert result.method == "exact", text
        assert result.estimate == pytest.approx(value, abs=1e-12), text


def test_exact_answers_on_an_explicit_response_function_scm():
    # Y's latent response type: 0 never, 1 helped (Y = X), 2 hurt (Y = 1 - X), 3 always.
    model = cp.loads("""
    model Responses {
        latent UX ~ Bernoulli(0.3)
        latent RY ~ Categorical([0.1, 0.5, 0.15, 0.25])
        X : bool := UX
        Y : bool := if RY == 0 then 0 else if RY == 1 then X else if RY == 2 then 1 - X else 1
    }""")
    types = {0: 0.1, 1: 0.5, 2: 0.15, 3: 0.25}
    response = {0: lambda x: 0, 1: lambda x: x, 2: lambda x: 1 - x, 3: lambda x: 1}
    units = [(ux, ry, (0.3 if ux else 0.7) * types[ry]) for ux, ry in itertools.product((0, 1), range(4))]

    def brute(event, given):
        mass = sum(w for ux, ry, w in units if given(ux, ry))
        return sum(w for ux, ry, w in units if given(ux, ry) and event(ux, ry)) / mass

    pn = brute(lambda ux, ry: response[ry](0) == 0, lambda ux, ry: ux == 1 and response[ry](1) == 1)
    ett = brute(lambda ux, ry: True, lambda ux, ry: ux == 1)  # normaliser check
    effect = sum(w * (response[ry](1) - response[ry](0)) for ux, ry, w in units if ux == 1) / 0.3
    assert ett == pytest.approx(1.0)
    assert model.query("P(Y[X = 0] = 0 | X = 1, Y = 1)").estimate == pytest.approx(pn, abs=1e-12)
    assert model.query("E[Y[X = 1] - Y[X = 0] | X = 1]").estimate == pytest.approx(effect, abs=1e-12)
    assert model.query("P(Y[X = 0] = 0 | X = 1, Y = 1)").method == "exact"


# ------------------------------------------------------------ Gumbel-max ----


def test_gumbel_max_counterfactuals_are_stable():
    # Observed c under X = 1; under X = 0 the ratio p'(c) / p(c) = 1.25 is the largest, so c stays.
    result = cp.loads(CATEGORICAL).query("P(C[X = 0] = c | C = c, X = 1)", samples=2000, seed=0)
    assert result.estimate == pytest.approx(1.0, abs=1e-12)
    assert result.method == "mc"


def test_truncated_gumbel_posterior_matches_rejection_sampling():
    result = cp.loads(CATEGORICAL).query("P(C[X = 0] = a | C = a, X = 1)", samples=20000, seed=0)
    rng = np.random.default_rng(0)
    gumbels = rng.gumbel(size=(400_000, 3))
    factual = np.argmax(np.log([0.3, 0.3, 0.4]) + gumbels, axis=1)
    kept = gumbels[factual == 0]
    counterfactual_a = (np.argmax(np.log([0.2, 0.3, 0.5]) + kept, axis=1) == 0).mean()
    error = math.hypot(result.std_error, math.sqrt(counterfactual_a * (1 - counterfactual_a) / len(kept)))
    assert abs(result.estimate - counterfactual_a) < 4.5 * error


def test_categorical_without_parent_dependence_is_exact():
    model = cp.loads("model K {\n X ~ Bernoulli(0.5)\n C ~ Categorical([0.2, 0.3, 0.5])\n"
                     " Y : bool := if C == 2 then X else 1 - X\n}")
    result = model.query("P(Y[X = 0] = 1 | Y = 1, X = 1)")
    assert result.method == "exact"
    assert result.estimate == pytest.approx(0.0, abs=1e-12)  # Y = 1 with X = 1 means C = 2, so Y[X = 0] = 0


# ------------------------------------------------------------ consistency ----

probability = st.integers(5, 95).map(lambda k: k / 100)


@settings(max_examples=12, deadline=None)
@given(probability, probability, probability, probability, probability, st.integers(0, 1), st.integers(0, 1))
def test_consistency_on_random_bernoulli_models(pa, px, py, pw, delta, x, y):
    model = cp.loads(f"""
    model Random {{
        A ~ Bernoulli({pa})
        X ~ Bernoulli({px} * (1 - A) + {delta} * A)
        Y ~ Bernoulli({py} * X + {delta} * (1 - X))
        W ~ Bernoulli({pw} * Y + 0.5 * (1 - Y))
    }}""")
    same = model.query(f"P(Y[X = {x}] = {y} | X = {x}, Y = {y})")
    assert same.estimate == pytest.approx(1.0, abs=1e-12)
    untouched = model.query(f"E[abs(Y[W = {x}] - Y)]")  # W is not an ancestor of Y
    assert untouched.estimate == pytest.approx(0.0, abs=1e-12)


def _held(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers the model's 32-bit programs hold (1e-232 is refused: they would hold 0)."""
    return st.floats(low, high).filter(lambda number: number == 0 or abs(number) > 1e-30)


@settings(max_examples=10, deadline=None)
@given(_held(-2, 2), st.floats(0.2, 2), _held(-3, 3), _held(-3, 3), _held(-3, 3))
def test_consistency_on_random_linear_gaussian_models(b, s, x, z, y):
    model = cp.loads(f"model L {{\n X ~ Normal(0, 1)\n Z ~ Normal({b} * X, {s})\n Y ~ Normal(X - Z, {s})\n}}")
    result = model.query(f"E[Y[X = {x}] - Y | X = {x}, Z = {z}, Y = {y}]")
    assert result.estimate == pytest.approx(0.0, abs=1e-9)


# ----------------------------------------------------- sampling fallbacks ----


def test_nonlinear_partial_evidence_falls_back_to_sampling_with_a_note():
    model = cp.loads("model NL {\n X ~ Normal(0, 1)\n Z ~ Normal(exp(X / 2), 0.5)\n Y ~ Normal(X + Z, 1)\n}")
    result = model.query("E[Y[X = 0] | Z = 2]", method="mc", samples=4000, seed=0)
    assert result.method == "mc" and result.std_error is not None
    assert any("importance sampling" in note for note in result.notes)
    # Y[X = 0] = 1 + (Z - exp(X / 2)) + U_Y: the posterior mean of exp(X / 2) given Z = 2, by quadrature.
    grid = np.linspace(-8, 8, 20001)
    weights = np.exp(-grid**2 / 2 - (2 - np.exp(grid / 2)) ** 2 / (2 * 0.25))
    expected = 1 + 2 - (np.exp(grid / 2) * weights).sum() / weights.sum()
    assert abs(result.estimate - expected) < 4.5 * result.std_error


def test_nuts_over_the_free_noise_when_asked():
    model = cp.loads("model NL {\n X ~ Normal(0, 1)\n Z ~ Normal(X, 0.1)\n Y ~ Normal(X + Z, 1)\n}")
    result = model.query("E[Y[X = 0] | Z = 1, Y = 3]", method="nuts", samples=200, seed=0)
    # Linear-Gaussian, so the exact answer is known: Y[X = 0] = 3 - 2 X with X | Z = 1, Y = 3 Gaussian.
    exact = model.query("E[Y[X = 0] | Z = 1, Y = 3]")
    assert result.method == "mc" and any("NUTS" in note for note in result.notes)
    assert abs(result.estimate - exact.estimate) < 5 * result.std_error + 0.02


def test_parameters_with_priors_and_no_data_are_drawn_and_reweighted():
    model = cp.loads("model P {\n param a ~ Normal(0, 1)\n X ~ Normal(0, 1)\n Y ~ Normal(a * X, 1)\n}")
    result = model.query("E[Y[X = 0] | X = 1, Y = 2]", samples=20000, seed=0)
    # a | X = 1, Y = 2 ~ Normal(1, 1/2); U_Y = 2 - a; Y[X = 0] = U_Y.
    assert abs(result.estimate - 1.0) < 4.5 * result.std_error
    assert any("priors" in note for note in result.notes)


# ------------------------------------------------------------ errors ----


def test_counterfactuals_need_known_mechanisms():
    model = cp.loads("model B {\n Y : bool ~ Bernoulli(0.5)\n X : bool <- Y\n X <-> Y\n}")
    with pytest.raises(cp.CausalPPLError, match="unknown (mechanism|confounder).*need data"):
        model.query("P(Y[X = 1] = 1)")
    with pytest.raises(cp.CausalPPLError, match="method=\"exact\" cannot answer this query: 'X' has an unknown"):
        model.query("P(Y[X = 1] = 1)", method="exact")


def test_impossible_evidence_is_a_user_error():
    model = cp.loads("model D {\n X ~ Bernoulli(0.5)\n Y := X\n}")
    with pytest.raises(cp.CausalPPLError, match="probability zero"):
        model.query("P(Y[X = 0] = 1 | X = 1, Y = 0)")


def test_exact_method_refuses_what_has_no_exact_answer():
    model = cp.loads("model NL {\n X ~ Normal(0, 1)\n Y ~ Normal(exp(X), 1)\n}")
    with pytest.raises(cp.CausalPPLError, match="no exact answer"):
        model.query("E[Y[X = 0] | Y = 1]", method="exact")


# ------------------------------------------------- program and Python API ----


def test_generated_multiworld_program_runs_and_shares_noise():
    model = cp.loads(MEDIATION)
    source = model.counterfactual_source("E[Y[X = 1, M = M[X = 0]] - Y[X = 0] | Y = 1]")
    assert 'pyro.sample("U_Y", dist.Uniform(0.0, 1.0))' in source
    assert "M__w2 = " in source and "EVIDENCE = {\"Y\": 1.0}" in source
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102 - our own generated code
    draws = namespace["model"](n_units=500)
    assert set(draws) >= {"U_X", "U_M", "U_Y", "Y", "Y__w1", "Y__w2", "M__w2"}
    assert bool((draws["M__w2"] == draws["M__w1"]).all())
    assert bool((draws["X__w2"] == 1).all())


def test_counterfactual_function_gives_draws_per_world_and_exact_distributions():
    model = cp.loads(MEDIATION)
    out = counterfactual(model.ir, {"X": 1, "Y": 1}, [{"X": 0}, {"M": 0}], n=300, seed=0)
    assert set(out["samples"]) == {"factual", "do(X = 0)", "do(M = 0)"}
    assert bool((out["samples"]["factual"]["Y"] == 1).all())
    assert bool((out["samples"]["do(X = 0)"]["X"] == 0).all())
    pn = out["distributions"]["do(X = 0)"]["Y"]["0"]
    assert pn == pytest.approx(model.query("P(Y[X = 0] = 0 | X = 1, Y = 1)").estimate, abs=1e-12)
    assert out["method"] == "exact"
    chain = counterfactual(cp.load(LOCAL_CHAIN).ir, {"X": 1, "Z": 2, "Y": 6}, {"X": 0}, n=10, seed=0)
    assert chain["samples"]["do(X = 0)"]["Y"].numpy() == pytest.approx(np.full(10, 3.0), abs=1e-9)
    assert chain["distributions"] is None and chain["method"] == "abduction"


# ------------------------------------------------------------- ChiRho ----


def test_chirho_agrees_on_an_invertible_model():
    pytest.importorskip("chirho")
    import pyro
    import pyro.distributions as dist
    import torch
    from chirho.counterfactual.handlers import MultiWorldCounterfactual
    from chirho.indexed.ops import IndexSet, gather
    from chirho.interventional.handlers import do
    from chirho.observational.handlers import condition
    from pyro.distributions.transforms import AffineTransform

    def site(name, loc, scale):
        law = dist.TransformedDistribution(dist.Normal(0.0, 1.0), [AffineTransform(loc, scale)])
        return pyro.sample(name, law)

    def chain():
        x = site("X", 0.0, 1.0)
        z = site("Z", x, 1.0)
        return site("Y", x + 2 * z, 0.5)

    data = {"X": torch.tensor(1.0), "Z": torch.tensor(2.0), "Y": torch.tensor(6.0)}
    ours = cp.load(LOCAL_CHAIN)
    for variable, value in (("X", 0.0), ("Z", 0.0)):
        with MultiWorldCounterfactual() as worlds, do(actions={variable: torch.tensor(value)}), condition(data=data):
            y = chain()
        with worlds:
            theirs = float(gather(y, IndexSet(**{variable: {1}})).squeeze())
        mine = ours.query(f"E[Y[{variable} = {value:g}] | X = 1, Z = 2, Y = 6]").estimate
        assert mine == pytest.approx(theirs, abs=1e-5)


def test_compile_prints_the_multiworld_program(capsys):
    from causalppl.cli import main

    assert main(["compile", str(LOCAL_CHAIN), "--query", "E[Y[Z = 0] | X = 1, Z = 2, Y = 6]"]) == 0
    source = capsys.readouterr().out
    assert "# World w1: do(Z = 0)." in source
    assert 'Y__w1 = pyro.deterministic("Y__w1", cf.location_scale((X + (2.0 * Z__w1)), 0.5, U_Y))' in source


# ------------------------------------------------------- learned parameters ----


def test_learned_parameters_answer_inside_each_posterior_draw(monkeypatch):
    import torch

    from causalppl.inference.bayesian.instantiate import instantiate
    from causalppl.inference.counterfactual import learned as cf_learned

    model = cp.loads("model L {\n param b ~ Normal(0, 1)\n X ~ Normal(0, 1)\n Z ~ Normal(b * X, 1)\n"
                     " Y ~ Normal(X + 2 * Z, 0.5)\n}")
    draws = [0.8, 0.9, 1.0, 1.1, 1.2]

    class FakePosterior:  # stands for the Bayesian engine's fit: five draws of b
        method, notes = "nuts", ()

        def models(self, limit=None):
            return (instantiate(model.ir, {"b": torch.tensor(b, dtype=torch.float64)}) for b in draws)

    monkeypatch.setattr(cf_learned, "fit", lambda *args, **kwargs: FakePosterior())
    rows = pd.DataFrame({"X": [0.5], "Z": [0.1], "Y": [1.0]})  # the fake fit ignores them
    result = model.query("E[Y[X = 0] | X = 1, Z = 2, Y = 6]", data=rows, seed=0)
    # U_Z = 2 - b and U_Y = 2, so Y[X = 0] = 2 (2 - b) + 1 = 5 - 2 b in each draw.
    assert result.estimate == pytest.approx(np.mean([5 - 2 * b for b in draws]), abs=1e-9)
    assert result.method == "nuts" and result.interval[0] < result.estimate < result.interval[1]
    assert any("posterior draws" in note for note in result.notes)


def test_inversion_is_exact_only_when_the_pinned_noise_has_known_parents():
    model = cp.loads("model M {\n Y ~ Bernoulli(0.5)\n W ~ StudentT(3, Y, 2)\n L ~ LogNormal(W, 0.5)\n}")
    pinned = model.query("E[W[Y = 1] | W = 2, Y = 0]", method="exact")
    assert pinned.estimate == pytest.approx(3.0, abs=1e-12) and pinned.method == "abduction"
    # With Y unobserved, U_W = (1.5 - Y) / 2 depends on Y: L[Y = 1] = 2 exp(1 - Y) averages over Y | W = 1.5.
    unknown = model.query("E[L[Y = 1] | L = 2, W = 1.5]", samples=20000, seed=0)
    t3 = lambda x: (1 + x * x / 3) ** -2  # noqa: E731  (StudentT(3) density up to a constant)
    weights = [t3(0.75), t3(0.25)]
    expected = sum(w * 2 * math.exp(1 - y) for w, y in zip(weights, (0, 1))) / sum(weights)
    assert unknown.method == "mc"
    assert abs(unknown.estimate - expected) < 4.5 * unknown.std_error


def test_a_binary_treatment_with_a_real_parent_is_answered_by_sampling_the_noise():
    # The response-function tables need finite parents; Z is real, so the engine samples the noise posterior.
    model = cp.loads("model M {\n  Z ~ Normal(0, 1)\n  X ~ Bernoulli(0.5)\n  Y ~ Bernoulli(sigmoid(Z + X))\n}\n")
    result = model.query("E[Y[X=1] - Y[X=0]]", samples=4000, seed=1)
    # E[sigmoid(Z + 1) - sigmoid(Z)] for Z ~ Normal(0, 1), by quadrature: about 0.20
    z = np.linspace(-8, 8, 20001)
    density = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    expected = float(((sigmoid(z + 1) - sigmoid(z)) * density).sum() * (z[1] - z[0]))
    assert result.estimate == pytest.approx(expected, abs=0.03)


def test_world_keys_use_level_names_and_bad_values_are_user_errors():
    from causalppl.diagnostics import CausalPPLError

    model = cp.loads("model M {\n  D : {lo, hi} ~ Categorical([0.5, 0.5])\n"
                     "  Y : bool ~ Bernoulli(if D == hi then 0.9 else 0.1)\n}\n")
    out = model.counterfactual({"D": "lo"}, {"D": "hi"}, n=5, seed=1)
    assert list(out["samples"]) == ["factual", "do(D = hi)"]
    assert out["distributions"]["do(D = hi)"]["D"] == {"lo": 0.0, "hi": 1.0}
    assert list(model.counterfactual({"D": 0}, {"D": 1}, n=5, seed=1)["samples"]) == ["factual", "do(D = hi)"]
    with pytest.raises(CausalPPLError, match="7 is not a value of 'D'"):
        model.counterfactual({"D": 7}, {"D": "hi"}, n=5)
    with pytest.raises(CausalPPLError, match="must be finite"):
        model.counterfactual({"D": float("nan")}, {"D": "hi"}, n=5)
    with pytest.raises(TypeError, match="the value of 'D'"):
        model.counterfactual({"D": "lo"}, {"D": None}, n=5)
    with pytest.raises(TypeError, match="evidence must be a mapping"):
        model.counterfactual("D=lo", {}, n=5)

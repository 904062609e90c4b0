"""NUTS through causalppl's Pyro and NumPyro programs against hand-written Pyro and NumPyro: ESS per second.

Run ``python -m bench.nuts_vs_numpyro`` from the repository root (``--help``
for options; needs the ``numpyro`` extra).  Five models, each fit by four
samplers in the same run: hand-written Pyro, causalppl ``backend="pyro"``,
hand-written NumPyro, causalppl ``backend="numpyro"``:

- eight schools (non-centred; the stdlib model and its data);
- a logistic regression on 10 covariates and 5,000 rows;
- a hierarchical model of 50 groups (20 rows each, group intercepts non-centred);
- linear-Gaussian chains of 50 and 100 observed variables (one coefficient per
  arc and a shared noise scale, 200 rows).

Every sampler runs the same chains, warm-up and draws, chains one after
another, one thread; the two Pyro samplers run NUTS with the same settings
(Pyro's defaults: step-size and diagonal mass-matrix adaptation, target
acceptance 0.8, tree depth 10, initialisation at uniform draws in [-2, 2] of
the unconstrained space, no JIT; ``max_plate_nesting=1``), so that with equal
potentials they take the same draws from the same seed.  Times include everything a fit costs from a model in
hand: for causalppl, code generation, data tensors and the fit call (caches
cleared); for JAX, compilation (each repeat traces a new model function).
ESS is the minimum bulk ESS over the parameters the hand-written models
share with causalppl's, R-hat the maximum; both by arviz, outside the timing.
Repeats are interleaved (the order rotates), each with its own seed (shared by
the four samplers: ESS of one seed is a noisy figure), and medians are reported with the
ratios peer / causalppl of ESS per second (the median of the per-repeat ratios: both
sides of a repeat share its seed) (1.0: no overhead; above 1: causalppl
is slower), by the wall clock and by the process's CPU time (steadier on a
shared machine).  The hand-written chains mirror the SCM, one site per
variable.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch

warnings.filterwarnings("ignore")

import arviz  # noqa: E402 - imported before any timing, for both sides
import pyro  # noqa: E402
import pyro.distributions as pdist  # noqa: E402
from pyro.infer import MCMC, NUTS  # noqa: E402

import causalppl as cp  # noqa: E402
from causalppl.backends import numpyro_codegen, pyro_codegen  # noqa: E402
from causalppl.inference.bayesian import clear_fit_cache, fit  # noqa: E402
from causalppl.inference.options import parse_options  # noqa: E402


# ----------------------------------------------------------------- models ----


@dataclass
class Case:
    name: str
    source: str
    frame: pd.DataFrame
    parameters: tuple[str, ...]
    pyro_model: Callable[[], Callable]  # builds a fresh hand-written Pyro model
    numpyro_model: Callable[[], Callable]  # builds a fresh hand-written NumPyro model


def eight_schools() -> Case:
    frame = pd.DataFrame({"School": [f"s{k}" for k in range(1, 9)], "y": [28, 8, -3, 7, -1, 1, 18, 12]})
    school = frame["School"].str[1:].astype(int).to_numpy() - 1
    y = frame["y"].to_numpy(dtype=np.float32)
    sigma = np.array([15, 10, 16, 11, 9, 11, 10, 18], dtype=np.float32)[school]

    def pyro_model():
        yt, st = torch.tensor(y), torch.tensor(sigma)

        def m():
            mu = pyro.sample("mu", pdist.Normal(0.0, 5.0))
            tau = pyro.sample("tau", pdist.HalfCauchy(5.0))
            theta = pyro.sample("theta_tilde", pdist.Normal(0.0, 1.0).expand([8]).to_event(1))
            with pyro.plate("units", len(yt)):
                pyro.sample("y", pdist.Normal(mu + tau * theta, st), obs=yt)
        return m

    def numpyro_model():
        import jax.numpy as jnp
        import numpyro
        import numpyro.distributions as ndist
        yj, sj = jnp.asarray(y), jnp.asarray(sigma)

        def m():
            mu = numpyro.sample("mu", ndist.Normal(0.0, 5.0))
            tau = numpyro.sample("tau", ndist.HalfCauchy(5.0))
            theta = numpyro.sample("theta_tilde", ndist.Normal(0.0, 1.0).expand([8]).to_event(1))
            with numpyro.plate("units", len(yj)):
                numpyro.sample("y", ndist.Normal(mu + tau * theta, sj), obs=yj)
        return m

    return Case("eight schools", EIGHT_SCHOOLS, frame, ("mu", "tau", "theta_tilde"), pyro_model, numpyro_model)


EIGHT_SCHOOLS = """
model EightSchools {
    param mu ~ Normal(0, 5)
    param tau ~ HalfCauchy(5)
    param theta_tilde[8] ~ Normal(0, 1)
    param sigma = [15, 10, 16, 11, 9, 11, 10, 18]
    School : {s1, s2, s3, s4, s5, s6, s7, s8}
    y ~ Normal(mu + tau * theta_tilde[School], sigma[School])
}
"""


def logistic(rows: int = 5000, covariates: int = 10, seed: int = 0) -> Case:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, covariates)).astype(np.float32)
    beta = rng.normal(scale=0.5, size=covariates)
    y = (rng.random(rows) < 1 / (1 + np.exp(-(0.3 + x @ beta)))).astype(np.float32)
    frame = pd.DataFrame({f"X{k + 1}": x[:, k] for k in range(covariates)} | {"Y": y.astype(int)})
    lines = ["model Logistic {", "    param alpha ~ Normal(0, 2)", f"    param beta[{covariates}] ~ Normal(0, 1)"]
    lines += [f"    X{k + 1} ~ Normal(0, 1)" for k in range(covariates)]
    terms = " + ".join(f"beta[{k}] * X{k + 1}" for k in range(covariates))
    lines += [f"    Y : bool ~ Bernoulli(logits = alpha + {terms})", "}"]

    def pyro_model():
        xt, yt = torch.tensor(x), torch.tensor(y)

        def m():
            alpha = pyro.sample("alpha", pdist.Normal(0.0, 2.0))
            b = pyro.sample("beta", pdist.Normal(0.0, 1.0).expand([covariates]).to_event(1))
            with pyro.plate("units", rows):
                pyro.sample("Y", pdist.Bernoulli(logits=alpha + xt @ b), obs=yt)
        return m

    def numpyro_model():
        import jax.numpy as jnp
        import numpyro
        import numpyro.distributions as ndist
        xj, yj = jnp.asarray(x), jnp.asarray(y)

        def m():
            alpha = numpyro.sample("alpha", ndist.Normal(0.0, 2.0))
            b = numpyro.sample("beta", ndist.Normal(0.0, 1.0).expand([covariates]).to_event(1))
            with numpyro.plate("units", rows):
                numpyro.sample("Y", ndist.Bernoulli(logits=alpha + xj @ b), obs=yj)
        return m

    return Case(f"logistic regression, {covariates} covariates, {rows} rows", "\n".join(lines), frame,
                ("alpha", "beta"), pyro_model, numpyro_model)


def hierarchical(groups: int = 50, per_group: int = 20, seed: int = 1) -> Case:
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(groups), per_group)
    effects = 1.0 + 0.7 * rng.normal(size=groups)
    y = (effects[group] + rng.normal(size=len(group))).astype(np.float32)
    frame = pd.DataFrame({"Group": [f"g{g + 1}" for g in group], "Y": y})
    levels = ", ".join(f"g{g + 1}" for g in range(groups))
    source = f"""
model Hierarchical {{
    param mu ~ Normal(0, 5)
    param tau ~ HalfNormal(2)
    param z[{groups}] ~ Normal(0, 1)
    param sigma ~ HalfNormal(2)
    Group : {{{levels}}}
    Y ~ Normal(mu + tau * z[Group], sigma)
}}
"""

    def pyro_model():
        gt, yt = torch.tensor(group), torch.tensor(y)

        def m():
            mu = pyro.sample("mu", pdist.Normal(0.0, 5.0))
            tau = pyro.sample("tau", pdist.HalfNormal(2.0))
            z = pyro.sample("z", pdist.Normal(0.0, 1.0).expand([groups]).to_event(1))
            sigma = pyro.sample("sigma", pdist.HalfNormal(2.0))
            with pyro.plate("units", len(yt)):
                pyro.sample("Y", pdist.Normal(mu + tau * z[gt], sigma), obs=yt)
        return m

    def numpyro_model():
        import jax.numpy as jnp
        import numpyro
        import numpyro.distributions as ndist
        gj, yj = jnp.asarray(group), jnp.asarray(y)

        def m():
            mu = numpyro.sample("mu", ndist.Normal(0.0, 5.0))
            tau = numpyro.sample("tau", ndist.HalfNormal(2.0))
            z = numpyro.sample("z", ndist.Normal(0.0, 1.0).expand([groups]).to_event(1))
            sigma = numpyro.sample("sigma", ndist.HalfNormal(2.0))
            with numpyro.plate("units", len(yj)):
                numpyro.sample("Y", ndist.Normal(mu + tau * z[gj], sigma), obs=yj)
        return m

    return Case(f"hierarchical, {groups} groups x {per_group} rows", source, frame, ("mu", "tau", "z", "sigma"),
                pyro_model, numpyro_model)


def chain(length: int, rows: int = 200, seed: int = 2) -> Case:
    rng = np.random.default_rng(seed)
    coefficients = rng.uniform(0.5, 0.9, size=length - 1) * rng.choice([-1, 1], size=length - 1)
    x = np.empty((rows, length), dtype=np.float32)
    x[:, 0] = rng.normal(size=rows)
    for k in range(1, length):
        x[:, k] = coefficients[k - 1] * x[:, k - 1] + 0.5 * rng.normal(size=rows)
    frame = pd.DataFrame({f"X{k + 1}": x[:, k] for k in range(length)})
    lines = [f"model Chain{length} {{", "    param s ~ HalfNormal(1)", f"    param b[{length - 1}] ~ Normal(0, 1)",
             "    X1 ~ Normal(0, 1)"]
    lines += [f"    X{k + 1} ~ Normal(b[{k - 1}] * X{k}, s)" for k in range(1, length)]
    lines.append("}")

    # The hand-written models mirror the SCM: one site per variable, as a person writes a structural model
    # (the first variable's N(0, 1) factor is constant and left out, as causalppl's NUTS leaves it out).
    def pyro_model():
        columns = [torch.tensor(x[:, k]) for k in range(length)]

        def m():
            s = pyro.sample("s", pdist.HalfNormal(1.0))
            b = pyro.sample("b", pdist.Normal(0.0, 1.0).expand([length - 1]).to_event(1))
            with pyro.plate("units", rows):
                for k in range(1, length):
                    pyro.sample(f"X{k + 1}", pdist.Normal(b[k - 1] * columns[k - 1], s), obs=columns[k])
        return m

    def numpyro_model():
        import jax.numpy as jnp
        import numpyro
        import numpyro.distributions as ndist
        columns = [jnp.asarray(x[:, k]) for k in range(length)]

        def m():
            s = numpyro.sample("s", ndist.HalfNormal(1.0))
            b = numpyro.sample("b", ndist.Normal(0.0, 1.0).expand([length - 1]).to_event(1))
            with numpyro.plate("units", rows):
                for k in range(1, length):
                    numpyro.sample(f"X{k + 1}", ndist.Normal(b[k - 1] * columns[k - 1], s), obs=columns[k])
        return m

    return Case(f"chain of {length} variables, {rows} rows", "\n".join(lines), frame, ("s", "b"),
                pyro_model, numpyro_model)


CASES = {"eight_schools": eight_schools, "logistic": logistic, "hierarchical": hierarchical,
         "chain50": lambda: chain(50), "chain100": lambda: chain(100)}


# --------------------------------------------------------------- samplers ----


def hand_pyro(case: Case, args) -> dict[str, np.ndarray]:
    model = case.pyro_model()
    chains = []
    for k in range(args.chains):
        pyro.set_rng_seed(args.seed + k)
        # max_plate_nesting as causalppl gives it: without it Pyro traces the model once more to guess it, which
        # draws from the random stream and so starts the chain elsewhere (a seed confound, not a cost)
        mcmc = MCMC(NUTS(model, max_plate_nesting=1), num_samples=args.samples, warmup_steps=args.warmup,
                    disable_progbar=True)
        mcmc.run()
        chains.append({name: v.numpy() for name, v in mcmc.get_samples().items()})
    return {name: np.stack([c[name] for c in chains]) for name in case.parameters}


def hand_numpyro(case: Case, args) -> dict[str, np.ndarray]:
    import jax
    from numpyro.infer import MCMC as NMCMC
    from numpyro.infer import NUTS as NNUTS

    mcmc = NMCMC(NNUTS(case.numpyro_model()), num_warmup=args.warmup, num_samples=args.samples,
                 num_chains=args.chains, chain_method="sequential", progress_bar=False)
    mcmc.run(jax.random.PRNGKey(args.seed))
    samples = mcmc.get_samples(group_by_chain=True)
    return {name: np.asarray(samples[name]) for name in case.parameters}


def causalppl_fit(backend: str) -> Callable:
    def run(case: Case, args) -> dict[str, np.ndarray]:
        pyro_codegen._compiled.cache_clear()
        numpyro_codegen._compiled.cache_clear()
        clear_fit_cache()
        model = cp.loads(case.source)
        data = model.load_data(case.frame)
        options = parse_options(dict(method="nuts", seed=args.seed, num_chains=args.chains, num_warmup=args.warmup,
                                     num_samples=args.samples, backend=backend))
        posterior = fit(model.ir, data, "nuts", options)
        return {name: posterior.draws[name].numpy() for name in case.parameters}
    return run


SAMPLERS = {"Pyro, hand-written": hand_pyro, "causalppl --backend pyro": causalppl_fit("pyro"),
            "NumPyro, hand-written": hand_numpyro, "causalppl --backend numpyro": causalppl_fit("numpyro")}


def measure(sampler: Callable, case: Case, args) -> tuple[float, float, float, float]:
    """(wall seconds, minimum bulk ESS, maximum R-hat, CPU seconds) of one fit."""
    start, cpu = time.perf_counter(), time.process_time()
    draws = sampler(case, args)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    data = arviz.from_dict(posterior=draws)
    ess = arviz.ess(data, method="bulk")
    rhat = arviz.rhat(data) if args.chains > 1 else None
    min_ess = min(float(np.min(ess[name].values)) for name in case.parameters)
    max_rhat = max(float(np.max(rhat[name].values)) for name in case.parameters) if rhat is not None else float("nan")
    return seconds, min_ess, max_rhat, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}")
    parser.add_argument("--samplers", default="all", help="all, or 'numpyro' (skip the Pyro pair), or 'pyro'")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    samplers = {name: s for name, s in SAMPLERS.items()
                if args.samplers == "all" or ("NumPyro" in name or "numpyro" in name) == (args.samplers == "numpyro")}
    print(f"{args.chains} chains x ({args.warmup} warm-up + {args.samples} draws), sequential, 1 thread; "
          f"median of {args.repeats} interleaved repeats")
    for key in args.models.split(","):
        case = CASES[key]()
        results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in samplers}
        names = list(samplers)
        for repeat in range(args.repeats):
            order = names[repeat % len(names):] + names[:repeat % len(names)]
            seeded = argparse.Namespace(**dict(vars(args), seed=args.seed + 100 * repeat))  # ESS varies by seed
            for name in order:
                results[name].append(measure(samplers[name], case, seeded))
        print(f"\n{case.name}")
        print(f"  {'':<30} {'seconds':>8} {'CPU s':>8} {'min ESS':>8} {'ESS/s':>8} {'ESS/CPU s':>9} {'max R-hat':>9}")
        rates, cpu_rates = {}, {}
        for name, runs in results.items():
            seconds = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[3] for r in runs)
            ess = statistics.median(r[1] for r in runs)
            rates[name] = statistics.median(r[1] / r[0] for r in runs)
            cpu_rates[name] = statistics.median(r[1] / r[3] for r in runs)
            rhat = statistics.median(r[2] for r in runs)
            print(f"  {name:<30} {seconds:8.2f} {cpu:8.2f} {ess:8.0f} {rates[name]:8.2f} {cpu_rates[name]:9.2f} "
                  f"{rhat:9.3f}")
            print(f"  {'':<30} runs (wall s / CPU s / ESS): "
                  + ", ".join(f"{r[0]:.1f} / {r[3]:.1f} / {r[1]:.0f}" for r in runs))
        for peer, ours in (("Pyro, hand-written", "causalppl --backend pyro"),
                           ("NumPyro, hand-written", "causalppl --backend numpyro")):
            if peer in rates and ours in rates:
                # Paired by repeat (the same seed on both sides; the Pyro pair takes identical draws, so equal
                # ESS): the median of the per-repeat ratios is the figure to quote. The ratio of the medians
                # of ESS/s mixes repeats whose ESS differ by seed.
                paired = statistics.median((p[1] / p[0]) / (o[1] / o[0]) for p, o in zip(results[peer], results[ours]))
                paired_cpu = statistics.median((p[1] / p[3]) / (o[1] / o[3])
                                               for p, o in zip(results[peer], results[ours]))
                print(f"  ratio {peer} / {ours}, median of per-repeat ratios: ESS/s {paired:.2f}, "
                      f"ESS per CPU second {paired_cpu:.2f}")
                print(f"  (ratio of the medians: ESS/s {rates[peer] / rates[ours]:.2f}, "
                      f"ESS per CPU second {cpu_rates[peer] / cpu_rates[ours]:.2f})")


if __name__ == "__main__":
    main()

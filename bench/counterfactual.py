"""Benchmark counterfactual queries against ChiRho's multi-world counterfactuals.

Run ``python -m bench.counterfactual`` from the repository root (``--help``
lists the options). Two parts, each in one process:

(a) one linear-Gaussian counterfactual with partial evidence,
    ``E[Y[X = 0] | Z = 2, Y = 6]`` (X and W unobserved): causalppl's exact
    Gaussian abduction against ChiRho's recommended route
    (``MultiWorldCounterfactual`` + ``do`` + ``condition``, NUTS over the
    unobserved sites). Both times, their ratio and both answers are printed.

(b) k = 1..8 simultaneous interventions (k potential outcomes, one world
    each) on a 50-variable random linear-Gaussian model
    (``bench.generate_linear.linear_chain_source``), with partial evidence:
    time and peak memory per k for causalppl (exact answer, and 1000 joint
    draws of every world with ``counterfactual``), the ratio k=8 / k=1, and
    ChiRho's ``MultiWorldCounterfactual`` forward pass on the same model and
    interventions (its worlds number 2^k). Peak memory is the peak resident
    set of a fresh worker process per measurement, above that of a worker
    that only imported the libraries.

ChiRho is optional: without it the ChiRho columns are skipped.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import resource
import subprocess
import sys
import time
from typing import Callable

PARTIAL_EVIDENCE_MODEL = """
model Partial {
    X ~ Normal(0, 1)
    Z ~ Normal(0.5 * X, 1)
    W ~ Normal(X - Z, 1)
    Y ~ Normal(X + 2 * Z + 0.5 * W, 0.5)
}
"""
PARTIAL_QUERY = "E[Y[X = 0] | Z = 2, Y = 6]"
# Y[X = 0] = 6 - 2.25 X given the evidence; X | Z = 2, Y = 6 has precision 1 + 0.25 + 4.5 and mean 10 / 5.75.
CLOSED_FORM = 6 - 2.25 * 10 / 5.75
N_VARIABLES = 50
REPEATS = 5
TARGET = f"X{N_VARIABLES - 1}"


def chirho_available() -> bool:
    try:
        import chirho  # noqa: F401
    except ImportError:
        return False
    return True


def timed(function: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    result = function()  # warm-up (imports, caches)
    start = time.perf_counter()
    for _ in range(repeat):
        result = function()
    return (time.perf_counter() - start) / repeat, result


# ------------------------------------------------------------ part (a) ----


def ours_partial() -> float:
    import causalppl as cp

    return cp.loads(PARTIAL_EVIDENCE_MODEL).query(PARTIAL_QUERY).estimate


def chirho_partial(num_samples: int, warmup: int, seed: int) -> float:
    import pyro
    import pyro.distributions as dist
    import torch
    from chirho.counterfactual.handlers import MultiWorldCounterfactual
    from chirho.indexed.ops import IndexSet, gather
    from chirho.interventional.handlers import do
    from chirho.observational.handlers import condition
    from pyro.distributions.transforms import AffineTransform
    from pyro.infer import MCMC, NUTS, Predictive

    def site(name, loc, scale):
        law = dist.TransformedDistribution(dist.Normal(0.0, 1.0), [AffineTransform(loc, scale)])
        return pyro.sample(name, law)

    def model():
        u_w = pyro.sample("U_W", dist.Normal(0.0, 1.0))  # unobserved downstream noise, shared by the worlds
        x = site("X", 0.0, 1.0)
        z = site("Z", 0.5 * x, 1.0)
        w = x - z + u_w
        return site("Y", x + 2 * z + 0.5 * w, 0.5)

    data = {"Z": torch.tensor(2.0), "Y": torch.tensor(6.0)}

    def counterfactual_model():
        # ChiRho's "<site>_cf_obs" are masked Delta sites (the observed noise carried to the counterfactual
        # world): hidden from NUTS, which would otherwise treat them as free latents.
        with pyro.poutine.block(hide_fn=lambda msg: str(msg.get("name")).endswith("_cf_obs")):
            with MultiWorldCounterfactual(), do(actions={"X": torch.tensor(0.0)}), condition(data=data):
                y = model()
                y_cf = gather(y, IndexSet(X={1})).reshape(())
        return pyro.deterministic("y_cf", y_cf)

    pyro.set_rng_seed(seed)
    mcmc = MCMC(NUTS(counterfactual_model), num_samples=num_samples, warmup_steps=warmup, disable_progbar=True)
    mcmc.run()
    predictive = Predictive(counterfactual_model, posterior_samples=mcmc.get_samples(), return_sites=["y_cf"])
    return float(predictive()["y_cf"].mean())


def part_a(args: argparse.Namespace) -> None:
    print("(a) linear-Gaussian counterfactual with partial evidence:", PARTIAL_QUERY)
    ours_time, ours = timed(ours_partial, repeat=20)
    print(f"  closed form: 6 - 2.25 E[X | Z = 2, Y = 6] = 6 - 2.25 * 10 / 5.75 = {CLOSED_FORM:.4f}")
    print(f"  causalppl exact Gaussian abduction: {ours_time * 1e3:9.2f} ms   answer {ours:.4f}")
    if not chirho_available():
        print("  ChiRho not installed: skipped")
        return
    theirs_time, theirs = timed(lambda: chirho_partial(args.nuts_samples, args.nuts_warmup, args.seed))
    print(f"  ChiRho MultiWorld + condition + NUTS ({args.nuts_samples} draws, {args.nuts_warmup} warm-up): "
          f"{theirs_time * 1e3:9.2f} ms   answer {theirs:.4f}")
    print(f"  ratio ChiRho / causalppl: {theirs_time / ours_time:,.0f}x   |difference| {abs(theirs - ours):.4f}")


# ------------------------------------------------------------ part (b) ----


def intervened(k: int) -> list[str]:
    """X2, X8, ..., X44: early variables, so each world copies many descendants."""
    return [f"X{2 + 6 * j}" for j in range(k)]


def evidence() -> dict[str, float]:
    return {"X0": 0.5, "X20": 1.0, TARGET: 1.0}


@functools.lru_cache(maxsize=1)
def linear_model():
    """The 50-variable model, parsed once per process (parsing is not what is measured)."""
    import causalppl as cp
    from bench.generate_linear import linear_chain_source

    return cp.loads(linear_chain_source(N_VARIABLES, seed=0, queries=False))


def ours_worlds_query(k: int) -> float:
    model = linear_model()
    terms = " + ".join(f"{TARGET}[{name} = 1]" for name in intervened(k))
    given = ", ".join(f"{name} = {value}" for name, value in evidence().items())
    return model.query(f"E[{terms} | {given}]").estimate


def ours_worlds_draws(k: int, n: int = 1000) -> float:
    from causalppl.inference.counterfactual.answer import counterfactual

    model = linear_model()
    out = counterfactual(model.ir, evidence(), [{name: 1.0} for name in intervened(k)], n=n, seed=0)
    return float(sum(out["samples"][f"do({name} = 1)"][TARGET].mean() for name in intervened(k)))


def chirho_worlds(k: int, n: int = 1000) -> float:
    """ChiRho's multi-world forward pass (observed sites abducted exactly by their affine transforms)."""
    import pyro
    import pyro.distributions as dist
    import torch
    from chirho.counterfactual.handlers import MultiWorldCounterfactual
    from chirho.indexed.ops import IndexSet, gather
    from chirho.interventional.handlers import do
    from chirho.observational.handlers import condition
    from pyro.distributions.transforms import AffineTransform

    equations = chirho_equations()

    def model():
        values = {}
        with pyro.plate("draws", n, dim=-1):
            for name, terms, intercept in equations:
                loc = intercept + sum(c * values[p] for c, p in terms)
                law = dist.TransformedDistribution(dist.Normal(0.0, 1.0), [AffineTransform(loc, 1.0)])
                values[name] = pyro.sample(name, law)
        return values[TARGET]

    names = intervened(k)
    actions = {name: torch.tensor(1.0) for name in names}
    data = {name: torch.tensor(value) for name, value in evidence().items()}
    with MultiWorldCounterfactual() as worlds, do(actions=actions), condition(data=data):
        y = model()
    with worlds:  # the k worlds with one intervention each, among ChiRho's 2^k
        singles = [gather(y, IndexSet(**{other: {int(other == name)} for other in names})) for name in names]
    return float(sum(single.float().mean() for single in singles))


@functools.lru_cache(maxsize=1)
def chirho_equations() -> list[tuple[str, list[tuple[float, str]], float]]:
    from bench.generate_linear import linear_chain_source

    return _equations(linear_chain_source(N_VARIABLES, seed=0, queries=False))


def _equations(source: str) -> list[tuple[str, list[tuple[float, str]], float]]:
    """Parse ``Xi ~ Normal(0.3 * Xj - 0.2 * Xk + 0.1, 1)`` lines of the generated model."""
    equations = []
    for name, loc in re.findall(r"(X\d+) ~ Normal\((.*), 1\)", source):
        terms = [(float(sign.replace(" ", "") + coef), parent)
                 for sign, coef, parent in re.findall(r"([+-]?\s*)(\d+\.\d+) \* (X\d+)", loc)]
        intercept = float(loc.rsplit("+", 1)[-1]) if "*" in loc else float(loc)
        equations.append((name, terms, intercept))
    return equations


WORKERS: dict[str, Callable[[int], float]] = {
    "ours_query": ours_worlds_query,
    "ours_draws": ours_worlds_draws,
    "chirho": chirho_worlds,
    "baseline": lambda k: 0.0,
}


def worker(kind: str, k: int) -> None:
    """Measure one (kind, k) in this fresh process; print time, answer and peak RSS as JSON."""
    import torch  # noqa: F401

    import causalppl  # noqa: F401  (imports count in the baseline, not in the measurement)

    if kind == "chirho":
        import chirho.counterfactual.handlers  # noqa: F401
    function = WORKERS[kind]
    if kind != "baseline":
        function(1)  # warm-up on the smallest case
    seconds = float("inf")
    for _ in range(REPEATS):  # best of REPEATS: the machine is shared
        start = time.perf_counter()
        answer = function(k)
        seconds = min(seconds, time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "answer": answer, "peak_kib": peak_kib}))


def measure(kind: str, k: int) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.counterfactual", "--worker", kind, str(k)],
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def part_b(args: argparse.Namespace) -> None:
    print(f"\n(b) k simultaneous interventions on a {N_VARIABLES}-variable linear-Gaussian model "
          f"(evidence on {', '.join(evidence())}); memory: peak RSS above an idle worker")
    kinds = ["ours_query", "ours_draws"] + (["chirho"] if chirho_available() else [])
    baseline = min(measure("baseline", 0)["peak_kib"] for _ in range(3))  # min: a first import may compile
    rows = {kind: {k: measure(kind, k) for k in range(1, args.max_k + 1)} for kind in kinds}
    header = "  k " + "".join(f"| {kind:>24} " for kind in kinds)
    print(header + "\n  " + "-" * (len(header) - 2))
    for k in range(1, args.max_k + 1):
        cells = "".join(f"| {rows[kind][k]['seconds'] * 1e3:9.1f} ms {_mib(rows[kind][k], baseline):>7} "
                        for kind in kinds)
        print(f"  {k} {cells}")
    for kind in kinds:
        first, last = rows[kind][1]["seconds"], rows[kind][args.max_k]["seconds"]
        print(f"  {kind}: time ratio k={args.max_k} / k=1 = {last / first:.2f}")
    print("  answers at k = max: " + ", ".join(f"{kind} {rows[kind][args.max_k]['answer']:.3f}" for kind in kinds))
    if "chirho" in rows:
        print("  (ChiRho's number is a forward pass of its 2^k worlds: observed sites have their noise abducted "
              "by their transforms given sampled parents, unobserved ones come from the prior, so it is not "
              "the posterior answer; it is there for time and memory)")


def _mib(row: dict, baseline: int) -> str:
    return f"{max(row['peak_kib'] - baseline, 0) / 1024:6.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "K"), help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=("a", "b", "both"), default="both")
    parser.add_argument("--max-k", type=int, default=8)
    parser.add_argument("--nuts-samples", type=int, default=500)
    parser.add_argument("--nuts-warmup", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return 0
    if args.part in ("a", "both"):
        part_a(args)
    if args.part in ("b", "both"):
        part_b(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One NUTS gradient of the chain models, hand-written Pyro against causalppl's program: what each side runs.

Run ``python -m bench.nuts_gradient_counts`` from the repository root
(``--lengths 50,100``; ``--blocks N`` adds an interleaved CPU timing).  Both
potentials are built as ``bench.nuts_vs_numpyro`` builds them (the
hand-written ``NUTS(model, max_plate_nesting=1)``; causalppl's likelihood
with its constant factors left out, wrapped by the sampler's
checked-on-failure step), set up by Pyro, and evaluated by Pyro's
``potential_grad`` -- the unit of NUTS's work -- at the same unconstrained
point, with validation off as under ``MCMC.run``.  Reported per evaluation:
Python calls (cProfile, builtins included), aten operators dispatched
(forward and backward, under a ``TorchDispatchMode``), calls that reach
torch's function layer (``TorchFunctionMode``), and the functions and
operators whose counts differ between the sides.  The counts do not depend
on the machine's load; the timing does.
"""

from __future__ import annotations

import argparse
import cProfile
import collections
import pstats
import statistics
import time

import pyro
import torch
from pyro.infer import NUTS
from pyro.ops.integrator import potential_grad
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

import causalppl as cp
from bench.nuts_vs_numpyro import chain
from causalppl.backends import pyro_codegen
from causalppl.inference.bayesian import clear_fit_cache
from causalppl.inference.bayesian.likelihood import build_likelihood, constant_factors
from causalppl.inference.bayesian.nuts import CheckedOnFailureNUTS
from causalppl.inference.devices import running_on


class _Ops(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[str(func.overloadpacket)] += 1
        return func(*args, **(kwargs or {}))


class _Functions(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter = collections.Counter()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.counts[getattr(func, "__name__", str(func))] += 1
        return func(*args, **(kwargs or {}))


def kernels(length: int) -> tuple[NUTS, NUTS]:
    """The hand-written and causalppl NUTS kernels of the chain of ``length``, set up (initial point found)."""
    case = chain(length)
    hand = NUTS(case.pyro_model(), max_plate_nesting=1)
    pyro.set_rng_seed(0)
    hand.setup(warmup_steps=10)
    pyro_codegen._compiled.cache_clear()
    clear_fit_cache()
    model = cp.loads(case.source)
    data = model.load_data(case.frame)
    device = torch.device("cpu")
    with running_on(device):
        likelihood = build_likelihood(model.ir, data, device, constant_factors(model.ir))
        ours = CheckedOnFailureNUTS(likelihood, max_plate_nesting=1, jit_compile=False, ignore_jit_warnings=True,
                                    target_accept_prob=0.8, max_tree_depth=10)
        pyro.set_rng_seed(0)
        ours.setup(warmup_steps=10)
    return hand, ours


def _gradient(kernel: NUTS, point: dict) -> tuple[dict, torch.Tensor]:
    return potential_grad(kernel.potential_fn, {name: value.clone() for name, value in point.items()})


def counts(kernel: NUTS, point: dict) -> dict:
    """Python calls, aten operators and torch-function calls of one potential + gradient."""
    for _ in range(3):
        grads, energy = _gradient(kernel, point)
    profile = cProfile.Profile()
    profile.enable()
    _gradient(kernel, point)
    profile.disable()
    stats = pstats.Stats(profile)
    ops, functions = _Ops(), _Functions()
    with ops:
        _gradient(kernel, point)
    with functions:
        _gradient(kernel, point)
    by_function = {f"{path.split('/')[-1]}:{line}:{name}": value[1] for (path, line, name), value in stats.stats.items()}
    return dict(energy=float(energy), grads=grads, calls=stats.total_calls, ops=ops.counts, functions=functions.counts,
                by_function=by_function)


def _differences(hand: collections.Counter | dict, ours: collections.Counter | dict, limit: int = 20) -> list[str]:
    rows = sorted(((ours.get(k, 0) - hand.get(k, 0), k) for k in set(hand) | set(ours)), key=lambda r: (-abs(r[0]), r[1]))
    return [f"      {d:+6d}  ({hand.get(k, 0)} / {ours.get(k, 0)})  {k}" for d, k in rows[:limit] if d]


def timing(hand: NUTS, ours: NUTS, point: dict, blocks: int, per_block: int) -> tuple[list[float], list[float]]:
    """CPU ms per gradient, in interleaved blocks (the order alternates)."""
    times: dict[str, list[float]] = {"hand": [], "ours": []}
    for block in range(blocks):
        order = [("hand", hand), ("ours", ours)] if block % 2 == 0 else [("ours", ours), ("hand", hand)]
        for name, kernel in order:
            start = time.process_time()
            for _ in range(per_block):
                _gradient(kernel, point)
            times[name].append((time.process_time() - start) / per_block * 1e3)
    return times["hand"], times["ours"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="50,100", help="comma-separated chain lengths")
    parser.add_argument("--blocks", type=int, default=0, help="interleaved timing blocks per side (0: no timing)")
    parser.add_argument("--per-block", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for length in (int(text) for text in args.lengths.split(",")):
        hand, ours = kernels(length)
        point = {name: value.clone() for name, value in hand.initial_params.items()}
        with pyro.validation_enabled(False):  # as MCMC.run leaves it
            h, o = counts(hand, point), counts(ours, point)
            differ = max(float((h["grads"][k] - o["grads"][k]).abs().max()) for k in point)
            print(f"chain of {length}: potential {h['energy']:.6f} (hand-written) / {o['energy']:.6f} (causalppl), "
                  f"largest gradient difference {differ:.3g}")
            print(f"  per potential + gradient (hand-written / causalppl): Python calls {h['calls']} / {o['calls']}; "
                  f"aten operators {sum(h['ops'].values())} / {sum(o['ops'].values())}; torch-function calls "
                  f"{sum(h['functions'].values())} / {sum(o['functions'].values())}")
            print("  aten operators that differ:", *(_differences(h["ops"], o["ops"]) or ["      none"]), sep="\n")
            print("  torch-function calls that differ:", *(_differences(h["functions"], o["functions"]) or
                                                          ["      none"]), sep="\n")
            print("  Python functions whose call counts differ:", *_differences(h["by_function"], o["by_function"]),
                  sep="\n")
            if args.blocks:
                th, to = timing(hand, ours, point, args.blocks, args.per_block)
                ratios = statistics.median(b / a for a, b in zip(th, to))
                print(f"  CPU ms per gradient, {args.blocks} interleaved blocks of {args.per_block}: hand-written min "
                      f"{min(th):.2f} median {statistics.median(th):.2f}; causalppl min {min(to):.2f} median "
                      f"{statistics.median(to):.2f}; ratio of minima {min(to) / min(th):.3f}, median of block "
                      f"ratios {ratios:.3f}")


if __name__ == "__main__":
    main()

"""Generate random sparse linear-Gaussian models as `.scm` source, for benchmarks.

``linear_chain_source(n)`` writes a model with variables ``X0 .. X{n-1}``:
``X0 ~ Normal(0.1, 1)`` and, for every later ``X_i``, the previous variable
``X_{i-1}`` plus up to two more parents drawn at random among the earlier ones::

    X7 ~ Normal(0.3 * X6 - 0.2 * X2 + 0.15 * X4 + 0.1, 1)

Every variable is a descendant of ``X0`` (the chain keeps the graph connected),
so interventions on ``X0`` move the last variable. The coefficients' absolute
values sum to less than 1, which keeps the variances bounded for any size.
The same ``seed`` always gives the same text.

Run ``python -m bench.generate_linear 500 --seed 1 > big.scm`` from the
repository root to write one.
"""

from __future__ import annotations

import argparse
import random

COEFFICIENTS: tuple[float, ...] = (0.3, -0.2, 0.15)
INTERCEPT = 0.1
MAX_PARENTS = len(COEFFICIENTS)


def _parents(index: int, rng: random.Random) -> list[int]:
    """The previous variable, then 0 to 2 distinct random earlier ones."""
    others = list(range(index - 1))
    extra = rng.randint(0, min(MAX_PARENTS - 1, len(others)))
    return [index - 1] + rng.sample(others, extra)


def _mean(parents: list[int]) -> str:
    """``0.3 * Xj - 0.2 * Xk + 0.1`` for the given parents (the first coefficient is positive)."""
    text = f"{COEFFICIENTS[0]} * X{parents[0]}"
    for coefficient, parent in zip(COEFFICIENTS[1:], parents[1:]):
        text += f" {'-' if coefficient < 0 else '+'} {abs(coefficient)} * X{parent}"
    return f"{text} + {INTERCEPT}"


def _declaration(index: int, rng: random.Random) -> str:
    """The line declaring ``X{index}``."""
    if index == 0:
        return f"    X0 ~ Normal({INTERCEPT}, 1)"
    return f"    X{index} ~ Normal({_mean(_parents(index, rng))}, 1)"


def _queries(n_variables: int) -> list[str]:
    """An interventional contrast and a counterfactual on the ends of the chain."""
    last = f"X{n_variables - 1}"
    if n_variables == 1:
        return ["query mean = E[X0]"]
    return [
        f"query ate = E[{last} | do(X0 = 1)] - E[{last} | do(X0 = 0)]",
        f"query cf = E[{last}[X0 = 0] | X0 = 1, {last} = 1]",
    ]


def linear_chain_source(n_variables: int, seed: int = 0, *, queries: bool = True) -> str:
    """The `.scm` text of a random sparse linear-Gaussian model with ``n_variables`` variables."""
    if n_variables < 1:
        raise ValueError("n_variables must be at least 1")
    rng = random.Random(seed)
    lines = [
        f"# Random sparse linear-Gaussian model: {n_variables} variables, seed {seed}.",
        f"model Linear{n_variables} {{",
        *(_declaration(index, rng) for index in range(n_variables)),
        "}",
    ]
    if queries:
        lines += [""] + _queries(n_variables)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print a generated model on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_variables", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-queries", action="store_true", help="write the model block only")
    args = parser.parse_args(argv)
    print(linear_chain_source(args.n_variables, args.seed, queries=not args.no_queries), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

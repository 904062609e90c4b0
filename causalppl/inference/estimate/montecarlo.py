"""Monte Carlo answers by forward sampling the (do-transformed) generated Pyro program.

Used for queries without evidence on models that need no inference: the
estimate is a sample mean, with its Monte Carlo standard error.  Units are
simulated in batches of :func:`~causalppl.inference.budget.batch_units`
and reduced to running sums, so memory does not grow with ``--samples``.  Covariates
are not simulated: each unit takes the covariates of a data row drawn at
random (the empirical distribution of the rows).

>>> import causalppl as cp
>>> from causalppl.inference.options import parse_options
>>> m = cp.loads("model M { X ~ Normal(0, 1)\\n Y ~ Normal(2 * X + 1, 1) }")
>>> ate = m._check_query_text("E[Y | do(X = 1)] - E[Y | do(X = 0)]")
>>> result = answer_mc(m.ir, ate, parse_options({"samples": 10000, "seed": 0}))
>>> round(result.estimate, 6), result.method  # common random numbers: both leaves see the same noise
(2.0, 'mc')
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pyro
import torch

from causalppl.backends.pyro_codegen import compiled_program
from causalppl.backends.tensor_eval import evaluate
from causalppl.data.covariates import CovariateRows, covariate_rows
from causalppl.inference.budget import batch_units
from causalppl.inference.covariates import covariate_pool
from causalppl.inference.devices import resolve_device, running_on
from causalppl.inference.messages import query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Estimate, Result, point_result
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import (
    COMPARISONS,
    EventSpec,
    ExpectationSpec,
    ProbabilitySpec,
    QuerySpec,
    fold_term,
    is_linear,
    leaves,
)
from causalppl.transforms.do import do


def answer_mc(model: CausalModel, query: QuerySpec, options: Options) -> Result:
    """Forward Monte Carlo: the sample mean over ``options.samples`` simulated units, with its standard error.

    Linear queries (sums and scalings of leaves, such as an average treatment
    effect) use common random numbers: every leaf sees the same noise draws,
    so differences are precise.
    """
    rows = covariate_rows(model, options.data)
    notes = (f"covariates drawn from the {rows.n_rows} data rows",) if rows is not None else ()
    with running_on(resolve_device(options.device, query.span)):
        batches = _batches(options.samples, batch_units(model), options.seed)
        if isinstance(query.term, ProbabilitySpec) and query.term.is_distribution:
            counts = sum(mc_counts(model, query.term, n, seed, rows) for n, seed in batches)
            variable = model.variable(query.term.events[0].outcome.variable)
            distribution = {label: float(c) / options.samples for label, c in zip(variable.domain.labels, counts)}
            return Result(query.name, query.text, distribution=distribution, method="mc", notes=notes)
        if is_linear(query.term):
            sums = RunningMean()
            for n, seed in batches:
                values = fold_term(query.term, lambda leaf: mc_leaf_values(model, leaf, n, seed, rows))
                sums.add(values if isinstance(values, torch.Tensor) else torch.full((n,), float(values)))
            estimate = sums.estimate()
        else:
            per_leaf: dict[int, RunningMean] = {}
            for n, seed in batches:
                for leaf in leaves(query.term):
                    per_leaf.setdefault(id(leaf), RunningMean()).add(mc_leaf_values(model, leaf, n, seed, rows))
            estimate = fold_term(query.term, lambda leaf: per_leaf[id(leaf)].estimate(), number=Estimate)
    return point_result(query, estimate, "mc", notes=notes)


def _batches(total: int, size: int, seed: int | None) -> Iterator[tuple[int, int]]:
    """(units, seed) per batch, made as they are used (a huge ``samples`` costs time, never memory); one batch
    keeps the given seed, so small runs are unchanged by batching."""
    if seed is None:
        seed = int(torch.randint(0, 2**31 - 1, ()).item())
    full, rest = divmod(total, size)
    for index in range(full + (1 if rest else 0)):
        yield (size if index < full else rest), (seed + index) % 2**32


class RunningMean:
    """Sums of per-unit values over batches: the mean and the variance of the mean at the end."""

    def __init__(self) -> None:
        self.n, self.total, self.squares, self.shift = 0, 0.0, 0.0, None

    def add(self, values: torch.Tensor) -> None:
        values = values.reshape(-1).double()
        if self.shift is None:  # a shift makes the sum of squares numerically safe
            self.shift = float(values[0]) if values.numel() else 0.0
        centred = values - self.shift
        self.n += values.numel()
        self.total += float(centred.sum())
        self.squares += float((centred * centred).sum())

    def estimate(self) -> Estimate:
        if self.n == 0:
            return Estimate(math.nan, math.nan)
        mean = self.total / self.n
        variance = (self.squares - self.n * mean**2) / (self.n - 1) if self.n > 1 else math.nan
        return Estimate(mean + (self.shift or 0.0), max(variance, 0.0) / self.n if self.n > 1 else math.nan)


def forward_samples(model: CausalModel, n: int, seed: int | None = None,
                    covariates: CovariateRows | None = None) -> dict[str, torch.Tensor]:
    """``n`` units drawn from the model's generated Pyro program (covariates resampled from their rows)."""
    if seed is not None:
        pyro.set_rng_seed(seed)
    data = None
    if covariates is not None:
        device = torch.get_default_device()
        data = {name: values.to(device) for name, values in covariates.resample(n).items()}
    with torch.no_grad():
        return compiled_program(model)(n_units=n, data=data)


def event_indicator(event: EventSpec, samples: dict[str, torch.Tensor]) -> torch.Tensor:
    values = samples[event.outcome.variable].to(torch.get_default_dtype())
    return COMPARISONS[event.op](values, event.value).to(torch.get_default_dtype())


def mc_leaf(model: CausalModel, leaf: ProbabilitySpec | ExpectationSpec, n: int, seed: int | None,
            rows: CovariateRows | None = None) -> Estimate:
    return sample_mean(mc_leaf_values(model, leaf, n, seed, rows))


def mc_leaf_values(model: CausalModel, leaf: ProbabilitySpec | ExpectationSpec, n: int,
                   seed: int | None, rows: CovariateRows | None = None) -> torch.Tensor:
    """Per-unit values whose mean estimates the leaf (indicators for probabilities)."""
    _require_plain(leaf)
    intervened = do(model, dict(leaf.interventions))
    samples = forward_samples(intervened, n, seed, covariate_pool(intervened, leaf, rows))
    if isinstance(leaf, ExpectationSpec):
        values = evaluate(leaf.expr, samples)
        return (values.expand(n) if values.dim() == 0 else values).double()
    values = torch.ones(n, dtype=torch.float64)
    for event in leaf.events:
        values = values * event_indicator(event, samples).double()
    return values


def mc_distribution(model: CausalModel, leaf: ProbabilitySpec, n: int, seed: int | None,
                    rows: CovariateRows | None = None) -> dict[str, float]:
    variable = model.variable(leaf.events[0].outcome.variable)
    counts = mc_counts(model, leaf, n, seed, rows) / n
    return {label: float(p) for label, p in zip(variable.domain.labels, counts)}


def mc_counts(model: CausalModel, leaf: ProbabilitySpec, n: int, seed: int | None,
              rows: CovariateRows | None = None) -> torch.Tensor:
    """How many of ``n`` simulated units take each level of the leaf's variable."""
    _require_plain(leaf)
    intervened = do(model, dict(leaf.interventions))
    samples = forward_samples(intervened, n, seed, covariate_pool(intervened, leaf, rows))
    variable = model.variable(leaf.events[0].outcome.variable)
    values = samples[variable.name].long()
    return torch.bincount(values, minlength=variable.domain.size).double().cpu()


def sample_mean(values: torch.Tensor) -> Estimate:
    n = values.numel()
    mean = float(values.mean())
    variance = float(values.var()) / n if n > 1 else math.nan
    return Estimate(mean, variance)


def _require_plain(leaf: ProbabilitySpec | ExpectationSpec) -> None:
    if leaf.evidence:
        raise query_error(leaf.span, "Monte Carlo forward sampling cannot condition on evidence",
                          "use --method exact (finite discrete models), nuts or svi")

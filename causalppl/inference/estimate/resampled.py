"""Point value and Bayesian-bootstrap draws of every leaf of a query, and the result they make.

An estimator supplies ``leaf_value(leaf, W, cache) -> (b,)``: the leaf's
value under each row of the weight matrix ``W`` (b, n).  The point value
uses the data's own weights; the draws use Dirichlet weights, streamed in
chunks, the *same* weights for every leaf (so a contrast of two leaves
carries their shared uncertainty), with ``cache`` shared by the leaves of
one chunk (one fit serves ``E[Y | do(X = 1)]`` and ``E[Y | do(X = 0)]``);
the point evaluation's cache holds the key :data:`POINT`.
The query's arithmetic is then applied draw by draw.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from causalppl.inference.estimate.units import Leaf, Units
from causalppl.inference.messages import no_finite_answer
from causalppl.inference.results import Result
from causalppl.ir.queries import QuerySpec, fold_term, leaves
from causalppl.statistics.regression import batch_size
from causalppl.statistics.resampling import dirichlet_chunks, normalized

LeafValue = Callable[[Leaf, torch.Tensor, dict], torch.Tensor]
POINT = "point"  # key present in the cache of the point evaluation (the data's own weights)


def resampled_query(query: QuerySpec, units: Units, leaf_value: LeafValue, draws: int, seed: int | None,
                    width: int) -> torch.Tensor:
    """The query's value under the point weights, then under ``draws`` Dirichlet weights: shape (1 + draws,)."""
    every = leaves(query.term)
    point = normalized(units.weights)
    cache: dict[Any, Any] = {POINT: True}
    values = {id(leaf): [leaf_value(leaf, point, cache)] for leaf in every}
    for weights in dirichlet_chunks(units.weights, draws, seed, batch_size(units.n, max(1, width))):
        cache = {}
        for leaf in every:
            values[id(leaf)].append(leaf_value(leaf, weights, cache))
    stacked = {key: torch.cat([torch.as_tensor(v, dtype=torch.float64).reshape(-1) for v in parts])
               for key, parts in values.items()}
    return torch.as_tensor(fold_term(query.term, lambda leaf: stacked[id(leaf)]), dtype=torch.float64).reshape(-1)


def resampled_result(query: QuerySpec, values: torch.Tensor, method: str, estimand: str | None,
                     diagnostics: dict[str, Any], notes: tuple[str, ...] = ()) -> Result:
    """Estimate (point weights) and 95% interval (quantiles of the draws); undefined values are errors."""
    if not bool(torch.isfinite(values[0])):
        raise no_finite_answer(query.span, "the estimate is not a finite number (a division by zero: no rows "
                                           "satisfy the evidence, or a treatment level never occurs)",
                               "check that every treatment value and evidence value occurs in the data")
    draws = values[1:]
    finite = draws[torch.isfinite(draws)]
    interval = None
    if finite.numel() > 1:
        interval = (float(torch.quantile(finite, 0.025)), float(torch.quantile(finite, 0.975)))
    diagnostics = dict(diagnostics, draws=int(draws.numel()),
                       posterior_sd=float(finite.std()) if finite.numel() > 1 else None)
    if finite.numel() < draws.numel():
        notes = notes + (f"{draws.numel() - finite.numel()} of {draws.numel()} bootstrap draws were undefined "
                         "(a level absent from the resampled data) and were left out",)
    return Result(query.name, query.text, estimate=float(values[0]), interval=interval, identifiable=True,
                  estimand=estimand, method=method, kind=query.kind, diagnostics=diagnostics, notes=notes)


__all__ = ["resampled_query", "resampled_result", "LeafValue", "POINT"]

"""Per-row queries: one answer per row of ``options.rows``, every engine working on the batch at once.

:func:`answer_rows` answers a query with per-row evidence on a known model
(every mechanism written out, parameters fixed): each leaf goes through
:func:`causalppl.inference.rows.leaf.answer_leaf_rows` and the query's
arithmetic is applied row by row.  :func:`answer_rows_learned` answers it
on a model whose unknowns are learned from data: the posterior is fitted
once, each (thinned) posterior draw becomes a known model on which the rows
are answered as a batch, and each row's answer is the mean over draws with
the 2.5% and 97.5% quantiles as its credible interval (draws × rows in one
tensor).  Both return a :class:`~causalppl.inference.results.Result` whose
``rows`` holds the per-row values (:class:`.values.RowValues`).

>>> import numpy as np, causalppl as cp
>>> from causalppl.data.rows import RowBatch
>>> m = cp.loads("model M { X ~ Bernoulli(0.5)\\n Y ~ Bernoulli(if X then 0.9 else 0.2) }")
>>> rows = RowBatch({"X": np.array([1, 1, 0]), "Y": np.array([1, 0, 1])}, 3, "<rows>")
>>> query = m._check_query_text("P(Y[X = 0] = 1 | X, Y)", per_row=True)  # X and Y: each row's values
>>> result = answer_rows(m.ir, query, Options().with_context(rows=rows))
>>> result.rows.estimate.round(4).tolist(), result.method
([0.2222, 0.0, 1.0], 'exact')
"""

from __future__ import annotations

import contextlib

import numpy as np

from causalppl.backends.compiled import forget_compiled
from causalppl.data.rows import RowBatch
from causalppl.inference import engines
from causalppl.inference.devices import running_on
from causalppl.inference.messages import query_error
from causalppl.inference.options import Options
from causalppl.inference.results import Result, is_probability
from causalppl.inference.rows.compiled import compiled_rows, impossible_row
from causalppl.inference.rows.values import LeafRows, RowEstimate, RowValues, as_numpy
from causalppl.ir.model import CausalModel
from causalppl.ir.queries import QuerySpec, fold_term
from causalppl.lazy import LazyModule, torch

# torch, pyro and the samplers only for leaves the compiled network does not answer: a factual query on a
# network of tables scores its rows without them
general = LazyModule("causalppl.inference.rows.leaf")
counterfactual = LazyModule("causalppl.inference.counterfactual.answer")
intervals = LazyModule("causalppl.inference.intervals")

METHOD_RANK = {"exact": 0, "abduction": 1, "mc": 2}
MAX_DRAWS = 100  # posterior draws each row is answered under (learned models)


def answer_rows(model: CausalModel, query: QuerySpec, options: Options, mode: str = "auto") -> Result:
    """Every row's answer on a known model (``mode``: auto, exact or mc)."""
    rows = _rows(query, options)
    values, method, notes = _answer_known(model, query, rows, mode, options, options.seed)
    return Result(query.name, query.text, method=method, notes=notes, rows=values,
                  diagnostics={"rows": rows.n_rows})


def answer_rows_learned(model: CausalModel, query: QuerySpec, options: Options, sampler: str = "nuts",
                        conjugate: bool = True) -> Result:
    """Every row's answer under each posterior draw of the unknowns (fitted once; a fitted posterior is reused)."""
    rows = _rows(query, options)
    _device(options, query)  # (an unusable --device is refused before the posterior is fitted)
    posterior = options.fitted or engines.fit(model, options.data, sampler, options, span=query.span,
                                              conjugate=conjugate)
    known_models = posterior.models(limit=MAX_DRAWS)
    if not known_models:
        raise query_error(query.span, "the posterior has no draws")
    per_draw, methods = [], set()
    for index, known in enumerate(known_models):
        seed = None if options.seed is None else options.seed * 1000 + index
        values, method, _ = _answer_known(known, query, rows, "auto", options, seed)
        forget_compiled(known)  # each draw's network is used once: never more than one held
        per_draw.append(values)
        methods.add(method)
    notes = (f"each row answered under each of {len(known_models)} posterior draws of the unknowns "
             f"({', '.join(sorted(methods))} per draw)",) + tuple(posterior.notes)
    return Result(query.name, query.text, method=posterior.method, notes=notes, rows=_over_draws(per_draw),
                  diagnostics={"rows": rows.n_rows, "query_draws": len(known_models)})


def _rows(query: QuerySpec, options: Options) -> RowBatch:
    if options.rows is None:
        raise query_error(query.span, "this query takes each row's values (evidence without a value) and no rows "
                                      "were given", "score it: causalppl score FILE.scm --data ROWS.csv --query ...")
    return options.rows


def _answer_known(model: CausalModel, query: QuerySpec, rows: RowBatch, mode: str, options: Options,
                  seed: int | None) -> tuple[RowValues, str, tuple[str, ...]]:
    answers: list[LeafRows] = []
    device = _device(options, query)
    with contextlib.ExitStack() as general_route:
        entered: list[object] = []  # the torch device, once a leaf goes the general way

        def leaf(spec) -> RowEstimate:
            found = None
            if mode in ("auto", "exact"):  # a factual leaf on a finite model: the compiled network, one world
                found = compiled_rows(model, spec, rows, device,
                                      lambda row: impossible_row(rows, row, spec, model))
            if found is not None:
                estimate, distribution, labels = found
                answers.append(LeafRows(estimate, "exact", distribution, labels))
            else:
                if not entered:  # one random stream and device for all of the query's sampled leaves
                    entered.append(engines.resolve_device(options.device, query.span))
                    general_route.enter_context(counterfactual.numerics(seed))
                    general_route.enter_context(running_on(entered[0]))
                answers.append(general.general_leaf_rows(model, spec, rows, mode, options.scale.draws_per_row,
                                                         entered[0]))
            return answers[-1].estimate

        estimate = fold_term(query.term, leaf, number=RowEstimate.of)
    method = max((a.method for a in answers), key=METHOD_RANK.__getitem__) if answers else "exact"
    notes = tuple(dict.fromkeys(note for a in answers for note in a.notes))
    if len(answers) == 1 and answers[0].distribution is not None:
        distribution = as_numpy(answers[0].distribution)  # (rows, levels)
        # levels × rows in C order (the compiled network's answers already are: their transpose is no copy)
        block = np.ascontiguousarray(distribution.T)
        return RowValues(None, probabilities=block, labels=tuple(answers[0].labels)), method, notes
    values = RowValues.from_estimate(estimate, rows.n_rows, probability=is_probability(query.term))
    _require_defined(values.estimate, rows, query)
    return values, method, notes


def _device(options: Options, query: QuerySpec) -> object:
    """The device the compiled network's leaves run on: None for the CPU (asked without loading torch)."""
    if (options.device or "cpu").strip().lower() == "cpu":
        return None
    return engines.resolve_device(options.device, query.span)  # (a clear error when CUDA is absent)


def _require_defined(values: np.ndarray, rows: RowBatch, query: QuerySpec) -> None:
    """Undefined answers (a ratio over zero, say) are errors that name the row, never numbers."""
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise query_error(query.span, f"{rows.where(row)}: the answer is undefined for this row ({values[row]})",
                          "check the query's arithmetic (a ratio whose denominator is zero for this row?)")


def _over_draws(per_draw: list[RowValues]) -> RowValues:
    """Posterior mean and 95% credible interval of each row (draws × rows)."""
    if per_draw[0].probabilities is not None:
        mean = np.array(per_draw[0].probabilities, dtype=np.float64)  # summed in place: no draws × rows stack
        for values in per_draw[1:]:
            mean += values.probabilities
        mean /= len(per_draw)
        return RowValues(None, probabilities=mean, labels=per_draw[0].labels)
    stacked = torch.as_tensor(np.stack([v.estimate for v in per_draw]))
    low, high = intervals.central_interval(stacked, dim=0)
    return RowValues(stacked.mean(dim=0).numpy(), low.numpy(), high.numpy(), interval_kind="posterior")


__all__ = ["answer_rows", "answer_rows_learned"]

"""The messages of the inference stage: one function per kind of error, so a mistake has the same words everywhere.

Each function returns a :class:`~causalppl.diagnostics.CausalPPLError` for
the caller to raise; the caller attaches the source text.  Options and
methods are spelled the way the caller writes them (``--method mc`` on the
command line, ``method="mc"`` in Python; see
:func:`causalppl.diagnostics.spell_option`).

>>> from causalppl.diagnostics import Span
>>> print(method_cannot_answer(Span.unknown("q"), "nuts", ["the model has nothing to learn"], ["exact", "mc"]))
q: error: method="nuts" cannot answer this query: the model has nothing to learn
    hint: use method="exact" or method="mc" (or method="auto" to let the planner choose)
"""

from __future__ import annotations

from typing import Any, Iterable

from causalppl.diagnostics import (
    CausalPPLError,
    Diagnostic,
    Span,
    spell_methods,
    spell_option,
)


def query_error(span: Span, message: str, hint: str | None = None) -> CausalPPLError:
    """A user-facing error about a query; the caller attaches the source text."""
    return CausalPPLError([Diagnostic(span, message, "error", hint)])


def method_cannot_answer(span: Span, asked: str, reasons: Iterable[str], able: Iterable[str]) -> CausalPPLError:
    """An explicit method that cannot answer the query: why, and which methods can."""
    why = "; ".join(dict.fromkeys(reasons)) or "it does not apply to this kind of query"
    able = list(able)
    auto = spell_option("method", "auto")
    hint = f"use {spell_methods(*able)} (or {auto} to let the planner choose)" if able else f"use {auto}"
    return query_error(span, f"{spell_option('method', asked)} cannot answer this query: {why}", hint)


def no_engine(span: Span, refusals: Iterable[tuple[str, str]]) -> CausalPPLError:
    """No engine of the planner's table answers the query: the engines grouped by their reason."""
    grouped: dict[str, list[str]] = {}
    for engine, reason in refusals:
        grouped.setdefault(reason, []).append(engine)
    listed = "; ".join(f"{', '.join(engines)}: {reason}" for reason, engines in grouped.items())
    return query_error(span, f"no engine can answer this query ({listed})",
                       "counterfactual and causal questions about unknown mechanisms need data (a data line or "
                       f"{spell_option('data')}): then they are identified or bounded")


def impossible_evidence(span: Span, detail: str | None = None, hint: str | None = None) -> CausalPPLError:
    """Conditioning on an event of probability zero."""
    message = "the evidence has probability zero under the model" + (f" ({detail})" if detail else "")
    return query_error(span, message, hint or "conditioning on an impossible event is undefined; "
                                              "check the evidence values")


def too_large_for_exact(span: Span, size: str, variables: int, limit: str | None,
                        total: bool = False) -> CausalPPLError:
    """Exact enumeration would need more memory than allowed (one table, or all of them together: ``total``)."""
    within = f" (the limit is {limit})" if limit else ""
    plural = "s" if variables != 1 else ""
    what = (f"for its tables together, the largest over {variables} variable{plural}" if total
            else f"for one table over {variables} variable{plural}")
    return query_error(span, f"this query is too large for exact enumeration: it needs about {size} of memory "
                             f"{what}{within}",
                       f"use {spell_methods('mc')} (Monte Carlo) instead of exact; with evidence, "
                       f"{spell_methods('nuts', 'svi')}")


def cannot_enumerate(span: Span, reason: str) -> CausalPPLError:
    return query_error(span, f"cannot answer exactly: {reason}",
                       f"use {spell_methods('mc')} (no evidence), {spell_methods('nuts', 'svi')}, "
                       f"or {spell_option('method', 'auto')}")


def infinite_density(span: Span, name: str, value: float) -> CausalPPLError:
    """Point evidence where the variable's density is infinite: no likelihood to weigh by."""
    return query_error(span, f"the density of '{name}' at {value:g} is infinite, so the evidence {name} = {value:g} "
                             "has no likelihood to weigh the rest of the model by",
                       f"condition on a small interval next to it instead: {name} < {value + 1e-3:g} or "
                       f"{name} > {value - 1e-3:g}, on the side where '{name}' takes values")


def no_finite_answer(span: Span, what: str, hint: str | None = None) -> CausalPPLError:
    """An undefined answer (nan, inf): an error, never a number."""
    return query_error(span, f"the answer is undefined: {what}", hint)


def invalid_site(problem: Any, span: Span) -> CausalPPLError:
    """A distribution argument, an observed value or a ``:=`` value that is invalid when the model runs.

    ``problem`` is a :class:`causalppl.backends.site_checks.InvalidSite`; the
    error points at the argument's expression in the model (else at ``span``)
    and names the variable, the argument and the unit (a data row when the
    program ran over data).
    """
    model = problem.model
    variable = model.variable(problem.site) if model is not None and problem.site in model else None
    where = _site_span(variable, problem.what) or span
    units = _units_text(problem)
    if problem.family == ":=":
        message = f"the value of '{problem.site}' is not a finite number {units} (e.g. {problem.example})"
        hint = ("sqrt, log, division and powers need arguments in their domain: guard them "
                "(sqrt(abs(x)), log(1 + exp(x)), if x > 0 then ... else ...)")
    elif problem.observed:
        message = (f"the value of '{problem.site}' is outside the support of {problem.family} "
                   f"(it must be {problem.requirement}) {units} (e.g. {problem.example})")
        hint = f"check the data of '{problem.site}', or choose a family whose support holds it"
    else:
        message = (f"the {problem.what} of '{problem.site}' must be {problem.requirement}, but {problem.family} "
                   f"gets {problem.example} {units}")
        hint = _argument_hint(problem.requirement)
    return query_error(where, message, hint)


def _site_span(variable: Any, what: str) -> Span | None:
    if variable is None:
        return None
    mechanism = getattr(variable.mechanism, "base", variable.mechanism)
    argument = mechanism.argument(what) if hasattr(mechanism, "argument") else None
    if argument is not None:
        return argument.span
    return getattr(mechanism, "span", None) or variable.span


def _units_text(problem: Any) -> str:
    row = getattr(problem, "row", None)
    if row is not None:
        more = f" (and {problem.bad - 1} other rows)" if problem.bad > 1 else ""
        return f"at {row}{more}"
    if problem.unit is None:
        return "for a draw of the model's parameters" if problem.total <= 1 else \
            f"for {problem.bad:,} of {problem.total:,} draws"
    return f"for {problem.bad:,} of {problem.total:,} simulated units"


def _argument_hint(requirement: str) -> str:
    if requirement == "positive":
        return "keep it positive for every value of its parents, e.g. exp(...) or softplus(...); " \
               "a parameter used as a scale needs a positive prior (HalfNormal, Exponential)"
    if requirement == "between 0 and 1":
        return "keep it in [0, 1] for every value of its parents, e.g. sigmoid(...), or use logits=..."
    if requirement.startswith("probabilities"):
        return "keep every probability ≥ 0 for every value of the parents, or write Categorical(logits=[...])"
    return "make the argument valid for every value its parents and parameters can take"


def too_many_units(span: Span, what: str, units: int, needed: int, limit: int, largest: int) -> CausalPPLError:
    """Simulated units that would not fit in memory at once: the size, and what to ask for instead."""
    return query_error(span, f"{what} would hold {units:,} simulated units at once: about {_bytes(needed)} of "
                             f"memory (the limit is {_bytes(limit)})",
                       f"use {spell_option('samples', largest)} or fewer; forward "
                       f"Monte Carlo ({spell_option('method', 'mc')}, for queries without evidence) streams any "
                       "number of samples in batches")


def table_draws_too_large(span: Span, name: str, parents: int, settings: int, draws: int, needed: int,
                          limit: int) -> CausalPPLError:
    """The posterior draws of a nonparametric mechanism's table would not fit in memory."""
    return query_error(span, f"the table of '{name}' has {settings:,} parent settings ({parents} parents): "
                             f"{draws:,} posterior draws of it would take about {_bytes(needed)} of memory (the "
                             f"limit is {_bytes(limit)})",
                       "give the mechanism a parametric form (e.g. Bernoulli(logistic(...)) of its parents), "
                       f"fewer parents, or fewer draws ({spell_option('num_samples')})")


def _bytes(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.1f} {unit}" if unit != "bytes" else f"{int(count)} bytes"
        count /= 1024
    return f"{count:.1f} TiB"


def covariate_without_data(span: Span, name: str) -> CausalPPLError:
    """A query needs the distribution of a covariate, which only data give."""
    return query_error(span, f"'{name}' is a covariate (a root variable with a type and no mechanism): its "
                             "distribution is that of the data rows, and there are no data, so this query, which "
                             f"depends on '{name}', has no answer",
                       f"give data (a data line or --data) with a column '{name}', fix it in the query "
                       f"(do({name} = ...) or evidence {name} = ...), or give it a distribution "
                       f"(e.g. {name} ~ Normal(0, 1))")


def no_covariate_rows(span: Span, events: str, rows: int) -> CausalPPLError:
    """Evidence on covariates that no data row satisfies."""
    return query_error(span, f"no data row satisfies {events} (of {rows} rows): covariates are conditioned on, "
                             "so their evidence selects data rows",
                       "condition on a range that the data cover (e.g. 'Age > 29, Age < 31'), or give the "
                       "covariate a distribution so that it can be modelled")


def no_starting_point(span: Span) -> CausalPPLError:
    """NUTS tried many starting points and the model's log density was not finite at any of them."""
    return query_error(span, "NUTS found no starting point where the model's log density is finite: the data are "
                             "impossible, or overflow, under the model for every parameter value it tried",
                       "look for extreme or mistyped values in the data (1e30 where 1.3 was meant), rescale "
                       "variables to moderate units, or widen the priors")


def rows_not_shardable(span: Span, imputed: Iterable[str]) -> CausalPPLError:
    """Data-parallel SVI asked for a likelihood whose missing cells are latent values (one site per cell)."""
    names = ", ".join(f"'{name}'" for name in imputed)
    return query_error(span, f"the missing cells of {names} are latent values fitted with the parameters, "
                             "which cannot be split over workers that each hold a shard of the rows",
                       f"fit on one machine (without {spell_option('ray_address')}), or leave those rows out "
                       f"({spell_option('missing', 'drop')})")


def condition_not_in_data(span: Span) -> CausalPPLError:
    """An identified conditional query whose condition has probability zero in the data's distribution."""
    return query_error(span, "the query's condition has probability zero in the data",
                       "no row of the data meets the condition, so the conditional answer is undefined; "
                       "check the condition's values against the data")


def positivity_fails(span: Span, stratum: str, undefined: str, support: str | None = None, weight: float | None = None,
                     source: str = "data", bounds: str | None = None, coarsen: Iterable[str] = ()) -> CausalPPLError:
    """An estimand (or the g-formula) that needs the data in a stratum no unit is in: positivity fails.

    ``stratum`` is the empty stratum (``X = 1, Z = 1``), ``undefined`` what is
    undefined there (``P(Y | X = 1, Z = 1)``), ``support`` why it matters
    (``P(Z = 1) = 0.3``: units with the rest of the stratum exist) or else
    ``weight``, the weight the formula gives it; ``source`` "model" when the
    distribution is the model's own rather than the data's; ``bounds`` the
    query to ask for sharp bounds instead (None where bounds do not apply);
    ``coarsen`` the adjusted-for variables of the stratum, which the data might leave out.
    """
    empty = f"no unit has {stratum}" if source == "data" else f"the model gives {stratum} probability zero"
    if support:
        message = f"{empty}, but {support}: {undefined} is undefined (positivity fails)"
    else:
        needs = "" if weight is None else f", and the estimand gives it weight {weight:.3g}"
        message = f"{empty}: {undefined} is undefined{needs} (positivity fails)"
    remedies = [f"collect units with {stratum}" if source == "data"
                else "ask without 'identify' to answer from the model's mechanisms"]
    coarsen = list(coarsen)
    if coarsen and source == "data":
        names = ", ".join(f"'{name}'" for name in coarsen)
        remedies.append(f"adjust for fewer variables (leave {names} out of the data if the query stays identified "
                        "without it)")
    if bounds:
        remedies.append(f"ask for '{bounds}' instead")
    hint = ", ".join(remedies[:-1]) + (", or " if len(remedies) > 1 else "") + remedies[-1]
    if bounds:
        hint += ": sharp bounds need no positivity"
    return query_error(span, message, hint)


def condition_weights_not_identified(span: Span, condition: str, weights: str, hedge: str | None = None) -> CausalPPLError:
    """An identified conditional whose condition admits several values, weighted by an unidentified distribution.

    ``condition`` is the leaf's condition (``W != w0``), ``weights`` the distribution that weighs its values
    (``P(W | do(X))``), ``hedge`` why that is not identified.
    """
    why = f" ({hedge})" if hedge else ""
    return query_error(span, f"the condition {condition} admits several values, and the answer weighs each by "
                             f"{weights}, which is not identified from the observed distribution{why}",
                       "condition on one value at a time (each of those conditionals is identified)")


def bounds_infeasible(span: Span, detail: str) -> CausalPPLError:
    """No model with the graph reproduces the data: the linear program of the bounds has no solution."""
    return query_error(span, f"no model with the graph reproduces the data: the bounds program is infeasible "
                             f"({detail})", "check the data, or the model's graph")

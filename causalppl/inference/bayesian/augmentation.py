"""Dirichlet data augmentation: the posterior of nonparametric tables when some cells are missing.

With every cell observed, each row of a table ``X : T <- A, B`` has an exact
Dirichlet(1 + counts) posterior (:mod:`causalppl.inference.bayesian.conjugate`).
With cells missing at random, the counts are not known, and the posterior is
sampled by the data augmentation algorithm of Tanner and Wong (1987), a Gibbs
sampler with two exact steps:

1. given the tables, the missing cells of each row: the exact conditional of
   the row's missing variables given its observed ones (the product of the
   tables that touch them, normalised), drawn for all rows with the same
   observed values and missing pattern at once (a multinomial of their
   count over the completions);
2. given the completed counts, each table row from its Dirichlet(1 + counts).

Chains run ``num_warmup`` sweeps before keeping ``num_samples`` draws;
R-hat and effective sample sizes are reported as for any sampler.  Known
finite mechanisms of the model (tables, Bernoulli, Categorical, formulas)
take part in step 1 with their own tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from causalppl.backends.factors import NotTabulable, fixed_parameter_values, variable_factor
from causalppl.data import DataCollection
from causalppl.data.distributions import joint_counts
from causalppl.ir.mechanisms import NonparametricMechanism
from causalppl.ir.model import CausalModel, Variable

MAX_COMPLETIONS = 5_000_000  # rows' groups x completions held at once in one sweep


class AugmentationError(ValueError):
    """Missing cells that data augmentation cannot complete (the message says why)."""


@dataclass(frozen=True)
class _Group:
    """Rows with the same missing pattern, observed values and experiment (whole counts)."""

    missing: tuple[str, ...]  # the missing variables, in model order
    settings: tuple[str, ...]  # variables an experiment set in these rows (their tables take no count)
    observed: dict[str, np.ndarray]  # (G,) level positions of every other variable
    counts: np.ndarray  # (G,) whole numbers of rows


def augmented_draws(model: CausalModel, data: DataCollection, chains: int, warmup: int, draws: int,
                    seed: int | None) -> dict[str, torch.Tensor]:
    """Per table, draws of shape (chains, draws, *parent sizes, levels), keyed ``probs_X``."""
    tables = tuple(v for v in model.model_variables if isinstance(v.mechanism, NonparametricMechanism))
    known = _known_tables(model, tables)
    complete = {v.name: _complete_counts(model, v, data) for v in tables}
    groups = _groups(model, data)
    rng = np.random.default_rng(seed)
    kept: dict[str, list[np.ndarray]] = {v.name: [] for v in tables}
    for _ in range(chains):
        current = {v.name: _dirichlet(rng, 1.0 + complete[v.name]) for v in tables}
        chain: dict[str, list[np.ndarray]] = {v.name: [] for v in tables}
        for sweep in range(warmup + draws):
            counts = {name: values.copy() for name, values in complete.items()}
            for group in groups:
                _complete_group(model, group, {**known, **current}, tables, counts, rng)
            current = {name: _dirichlet(rng, 1.0 + counts[name]) for name in counts}
            if sweep >= warmup:
                for name, values in current.items():
                    chain[name].append(values)
        for name in kept:
            kept[name].append(np.stack(chain[name]))
    return {f"probs_{name}": torch.from_numpy(np.stack(values)) for name, values in kept.items()}


# ------------------------------------------------------------------ setup ----


def _known_tables(model: CausalModel, tables: tuple[Variable, ...]) -> dict[str, np.ndarray]:
    """The conditional table of every finite known mechanism (axes: parents in order, then the variable)."""
    unknown = {v.name for v in tables}
    values = fixed_parameter_values(model)
    known = {}
    for variable in model.model_variables:
        if variable.name in unknown:
            continue
        try:
            factor = variable_factor(model, variable, values)
        except NotTabulable as error:
            raise AugmentationError(str(error)) from None
        order = [factor.variables.index(name) for name in (*variable.parents, variable.name)]
        known[variable.name] = factor.table.permute(order).numpy()
    return known


def _complete_counts(model: CausalModel, variable: Variable, data: DataCollection) -> np.ndarray:
    """Counts of ``variable`` and its parents over the rows where all of them are observed."""
    names = tuple(variable.parents) + (variable.name,)
    shape = tuple(model.variable(name).domain.size for name in names)
    total = np.zeros(shape)
    for block in data.blocks:
        if variable.name in block.intervened:
            continue
        missing = [block.missing[name] for name in block.missing if name in _observed_names(model)]
        complete = ~np.logical_or.reduce(missing) if missing else np.ones(block.n_rows, bool)
        total += joint_counts(block.rows(complete), model, names)
    return total


def _observed_names(model: CausalModel) -> tuple[str, ...]:
    return tuple(v.name for v in model.observables)


def _groups(model: CausalModel, data: DataCollection) -> list[_Group]:
    """Rows with a missing cell, grouped by pattern and observed values (rows with none are counted already)."""
    names = _observed_names(model)
    groups: list[_Group] = []
    for block in data.blocks:
        if not block.missing:
            continue
        pattern = np.stack([block.missing.get(name, np.zeros(block.n_rows, bool)) for name in names], axis=1)
        incomplete = pattern.any(axis=1)
        if not incomplete.any():
            continue
        counts = np.round(block.weights)
        if not np.allclose(counts[incomplete], block.weights[incomplete]):
            raise AugmentationError(f"{block.origin}: rows with missing cells must have whole-number counts")
        values = np.stack([np.asarray(block.columns[name], dtype=np.int64) for name in names], axis=1)
        values = np.where(pattern, -1, values)[incomplete]
        keys, inverse = np.unique(np.concatenate([pattern[incomplete].astype(np.int64), values], axis=1),
                                  axis=0, return_inverse=True)
        weights = np.bincount(inverse.reshape(-1), weights=counts[incomplete], minlength=len(keys))
        for bits in np.unique(keys[:, :len(names)], axis=0):
            chosen = np.all(keys[:, :len(names)] == bits, axis=1) & (weights[: len(keys)] > 0)
            missing = tuple(name for name, bit in zip(names, bits) if bit)
            observed = {name: keys[chosen, len(names) + j] for j, name in enumerate(names) if not bits[j]}
            groups.append(_Group(missing, block.intervened, observed, weights[chosen].astype(np.int64)))
    return groups


# ------------------------------------------------------------------ sweep ----


def _complete_group(model: CausalModel, group: _Group, tables: dict[str, np.ndarray],
                    unknown: tuple[Variable, ...], counts: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Draw the completions of one group's rows and add them to the counts of the tables."""
    sizes = [model.variable(name).domain.size for name in group.missing]
    completions = int(np.prod(sizes))
    size = len(group.counts)
    if size * completions > MAX_COMPLETIONS:
        raise AugmentationError(f"rows missing {', '.join(group.missing)} have {completions} possible completions "
                                f"each ({size} distinct rows): too many to enumerate")
    grid = np.indices(sizes).reshape(len(sizes), -1)  # (missing, completions)
    values = {name: np.broadcast_to(observed[:, None], (size, completions))
              for name, observed in group.observed.items()}
    values.update({name: np.broadcast_to(grid[i][None, :], (size, completions))
                   for i, name in enumerate(group.missing)})
    log_p = np.zeros((size, completions))
    touched = set(group.missing)
    for variable in model.model_variables:
        if variable.name in group.settings or not ({variable.name, *variable.parents} & touched):
            continue
        table = tables[variable.name]
        index = tuple(values[name] for name in (*variable.parents, variable.name))
        with np.errstate(divide="ignore"):
            log_p += np.log(table[index])
    log_p -= log_p.max(axis=1, keepdims=True)
    probabilities = np.exp(log_p)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    drawn = rng.multinomial(group.counts, probabilities)  # (G, completions)
    for variable in unknown:
        if variable.name in group.settings:
            continue
        names = (*variable.parents, variable.name)
        index = tuple(values[name].reshape(-1) for name in names)
        np.add.at(counts[variable.name], index, drawn.reshape(-1))


def _dirichlet(rng: np.random.Generator, concentration: np.ndarray) -> np.ndarray:
    gammas = rng.standard_gamma(concentration)
    return gammas / gammas.sum(axis=-1, keepdims=True)


__all__ = ["augmented_draws", "AugmentationError"]

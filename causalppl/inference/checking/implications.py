"""Testing a model's graph against data: its implied independences and instrumental inequalities.

The graph is projected onto the variables the observational data measure
(latent projection); :func:`causalppl.identification.implications.implied_independencies`
lists the missing-edge basis of its conditional independences and its
instrument triples.  Each independence is tested with the test that fits the
variables' types (:mod:`causalppl.statistics.citests`); each instrumental
inequality ``max_x sum_y max_z P(x, y | z) <= 1`` by the posterior
probability, under Dirichlet(counts + 1/2) draws of each ``P(X, Y | z)``,
that it holds (small values contradict the graph).  The p-values are then
adjusted together (Holm by default, or Benjamini-Hochberg) and every claim
rejected at ``alpha`` is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causalppl.data import DataCollection
from causalppl.data.distributions import joint_counts
from causalppl.diagnostics import CausalPPLError, Span
from causalppl.identification.implications import Implications, Instrument, implied_independencies
from causalppl.inference.graphs import observed_admg
from causalppl.inference.observed import CELL_PRIOR
from causalppl.ir.model import CausalModel
from causalppl.statistics.citests import NotTestable, ci_test
from causalppl.statistics.multiple import CORRECTIONS, adjust

IV_DRAWS = 4000
MAX_EXPANDED_ROWS = 10_000_000


@dataclass(frozen=True)
class Claim:
    """One tested implication and its outcome."""

    claim: str
    kind: str  # "independence" or "instrumental inequality"
    method: str
    p_value: float
    adjusted: float = float("nan")
    rejected: bool = False
    statistic: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"claim": self.claim, "kind": self.kind, "test": self.method, "p_value": _finite(self.p_value),
                "adjusted_p_value": _finite(self.adjusted), "rejected": self.rejected,
                "statistic": self.statistic}


@dataclass(frozen=True)
class CheckReport:
    """Every implication tested, with the verdict at ``alpha`` after the correction for multiple tests."""

    model: str
    units: int
    alpha: float
    correction: str
    claims: tuple[Claim, ...]
    untestable: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    predictive: tuple[Any, ...] = field(default=())  # posterior predictive checks (--ppc)
    not_tested: int = 0  # implied independences the data hold no information on (their reasons in ``untestable``)

    @property
    def violations(self) -> tuple[Claim, ...]:
        return tuple(claim for claim in self.claims if claim.rejected)

    @property
    def consistent(self) -> bool:
        """No implication rejected (and no posterior predictive check failed)."""
        return not self.violations and not any(getattr(check, "failed", False) for check in self.predictive)

    def worst(self, count: int = 10) -> tuple[Claim, ...]:
        """The claims with the smallest p-values, rejected ones first."""
        return tuple(sorted(self.claims, key=lambda c: (not c.rejected, c.p_value))[:count])

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "units": self.units, "alpha": self.alpha, "correction": self.correction,
                "consistent": self.consistent, "tests": len(self.claims), "not_tested": self.not_tested,
                "violations": len(self.violations),
                "claims": [claim.to_json() for claim in self.worst(len(self.claims))],
                "untestable": list(self.untestable), "notes": list(self.notes),
                "posterior_predictive": [check.to_json() for check in self.predictive]}


def check_implications(model: CausalModel, data: DataCollection, alpha: float = 0.05,
                       correction: str = "holm", seed: int | None = None) -> CheckReport:
    """Test every implication of the model's graph on the observational rows of ``data``."""
    if correction not in CORRECTIONS:
        raise CausalPPLError.at(Span.unknown("<check>"), f"unknown correction '{correction}'",
                                "use holm, bh or none")
    if not 0 < alpha < 1:
        raise CausalPPLError.at(Span.unknown("<check>"), f"alpha must be between 0 and 1 (got {alpha})")
    blocks = data.observational
    notes = []
    if len(blocks) < len(data.blocks):
        notes.append("rows collected under do(...) follow another graph and are not used by these tests")
    if not blocks:
        raise CausalPPLError.at(Span.unknown("<check>"), "no observational rows to test the model against",
                                "give data collected without intervention")
    observed = frozenset.intersection(*(frozenset(b.columns) & {v.name for v in model.observables} for b in blocks))
    implications = implied_independencies(observed_admg(model, observed))
    columns, levels = _rows(model, blocks, observed)
    claims, not_tested = [], []
    for each in implications.independences:
        try:
            claims.append(_independence(columns, levels, each))
        except NotTestable as reason:
            not_tested.append(f"{each.text()} is not tested: {reason}")
    rng = np.random.default_rng(seed)
    claims += [_instrumental(model, blocks, each, rng) for each in implications.instruments
               if all(levels[name] is not None for name in (each.instrument, each.treatment, each.outcome))]
    adjusted, rejected = adjust([claim.p_value for claim in claims], correction, alpha)
    claims = [Claim(c.claim, c.kind, c.method, c.p_value, float(a), bool(r), c.statistic)
              for c, a, r in zip(claims, adjusted, rejected)]
    covered = {frozenset((i.instrument, i.outcome)) for i in implications.instruments
               if all(levels[name] is not None for name in (i.instrument, i.treatment, i.outcome))}
    untestable = tuple(f"{u} and {v} are not adjacent but no set separates them (a constraint of another kind, "
                       "e.g. a Verma constraint or, for continuous variables, an instrumental one: not tested)"
                       for u, v in implications.untestable if frozenset((u, v)) not in covered)
    if not claims and not not_tested:
        notes.append("the graph implies no testable independence among the observed variables")
    units = len(next(iter(columns.values()))) if columns else 0
    return CheckReport(model.name, units, alpha, correction, tuple(claims), tuple(not_tested) + untestable,
                       tuple(notes), not_tested=len(not_tested))


def _rows(model: CausalModel, blocks, observed: frozenset[str]) -> tuple[dict[str, np.ndarray], dict[str, int | None]]:
    """The observed columns, rows repeated by their counts (tests take unit-level rows)."""
    weights = np.concatenate([block.weights for block in blocks])
    if not np.allclose(weights, np.round(weights)):
        raise CausalPPLError.at(Span.unknown("<check>"), "testing the model needs whole-number counts in the "
                                "'count' column", "give one row per unit, or whole counts")
    repeats = np.round(weights).astype(np.int64)
    if repeats.sum() > MAX_EXPANDED_ROWS:
        raise CausalPPLError.at(Span.unknown("<check>"), f"the data stand for {int(repeats.sum()):,} units, more "
                                f"than the {MAX_EXPANDED_ROWS:,} the tests take", "test a random subset of the rows")
    columns, levels = {}, {}
    for variable in model.observables:
        if variable.name not in observed:
            continue
        values = np.concatenate([np.asarray(block.columns[variable.name]) for block in blocks])
        columns[variable.name] = np.repeat(values, repeats)
        levels[variable.name] = variable.domain.size if variable.domain.is_finite else None
    return columns, levels


def _independence(columns, levels, independence) -> Claim:
    result = ci_test(columns, levels, independence.left, independence.right, independence.given)
    return Claim(independence.text(), "independence", result.method, result.p_value)


def _instrumental(model: CausalModel, blocks, instrument: Instrument, rng: np.random.Generator) -> Claim:
    names = (instrument.instrument, instrument.treatment, instrument.outcome)
    counts = sum(joint_counts(block, model, names) for block in blocks)  # (z, x, y)
    present = counts.sum(axis=(1, 2)) > 0
    counts = counts[present]
    point = counts / counts.sum(axis=(1, 2), keepdims=True)
    statistic = float(point.max(axis=0).sum(axis=-1).max())
    flat = counts.reshape(counts.shape[0], -1) + CELL_PRIOR
    draws = np.stack([rng.dirichlet(row, size=IV_DRAWS) for row in flat], axis=1).reshape((IV_DRAWS,) + counts.shape)
    values = draws.max(axis=1).sum(axis=-1).max(axis=-1)
    holds = float(np.mean(values <= 1.0))
    return Claim(instrument.text(), "instrumental inequality", "posterior probability (Dirichlet)", holds,
                 statistic=statistic)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


__all__ = ["Claim", "CheckReport", "check_implications", "Implications"]

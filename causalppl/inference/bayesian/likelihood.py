"""The Pyro model of the data: the generated program run once over every observed row.

All data blocks are stacked into one ``units`` plate (one likelihood term per
row, weighted by ``count``).  Rows of an ``under do(X)`` block are units of
the do-transformed model: X is set to its recorded value, not generated, so
X's own mechanism is masked out of those rows' likelihood while every other
mechanism -- and every ``<->`` latent class shared by the other variables --
is the one the observational rows use, with the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from pyro.poutine.messenger import Messenger
from pyro.poutine.subsample_messenger import _Subsample

from causalppl.backends import runtime as rt
from causalppl.backends.pyro_codegen import compiled_program
from causalppl.backends.site_checks import sampler_proposals
from causalppl.backends.symbols import site_names
from causalppl.data import DataCollection
from causalppl.data.tensors import (
    ExperimentRows,
    count_unit,
    expand_weighted_rows,
    expanded_rows,
    experiment_rows,
    stacked_columns,
)
from causalppl.inference.devices import running_on
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import Deterministic, NonparametricMechanism, Parametric, TableMechanism
from causalppl.ir.model import CausalModel

#: The most rows a data set may be repeated into for enumeration of discrete latent variables.
MAX_EXPANDED_ROWS = 5_000_000


def global_sites(model: CausalModel) -> tuple[str, ...]:
    """Sites shared by all units: parameters with priors, latent-class weights, nonparametric tables."""
    return site_names(model).global_sites(model)


def has_discrete_latents(model: CausalModel) -> bool:
    """Latent classes of ``<->`` arcs, or finite latent variables with noise of their own."""
    if model.confounders:
        return True
    return any(v.kind == "latent" and v.domain.is_finite and not isinstance(v.mechanism, Deterministic)
               for v in model.model_variables)


@dataclass
class Likelihood:
    """A no-argument Pyro model: priors of the global sites times the likelihood of every row."""

    model: CausalModel
    program: Callable
    columns: dict[str, torch.Tensor]
    n_units: int
    experiments: ExperimentRows | None = None
    subsample_size: int | None = None
    data_only: frozenset[str] = frozenset()  # observed variables read from the data, their factors left out
    row_scale: int = 1  # every row stands for this many units (a common factor of the counts)

    def __call__(self) -> dict[str, torch.Tensor]:
        run = self.program
        if self.experiments is not None and self.experiments.generated:
            run = RecordedSettings(self.experiments, self.columns)(run)
        if self.subsample_size is not None:
            run = RandomRows()(run)
        if self.row_scale != 1:
            run = ScaledRows(float(self.row_scale), site_names(self.model).plate)(run)
        with sampler_proposals():
            return run(n_units=self.n_units, data=self.columns, subsample_size=self.subsample_size)

    def subsampled(self, batch_size: int | None) -> "Likelihood":
        size = None if batch_size is None or batch_size >= self.n_units else batch_size
        return Likelihood(self.model, self.program, self.columns, self.n_units, self.experiments, size,
                          self.data_only, self.row_scale)


def build_likelihood(model: CausalModel, data: DataCollection, device: torch.device,
                     data_only: frozenset[str] = frozenset()) -> Likelihood:
    """The likelihood of ``data`` under ``model``; tensors and program constants live on ``device``.

    With discrete latent variables (summed out by enumeration, which allows
    only one scale for all rows) weighted rows are repeated ``count / unit``
    times, ``unit`` the largest common factor of the counts, and every row
    is scaled by ``unit``: counts of 5,000,000 and 3,000,000 make 8 rows.
    Otherwise ``count`` scales each row.  Rows that would not fit in memory
    are refused before they are made.  Variables in ``data_only`` are read from the data with no site: their
    factors (constant, or updated exactly beside the sampler) are left out.
    """
    with running_on(device):
        program = compiled_program(model, data_only)
    unit = 1
    if has_discrete_latents(model):
        unit = count_unit(data)
        rows = expanded_rows(data, unit)
        if rows > MAX_EXPANDED_ROWS:
            raise ValueError(f"the data's counts stand for {rows * unit:,} units, and this model sums discrete "
                             f"latent variables out per unit, so its rows would be repeated into {rows:,} rows "
                             f"(the limit is {MAX_EXPANDED_ROWS:,}): aggregate the data into rows whose counts "
                             "share a large common factor, or make the latent variables continuous")
        data = expand_weighted_rows(data, unit)
    columns = stacked_columns(data, model, device)
    experiments = experiment_rows(data, device) if data.experimental else None
    return Likelihood(model, program, columns, data.n_rows, experiments, None, frozenset(data_only), unit)


class ScaledRows(Messenger):
    """Every site inside the units plate counts ``scale`` times (a scalar, as enumeration requires)."""

    def __init__(self, scale: float, plate: str) -> None:
        super().__init__()
        self.scale = scale
        self.plate = plate

    def _pyro_sample(self, msg) -> None:
        if any(frame.name == self.plate for frame in msg["cond_indep_stack"]):
            msg["scale"] = msg["scale"] * self.scale


def constant_factors(model: CausalModel) -> frozenset[str]:
    """Observed variables whose factor does not depend on any unknown: a constant of the posterior density.

    A stochastic observed variable (a distribution or a known table) whose
    arguments read only data -- observed variables and fixed parameters that
    read no unknown -- adds the same log-density under every value of the
    unknowns; a sampler can leave it out (``X1 ~ Normal(0, 1)`` beside a
    regression on X1).
    """
    varying = {p.name for p in model.parameters if p.mechanism is not None}
    varying |= {c.name for c in model.confounders}
    for parameter in model.parameters:
        if parameter.mechanism is None and set(rx.parameters_in(parameter.fixed_value)) & varying:
            varying.add(parameter.name)
    constant = set()
    for variable in model.model_variables:
        mechanism = variable.mechanism
        reads = set(variable.parents) | _names_read(mechanism)
        if variable.kind == "latent" or isinstance(mechanism, NonparametricMechanism):
            varying.add(variable.name)
        elif isinstance(mechanism, Deterministic):
            if reads & varying:
                varying.add(variable.name)
        elif isinstance(mechanism, (Parametric, TableMechanism)) and not reads & varying:
            constant.add(variable.name)
    return frozenset(constant)


def _names_read(mechanism) -> set[str]:
    if isinstance(mechanism, Parametric):
        return {name for _, expr in mechanism.arguments for name in rx.variables_in(expr) + rx.parameters_in(expr)}
    if isinstance(mechanism, Deterministic):
        return set(rx.variables_in(mechanism.expr) + rx.parameters_in(mechanism.expr))
    return set()


class RecordedSettings(Messenger):
    """In rows of ``under do(...)`` blocks, set each intervened variable and drop its mechanism.

    The plate's subsample indices are remembered from the ``units`` site so
    that masks and recorded values follow SVI's mini-batches.
    """

    def __init__(self, experiments: ExperimentRows, columns: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.experiments = experiments
        self.columns = columns
        self.units: torch.Tensor | None = None

    def _pyro_post_sample(self, msg) -> None:
        if isinstance(msg["fn"], _Subsample):
            self.units = msg["value"]

    def _pyro_sample(self, msg) -> None:
        generated = self.experiments.generated.get(msg["name"])
        if generated is None:
            return
        mask = generated if self.units is None else generated[self.units]
        msg["mask"] = mask if msg["mask"] is None else msg["mask"] & mask
        if msg["infer"].get("_deterministic"):  # a ':=' variable: its value comes from the formula
            recorded = rt.column(self.columns, msg["name"], self.units).to(msg["value"].dtype)
            msg["value"] = torch.where(mask, msg["value"], recorded)


class RandomRows(Messenger):
    """Mini-batches of rows drawn with replacement.

    Pyro draws a mini-batch as a prefix of a random permutation of all rows,
    which costs more than the rest of a step on a million rows; uniform draws
    with replacement keep the likelihood estimate unbiased (the plate still
    scales by rows / batch size).
    """

    def _pyro_sample(self, msg) -> None:
        if not isinstance(msg["fn"], _Subsample) or msg["value"] is not None:
            return
        size, batch = msg["fn"].size, msg["fn"].subsample_size
        if batch is not None and batch < size:
            msg["value"] = torch.randint(0, size, (batch,))
            msg["done"] = True

"""The Pyro model of the data: the generated program run once over every observed row.

All data blocks are stacked into one ``units`` plate (one likelihood term per
row, weighted by ``count``).  Rows of an ``under do(X)`` block are units of
the do-transformed model: X is set to its recorded value, not generated, so
X's own mechanism is masked out of those rows' likelihood while every other
mechanism -- and every ``<->`` latent class shared by the other variables --
is the one the observational rows use, with the same parameters.

Covariates are read from their columns (conditioned on, never generated).
Missing cells (values missing at random) are handled by the likelihood, not
by leaving rows out (:class:`MissingPlan`): a missing cell of a variable
that no other variable reads drops out (its density integrates to one); a
finite variable that others read is summed out exactly (Pyro's ``obs_mask``,
enumerated); a continuous one that others read becomes a latent value,
sampled with the parameters (one latent per missing cell, with the
mechanism's own density as its prior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

import pyro
import pyro.distributions as dist
import torch
from pyro.distributions import constraints
from pyro.poutine.messenger import Messenger
from pyro.poutine.subsample_messenger import _Subsample

from causalppl.backends import runtime as rt
from causalppl.backends.pyro_codegen import compiled_program
from causalppl.backends.site_checks import NONFINITE_WHEN_INVALID, checked_program, sampler_proposals
from causalppl.backends.symbols import site_names
from causalppl.data import DataCollection
from causalppl.data.tensors import (
    ExperimentRows,
    count_unit,
    expand_weighted_rows,
    expanded_rows,
    experiment_rows,
    observed_masks,
    stacked_columns,
)
from causalppl.diagnostics import spell_option
from causalppl.inference.devices import running_on
from causalppl.ir import expressions as rx
from causalppl.ir.mechanisms import (
    ConstantMechanism,
    Deterministic,
    NonparametricMechanism,
    Parametric,
    TableMechanism,
)
from causalppl.ir.model import CausalModel, Variable

#: The most rows a data set may be repeated into for enumeration of discrete latent variables.
MAX_EXPANDED_ROWS = 5_000_000

#: The support of the latent value that stands for a missing cell, per family of a continuous mechanism.
IMPUTED_SUPPORT = {"Normal": constraints.real, "StudentT": constraints.real, "Cauchy": constraints.real,
                   "Laplace": constraints.real, "LogNormal": constraints.positive, "Gamma": constraints.positive,
                   "Exponential": constraints.positive, "HalfNormal": constraints.positive,
                   "HalfCauchy": constraints.positive, "Beta": constraints.unit_interval}


class MissingValueError(ValueError):
    """Missing cells the likelihood cannot handle (the message says what to do instead)."""


@dataclass(frozen=True)
class MissingPlan:
    """How the likelihood treats the missing cells of each variable that has some."""

    masked: tuple[str, ...] = ()  # no variable reads it: its missing cells drop out
    enumerated: tuple[str, ...] = ()  # finite, read by others: summed out (obs_mask, enumerated)
    imputed: tuple[str, ...] = ()  # continuous, read by others: a latent value per missing cell

    @property
    def any(self) -> bool:
        return bool(self.masked or self.enumerated or self.imputed)


def missing_plan(model: CausalModel, data: DataCollection) -> MissingPlan:
    """The treatment of every observed variable with a missing cell (raises MissingValueError)."""
    masked, enumerated, imputed = [], [], []
    for variable in model.observables:
        if not any(variable.name in block.missing for block in data.blocks):
            continue
        if isinstance(variable.mechanism, (Deterministic, ConstantMechanism)):
            continue  # its column is not read: the formula gives its value
        if not model.children(variable.name):
            masked.append(variable.name)
        elif _enumerable(variable):
            enumerated.append(variable.name)
        elif isinstance(variable.mechanism, Parametric) and variable.mechanism.family in IMPUTED_SUPPORT:
            imputed.append(variable.name)
        else:
            raise MissingValueError(_unsupported(variable))
    return MissingPlan(tuple(masked), tuple(enumerated), tuple(imputed))


def _enumerable(variable: Variable) -> bool:
    mechanism = variable.mechanism
    if isinstance(mechanism, (TableMechanism, NonparametricMechanism)):
        return True
    return isinstance(mechanism, Parametric) and mechanism.family in ("Bernoulli", "Categorical")


def _unsupported(variable: Variable) -> str:
    kind = variable.mechanism.family if isinstance(variable.mechanism, Parametric) else "its mechanism"
    return (f"'{variable.name}' ({kind}) has missing values and other variables read it: its missing cells can "
            "be neither summed out (it is not finite) nor sampled as continuous values; leave those rows out "
            f"({spell_option('missing', 'drop')}) or give it a finite type or a continuous distribution")


@dataclass(frozen=True)
class Imputed:
    """The missing cells of one continuous column: their rows, and the support of their latent values."""

    rows: torch.Tensor  # indices of the missing cells
    support: constraints.Constraint

    def site(self, name: str) -> str:
        return f"{name}:missing"


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
    masked: dict[str, torch.Tensor] = field(default_factory=dict)  # observed cells of variables nothing reads
    imputed: dict[str, Imputed] = field(default_factory=dict)
    enumerated: frozenset[str] = frozenset()  # observed variables whose missing cells are summed out (obs_mask)
    held_rows: int | None = None  # the columns hold only this many of the rows (a shard); None: all of them
    observed_checked: bool = field(default=False, compare=False)  # the observed values passed the site checks
    checks: bool = field(default=True, compare=False)  # run the program under the site checks (see checked_on_failure)
    _validated_steps: bool | None = field(default=None, compare=False, repr=False)  # see validated_steps

    def __call__(self) -> dict[str, torch.Tensor]:
        columns = self._completed() if self.imputed else self.columns
        # Handlers that change values or masks go inside the site checks, so that the checks see what the
        # likelihood sees (never a missing cell's placeholder, never a recorded setting's generated value).
        unchecked = getattr(self.program, "unchecked", None)
        fast = unchecked is not None and not self.checks
        run = self.program if unchecked is None else unchecked
        if self.experiments is not None and self.experiments.generated:
            run = RecordedSettings(self.experiments, columns)(run)
        if self.masked:
            run = MissingCells(self.masked)(run)
        if unchecked is not None and not fast:
            run = self.program if run is unchecked else checked_program(run, self.model)
        if self.subsample_size is not None:
            run = RandomRows(self.held_rows)(run)
        if self.row_scale != 1:
            run = ScaledRows(float(self.row_scale), site_names(self.model).plate)(run)
        if fast:  # see checked_on_failure: a failure must raise or make the potential non-finite
            if not self.validated_steps or dist.is_validation_enabled():  # Pyro's MCMC turns validation off
                return run(n_units=self.n_units, data=columns, subsample_size=self.subsample_size)
            with pyro.validation_enabled(True):  # torch's own validation raises on an invalid argument
                return run(n_units=self.n_units, data=columns, subsample_size=self.subsample_size)
        with sampler_proposals(check_observed=not self.observed_checked):
            result = run(n_units=self.n_units, data=columns, subsample_size=self.subsample_size)
        self.observed_checked = self.subsample_size is None  # every row was seen (mini-batches see a few)
        return result

    def checked_on_failure(self, potential: Callable[[dict], torch.Tensor]) -> Callable[[dict], torch.Tensor]:
        """``potential`` (a sampler's potential energy of this likelihood) with the site checks on its slow path.

        Each evaluation first runs the program unchecked.  Where every
        argument that changes between evaluations is one whose invalid values
        make the density non-finite (:attr:`validated_steps` is False: a
        Normal's loc and scale, a Bernoulli's logits, ...; arguments that read
        only data were checked on the first evaluations), it runs as a
        hand-written Pyro program runs under Pyro's MCMC, without torch's
        argument validation (MCMC turns it off); otherwise torch's validation
        is on, so that an invalid argument raises.  Only when that raises, or
        the potential comes out non-finite, is the same evaluation run again
        under the site checks, which name the variable,
        argument and data row of an invalid argument (raising
        :class:`~causalppl.backends.site_checks.InvalidSite`), or return the
        potential when the failure was a proposal the sampler must reject (a
        scale that underflowed to 0, an overflow to ±inf).  A ``:=`` value
        that no density reads does not enter the potential and is not
        checked here (queries check it when they compute it).  The first
        evaluations, where the observed rows are checked, must be run
        before: this wrapper is for a sampler's steps.
        """
        def evaluate(params: dict) -> torch.Tensor:
            self.checks = False
            try:
                value = potential(params)
            except Exception:  # noqa: BLE001 - re-run under the checks, which raise the located error or the same one
                value = None
            finally:
                self.checks = True
            if value is None or not math.isfinite(value.item()):  # a scalar: one read, no tensor ops
                value = potential(params)
            return value
        return evaluate

    @property
    def validated_steps(self) -> bool:
        """Unchecked evaluations need torch's argument validation to fail on an invalid argument.

        False when every argument that can change between a sampler's
        evaluations makes the density non-finite whenever it is invalid
        (:data:`~causalppl.backends.site_checks.NONFINITE_WHEN_INVALID`): the
        test of finiteness in :meth:`checked_on_failure` then catches every
        invalid argument, and the steps need not pay for torch's validation.
        True (validation on, as before) for any other varying argument, for
        unknown tables and ``<->`` latent classes, and with missing cells
        (their latent values and masks are not analysed here).
        """
        if self._validated_steps is None:
            missing = bool(self.masked or self.imputed or self.enumerated)
            self._validated_steps = missing or needs_argument_validation(self.model, self.data_only)
        return self._validated_steps

    def _completed(self) -> dict[str, torch.Tensor]:
        """The columns with every missing continuous cell filled by its latent value (sampled here)."""
        columns = dict(self.columns)
        for name, cells in self.imputed.items():
            values = pyro.sample(cells.site(name), Flat(cells.support, cells.rows.numel()))
            columns[name] = columns[name].index_put((cells.rows,), values.to(columns[name].dtype))
        return columns

    def subsampled(self, batch_size: int | None) -> "Likelihood":
        size = None if batch_size is None or batch_size >= self.n_units else batch_size
        return replace(self, subsample_size=size, observed_checked=False)


def build_likelihood(model: CausalModel, data: DataCollection, device: torch.device,
                     data_only: frozenset[str] = frozenset()) -> Likelihood:
    """The likelihood of ``data`` under ``model``; tensors and program constants live on ``device``.

    With discrete latent variables (summed out by enumeration, which allows
    only one scale for all rows) weighted rows are repeated ``count / unit``
    times, ``unit`` the largest common factor of the counts, and every row
    is scaled by ``unit``: counts of 5,000,000 and 3,000,000 make 8 rows.
    Otherwise ``count`` scales each row.  Rows that would not fit in memory
    are refused before they are made.  Raises :class:`MissingValueError`
    for missing cells it cannot handle.  Variables in ``data_only`` are read from the data with no site: their
    factors (constant, or updated exactly beside the sampler) are left out.
    """
    plan = missing_plan(model, data) if data.has_missing else MissingPlan()
    with running_on(device):
        program = compiled_program(model, data_only, frozenset(plan.enumerated))
    unit = 1
    if has_discrete_latents(model) or plan.enumerated:
        unit = count_unit(data)
        rows = expanded_rows(data, unit)
        if rows > MAX_EXPANDED_ROWS:
            raise ValueError(f"the data's counts stand for {rows * unit:,} units, and this model sums discrete "
                             f"latent variables out per unit, so its rows would be repeated into {rows:,} rows "
                             f"(the limit is {MAX_EXPANDED_ROWS:,}): aggregate the data into rows whose counts "
                             "share a large common factor, or make the latent variables continuous")
        data = expand_weighted_rows(data, unit)
    columns = stacked_columns(data, model, device)
    masks = observed_masks(data, model, plan.masked + plan.enumerated + plan.imputed, device) if plan.any else {}
    columns.update({rt.OBSERVED + name: masks[name] for name in plan.enumerated})
    imputed = {name: Imputed(torch.nonzero(~masks[name]).squeeze(-1),
                             IMPUTED_SUPPORT[model.variable(name).mechanism.family]) for name in plan.imputed}
    experiments = experiment_rows(data, device) if data.experimental else None
    return Likelihood(model, program, columns, data.n_rows, experiments, None, frozenset(data_only), unit,
                      {name: masks[name] for name in plan.masked}, imputed, frozenset(plan.enumerated))


class Flat(dist.ImproperUniform):
    """An improper flat density over ``support`` (its values get their density from the model's sites).

    Unlike ``ImproperUniform`` it can be sampled: a draw is a feasible point
    (what initialisation and tracing need), never a draw from a law.
    """

    def __init__(self, support: constraints.Constraint, size: int) -> None:
        super().__init__(support, torch.Size(), torch.Size([size]))

    def sample(self, sample_shape=torch.Size()) -> torch.Tensor:
        zeros = torch.zeros(torch.Size(sample_shape) + self.event_shape)
        return dist.transforms.biject_to(self.support)(zeros)


class ScaledRows(Messenger):
    """Every site inside the units plate counts ``scale`` times (a scalar, as enumeration requires)."""

    def __init__(self, scale: float, plate: str) -> None:
        super().__init__()
        self.scale = scale
        self.plate = plate

    def _pyro_sample(self, msg) -> None:
        if any(frame.name == self.plate for frame in msg["cond_indep_stack"]):
            msg["scale"] = msg["scale"] * self.scale


def needs_argument_validation(model: CausalModel, data_only: frozenset[str] = frozenset()) -> bool:
    """Some site's argument can change between evaluations and be invalid with a finite density.

    An argument that reads an unknown (a parameter with a prior, a latent
    variable, or a ``:=`` of them) is varying; one that reads only data and
    constants is the same at every evaluation and is checked once.  A varying
    argument not in :data:`NONFINITE_WHEN_INVALID` (a Bernoulli's probs, a
    Poisson's rate, ...) needs torch's validation on the sampler's unchecked
    steps.  Unknown tables and latent classes are counted as needing it.
    Variables in ``data_only`` have no site.
    """
    if model.confounders:
        return True
    varying = _varying(model)
    for variable in model.variables:
        mechanism = variable.mechanism
        if variable.name in data_only:
            continue
        if isinstance(mechanism, NonparametricMechanism):
            return True
        if isinstance(mechanism, Parametric):
            safe = NONFINITE_WHEN_INVALID.get(mechanism.family, frozenset())
            for name, expr in mechanism.arguments:
                if name not in safe and set(rx.variables_in(expr) + rx.parameters_in(expr)) & varying:
                    return True
    return False


def _varying(model: CausalModel) -> set[str]:
    """Names whose values can change between a sampler's evaluations: unknowns and what reads them."""
    varying = {p.name for p in model.parameters if p.mechanism is not None}
    varying |= {c.name for c in model.confounders}
    for parameter in model.parameters:
        if parameter.mechanism is None and set(rx.parameters_in(parameter.fixed_value)) & varying:
            varying.add(parameter.name)
    for variable in model.model_variables:
        mechanism = variable.mechanism
        if variable.kind == "latent" or isinstance(mechanism, NonparametricMechanism):
            varying.add(variable.name)
        elif isinstance(mechanism, Deterministic) and (set(variable.parents) | _names_read(mechanism)) & varying:
            varying.add(variable.name)
    return varying


def constant_factors(model: CausalModel) -> frozenset[str]:
    """Observed variables whose factor does not depend on any unknown: a constant of the posterior density.

    A stochastic observed variable (a distribution or a known table) whose
    arguments read only data -- observed variables and fixed parameters that
    read no unknown -- adds the same log-density under every value of the
    unknowns; a sampler can leave it out (``X1 ~ Normal(0, 1)`` beside a
    regression on X1).
    """
    varying = _varying(model)
    return frozenset(variable.name for variable in model.model_variables
                     if isinstance(variable.mechanism, (Parametric, TableMechanism))
                     and variable.name not in varying
                     and not (set(variable.parents) | _names_read(variable.mechanism)) & varying)


def _names_read(mechanism) -> set[str]:
    if isinstance(mechanism, Parametric):
        return {name for _, expr in mechanism.arguments for name in rx.variables_in(expr) + rx.parameters_in(expr)}
    if isinstance(mechanism, Deterministic):
        return set(rx.variables_in(mechanism.expr) + rx.parameters_in(mechanism.expr))
    return set()


class _UnitsMessenger(Messenger):
    """Remembers the plate's subsample indices, so per-row masks follow mini-batches."""

    def __init__(self) -> None:
        super().__init__()
        self.units: torch.Tensor | None = None

    def _pyro_post_sample(self, msg) -> None:
        if isinstance(msg["fn"], _Subsample):
            self.units = msg["value"]

    def rows_of(self, mask: torch.Tensor) -> torch.Tensor:
        return mask if self.units is None else mask[self.units]


class MissingCells(_UnitsMessenger):
    """The missing cells of variables that nothing reads drop out of the likelihood (masked).

    The value in a missing cell is replaced by a feasible point of the site's
    support, so that its (masked) density is finite.
    """

    def __init__(self, observed: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.observed = observed

    def _pyro_sample(self, msg) -> None:
        mask = self.observed.get(msg["name"])
        if mask is None or msg["value"] is None:
            return
        mask = self.rows_of(mask)
        msg["mask"] = mask if msg["mask"] is None else msg["mask"] & mask
        msg["value"] = torch.where(mask, msg["value"], _feasible(msg["fn"], msg["value"]))


def _feasible(fn, like: torch.Tensor) -> torch.Tensor:
    support = fn.support
    if support.is_discrete:
        return torch.zeros_like(like)
    point = dist.transforms.biject_to(support)(torch.zeros(fn.batch_shape + fn.event_shape, dtype=like.dtype))
    return point.detach()


class RecordedSettings(_UnitsMessenger):
    """In rows of ``under do(...)`` blocks, set each intervened variable and drop its mechanism.

    The plate's subsample indices are remembered from the ``units`` site so
    that masks and recorded values follow SVI's mini-batches.
    """

    def __init__(self, experiments: ExperimentRows, columns: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.experiments = experiments
        self.columns = columns

    def _pyro_sample(self, msg) -> None:
        generated = self.experiments.generated.get(msg["name"])
        if generated is None:
            return
        mask = self.rows_of(generated)
        msg["mask"] = mask if msg["mask"] is None else msg["mask"] & mask
        if msg["infer"].get("_deterministic"):  # a ':=' variable: its value comes from the formula
            recorded = rt.column(self.columns, msg["name"], self.units).to(msg["value"].dtype)
            msg["value"] = torch.where(mask, msg["value"], recorded)


class RandomRows(Messenger):
    """Mini-batches of rows drawn with replacement.

    Pyro draws a mini-batch as a prefix of a random permutation of all rows,
    which costs more than the rest of a step on a million rows; uniform draws
    with replacement keep the likelihood estimate unbiased (the plate still
    scales by rows / batch size).  With ``held`` (a shard holding that many of
    the plate's rows) the batch is drawn from the shard's rows, and is the
    whole shard when it asks for as many rows as the shard holds.
    """

    def __init__(self, held: int | None = None) -> None:
        super().__init__()
        self.held = held

    def _pyro_sample(self, msg) -> None:
        if not isinstance(msg["fn"], _Subsample) or msg["value"] is not None:
            return
        size, batch = msg["fn"].size, msg["fn"].subsample_size
        rows = size if self.held is None else self.held
        if batch is None or batch >= size:
            return
        msg["value"] = torch.arange(rows) if batch >= rows else torch.randint(0, rows, (batch,))
        msg["done"] = True

"""IR → a readable, standalone Pyro (or NumPyro) program (Python source) and its callable.

The generated module defines ``model(n_units=1, data=None, subsample_size=None)``:
parameters are sampled once, outside the ``units`` plate; every variable is a
``pyro.sample`` (or ``pyro.deterministic``) site inside it.  Nonparametric
mechanisms become Dirichlet(1) conditional tables; a ``<->`` arc between
finite nonparametric variables becomes a shared latent class.  A covariate
(a root ``int``/``real`` variable without a mechanism) is read from
``data``, never generated.  The likelihood of data with missing cells asks
for a variant (``masked``) whose named sites observe through the PPL's
``obs_mask``, so that their missing cells are summed out.  Tables and
parameters fixed to constants are module constants, built once per load.

The same writer emits the NumPyro program (:data:`NUMPYRO`, shown by
``causalppl compile --backend numpyro``): only the imports, the array module
and the runtime helpers differ.  Identifiers come from one
:class:`~causalppl.backends.symbols.Symbols` table, site names from
:func:`~causalppl.backends.symbols.site_names`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from causalppl.backends.expr_source import ExpressionWriter, number
from causalppl.backends.symbols import Symbols, quoted, site_names
from causalppl.diagnostics import Span
from causalppl.ir import expressions as rx
from causalppl.ir.families import FAMILIES
from causalppl.ir.mechanisms import (
    ConstantMechanism,
    Covariate,
    Deterministic,
    NonparametricMechanism,
    Parametric,
    TableMechanism,
)
from causalppl.ir.model import CausalModel, Confounder, Variable

LATENT_CLASSES = 4  # states of the latent class that stands for a `<->` arc
UNITS_PLATE = "units"  # the plate over units (data rows), unless a model variable has that name
FLOAT_SUPPORTS = frozenset({"real", "positive", "unit", "simplex"})  # families whose draws are float arrays


class CodegenError(ValueError):
    """The model uses something the backend cannot express; the message says what to write instead, ``span``
    where in the model (a user error: the API and the engines report it there)."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.span = span


@dataclass(frozen=True)
class Dialect:
    """What differs between the Pyro and the NumPyro program."""

    title: str  # "Pyro" or "NumPyro"
    imports: tuple[str, ...]
    ppl: str  # the module of sample / deterministic / plate
    array: str  # the array module (ones)
    command: str  # how to regenerate the program
    counts: str | None = None  # the runtime function that makes a count argument (total_count) whole, if needed


PYRO = Dialect("Pyro", ("import torch", "import pyro", "import pyro.distributions as dist", "",
                        "from causalppl.backends import runtime as rt"), "pyro", "torch", "causalppl compile")
NUMPYRO = Dialect("NumPyro", ("import jax.numpy as jnp", "import numpyro", "import numpyro.distributions as dist", "",
                              "from causalppl.backends import numpyro_runtime as rt"), "numpyro", "jnp",
                  "causalppl compile --backend numpyro", "rt.whole")  # (JAX's Binomial sampler indexes by it)


@dataclass(frozen=True)
class GeneratedProgram:
    source: str
    model_name: str

    def load(self) -> Callable:
        """Execute the generated module and return its ``model`` function."""
        namespace: dict = {"__name__": f"causalppl_generated_{self.model_name}"}
        exec(compile(self.source, f"<causalppl:{self.model_name}>", "exec"), namespace)  # noqa: S102 - our own code
        return namespace["model"]


def compiled_program(model: CausalModel, data_only: frozenset[str] = frozenset(),
                     masked: frozenset[str] = frozenset()) -> Callable:
    """The model's generated ``model`` function, compiled once per model (and default device and dtype: its
    module constants are created when it loads).

    ``data_only`` names observed variables read straight from the data, without a site (see :func:`generate`).
    It runs with its sites checked (:mod:`causalppl.backends.site_checks`): an invalid argument or value raises
    ``InvalidSite`` naming the variable.
    """
    import torch  # not at module level: `causalppl compile` generates source without loading torch

    return _compiled(model, str(torch.get_default_device()), torch.get_default_dtype(), frozenset(data_only),
                     frozenset(masked))


@lru_cache(maxsize=128)
def _compiled(model: CausalModel, device: str, dtype: torch.dtype, data_only: frozenset[str],
              masked: frozenset[str]) -> Callable:
    from causalppl.backends.site_checks import checked_program  # torch and pyro: not for `causalppl compile`

    return checked_program(generate(model, data_only=data_only, masked=masked).load(), model)


def generate(model: CausalModel, dialect: Dialect = PYRO, data_only: frozenset[str] = frozenset(),
             masked: frozenset[str] = frozenset()) -> GeneratedProgram:
    """The program of ``model`` in ``dialect``.

    Variables in ``data_only`` (observed ones) are read from ``data`` without a site and, when nonparametric,
    without their Dirichlet table: the likelihood program of a sampler that leaves their factors -- constant,
    or updated exactly beside it -- out of its density.
    """
    writer = _Writer(model, dialect, frozenset(data_only), frozenset(masked))
    function = "\n".join(writer.model_function())
    preamble = "\n".join(writer.header() + writer.constants).rstrip("\n")
    return GeneratedProgram(f"{preamble}\n\n\n{function}\n", model.name)


# ---------------------------------------------------------------- writer ----


class _Writer:
    """One program: its symbols, its module constants and the lines of ``model``."""

    def __init__(self, model: CausalModel, dialect: Dialect, data_only: frozenset[str] = frozenset(),
                 masked: frozenset[str] = frozenset()) -> None:
        self.model = model
        self.dialect = dialect
        self.data_only = data_only
        self.masked = masked  # observed variables with missing cells: their sites take obs_mask
        self.symbols = Symbols.of(model)
        self.sites = site_names(model)
        self.expressions = ExpressionWriter(self._local, self.symbols.temporary, _float_parameters(model))
        self.constants: list[str] = []

    def _local(self, name: str) -> str:
        return self.symbols.local(name)

    def _expression(self, expr: rx.Expr, lines: list[str]) -> str:
        """The source of ``expr``; temporaries it needs are appended to ``lines`` first."""
        text = self.expressions.emit(expr)
        lines += self.expressions.take_statements()
        return text

    # ----------------------------------------------------------- sections ----

    def header(self) -> list[str]:
        model = self.model
        surgery = ""
        if model.interventions:
            assignments = ", ".join(f"{name} = {_value_text(model, name, value)}" for name, value in model.interventions)
            surgery = f"\nTransformed by do({assignments}): those mechanisms are constants.\n"
        return [
            f'"""{self.dialect.title} program for the causal model {model.name}, generated by causalppl.',
            surgery,
            f'Regenerate it with `{self.dialect.command}`; edits here are not read back."""',
            "",
            *self.dialect.imports,
            "",
        ]

    def model_function(self) -> list[str]:
        model, ppl = self.model, self.dialect.ppl
        body = ["def model(n_units=1, data=None, subsample_size=None):",
                f'    """One draw of {model.name} for `n_units` units; `data` maps names to observed columns."""']
        for variable in model.model_variables:
            if isinstance(variable.mechanism, TableMechanism):
                self._table_constant(variable, variable.mechanism)
        for parameter in model.parameters:
            body += ["    " + line for line in self.parameter_lines(parameter)]
        body += ["    " + line for line in self._nonparametric_priors()]
        body.append(f'    with {ppl}.plate({quoted(self.sites.plate)}, n_units, subsample_size=subsample_size) as units, '
                    "rt.row_weights(data, units):")
        for confounder in model.confounders:
            body += ["        " + line for line in self._confounder_site(confounder)]
        for variable in model.model_variables:
            body += ["        " + line for line in self._variable_site(variable)]
        names = ", ".join(f"{quoted(v.name)}: {self._local(v.name)}" for v in model.variables)
        body.append(f"    return {{{names}}}")
        return body

    def _table_constant(self, variable: Variable, table: TableMechanism) -> None:
        shape = table.parent_sizes + (variable.domain.size,)
        parents = ", ".join(table.parents) or "no parents"
        rows = ",\n    ".join("[" + ", ".join(repr(float(p)) for p in row) + "]" for row in table.rows)
        self.constants += [
            f"# P({variable.name} | {parents}): one row per parent configuration, first parent slowest.",
            f"{self.symbols.helper('TABLE', variable.name)} = rt.table([\n    {rows},\n]).reshape({tuple(shape)!r})",
            "",
        ]

    # --------------------------------------------------------- parameters ----

    def parameter_lines(self, parameter: Variable) -> list[str]:
        """``b = pyro.sample("b", prior)`` (outside the plate); a fixed value becomes a module constant."""
        name = self._local(parameter.name)
        lines: list[str] = []
        if parameter.mechanism is None:
            if not rx.variables_in(parameter.fixed_value) and not rx.parameters_in(parameter.fixed_value):
                value = self._expression(parameter.fixed_value, self.constants)
                self.constants += [f"# param {parameter.name}: a fixed value.", f"{name} = rt.tensor({value})", ""]
                return []
            value = self._expression(parameter.fixed_value, lines)
            return lines + [f"{name} = rt.tensor({value})"]
        distribution = self.distribution_source(parameter.mechanism, lines)
        if parameter.size is not None and parameter.mechanism.family != "Dirichlet":
            distribution += f".expand([{parameter.size}]).to_event(1)"
        return lines + [f"{name} = {self.dialect.ppl}.sample({quoted(parameter.name)}, {distribution})"]

    def distribution_source(self, mechanism: Parametric, lines: list[str]) -> str:
        """``dist.Family(arg=..., ...)`` for a parametric mechanism.

        A bare variable as an argument goes through ``rt.tensor``: a finite
        variable's values are level positions in an integer array, which no
        continuous family samples from.
        """
        arguments = ", ".join(f"{arg}={self._count(arg, self._argument(expr, lines))}"
                              for arg, expr in mechanism.arguments)
        return f"dist.{mechanism.family}({arguments})"

    def _count(self, argument: str, source: str) -> str:
        return f"{self.dialect.counts}({source})" if argument == "total_count" and self.dialect.counts else source

    def _argument(self, expr: rx.Expr, lines: list[str]) -> str:
        source = self._expression(expr, lines)
        return f"rt.tensor({source})" if isinstance(expr, rx.VarRef) else source

    # ----------------------------------------------- nonparametric parts ----

    def _nonparametric_priors(self) -> list[str]:
        lines: list[str] = []
        for confounder in self.model.confounders:
            lines += self._confounder_prior(confounder)
        for variable in self.model.model_variables:
            if isinstance(variable.mechanism, NonparametricMechanism) and variable.name not in self.data_only:
                lines += self._response_table_prior(variable)
        return lines

    def _confounder_prior(self, confounder: Confounder) -> list[str]:
        for endpoint in (confounder.a, confounder.b):
            variable = self.model.variable(endpoint)
            if not (isinstance(variable.mechanism, NonparametricMechanism) and variable.domain.is_finite):
                raise CodegenError(
                    f"'{confounder.a} <-> {confounder.b}' touches '{endpoint}', whose mechanism is not a finite "
                    "nonparametric one; write the common cause explicitly (latent U ~ Normal(0, 1)) and use U in "
                    "both mechanisms", confounder.span
                )
        weights = self.symbols.helper("weights", confounder.name)
        return [f"# {confounder.a} <-> {confounder.b}: a shared latent class with {LATENT_CLASSES} states.",
                f"{weights} = {self.dialect.ppl}.sample({quoted(self.sites.weights[confounder.name])}, "
                f"dist.Dirichlet({self.dialect.array}.ones({LATENT_CLASSES})))"]

    def _response_table_prior(self, variable: Variable) -> list[str]:
        model = self.model
        if not variable.domain.is_finite:
            raise CodegenError(f"'{variable.name}' is {variable.domain.describe()} with an unknown mechanism; the "
                               "generated program needs a finite type or a distribution (e.g. ~ Normal(...))",
                               variable.span)
        for parent in variable.parents:
            if not model.variable(parent).domain.is_finite:
                raise CodegenError(f"'{variable.name}' has an unknown mechanism of the "
                                   f"{model.variable(parent).domain.describe()} parent '{parent}'; a Dirichlet table "
                                   f"needs finite parents: write a distribution (e.g. {variable.name} ~ "
                                   f"Bernoulli(logits = ...)) or give '{parent}' a finite type", variable.span)
        sizes = [LATENT_CLASSES] * len(_confounders_of(model, variable.name))
        sizes += [model.variable(parent).domain.size for parent in variable.parents]
        shape = ", ".join(map(str, sizes + [variable.domain.size]))
        to_event = f".to_event({len(sizes)})" if sizes else ""
        probs = self.symbols.helper("probs", variable.name)
        return [f"# {variable.name}: unknown mechanism, a Dirichlet(1) table over its parents' values.",
                f"{probs} = {self.dialect.ppl}.sample({quoted(self.sites.probs[variable.name])}, "
                f"dist.Dirichlet({self.dialect.array}.ones(({shape},))){to_event})"]

    def _confounder_site(self, confounder: Confounder) -> list[str]:
        weights = self.symbols.helper("weights", confounder.name)
        return [f"{self.symbols.helper(confounder.name)} = {self.dialect.ppl}.sample({quoted(self.sites.classes[confounder.name])}, "
                f"dist.Categorical(probs={weights}))"]

    # ---------------------------------------------------------- variables ----

    def _variable_site(self, variable: Variable) -> list[str]:
        model, ppl = self.model, self.dialect.ppl
        name, site = self._local(variable.name), quoted(variable.name)
        observed = "" if variable.kind == "latent" else f", obs=rt.column(data, {site}, units)"
        if observed and variable.name in self.masked:
            observed += f", obs_mask=rt.observed(data, {site}, units)"
        mechanism = variable.mechanism
        lines: list[str] = []
        if isinstance(mechanism, Covariate):
            return [f"# {variable.name}: a covariate, conditioned on: read from the data, never generated.",
                    f"{name} = rt.covariate(data, {site}, units)"]
        if variable.name in self.data_only:
            return [f"{name} = rt.column(data, {site}, units)  # observed; its factor is left out of this density"]
        if isinstance(mechanism, ConstantMechanism):
            value = _value_text(model, variable.name, mechanism.value)
            return [f"# do({variable.name} = {value}): the mechanism is replaced by a constant.",
                    f"{name} = {ppl}.deterministic({site}, rt.constant({number(mechanism.value)}, len(units)))"]
        if isinstance(mechanism, Deterministic):
            value = self._expression(mechanism.expr, lines)
            return lines + [f"{name} = {ppl}.deterministic({site}, rt.per_unit({value}, len(units)))"]
        if isinstance(mechanism, TableMechanism):
            parents = "".join(", " + self._local(p) for p in mechanism.parents)
            table = f"rt.lookup({self.symbols.helper('TABLE', variable.name)}{parents})"
            return [f"{name} = {ppl}.sample({site}, dist.Categorical(probs={table}){observed})"]
        if isinstance(mechanism, NonparametricMechanism):
            indices = [self.symbols.helper(c.name) for c in _confounders_of(model, variable.name)]
            indices += [self._local(p) for p in mechanism.parents]
            table = f"rt.lookup({self.symbols.helper('probs', variable.name)}{''.join(', ' + i for i in indices)})"
            return [f"{name} = {ppl}.sample({site}, dist.Categorical(probs={table}){observed})"]
        distribution = self.distribution_source(mechanism, lines)
        return lines + [f"{name} = {ppl}.sample({site}, {distribution}{observed})"]


# --------------------------------------------------------------- helpers ----


def _value_text(model: CausalModel, name: str, value: float) -> str:
    domain = model.variable(name).domain
    if domain.kind == "levels":
        return domain.levels[int(value)]
    return number(value).removesuffix(".0") if float(value).is_integer() else number(value)


def _float_parameters(model: CausalModel) -> frozenset[str]:
    """Parameters whose values are floating-point arrays: fixed (``rt.tensor``) or with a continuous prior."""
    return frozenset(p.name for p in model.parameters
                     if p.mechanism is None or (isinstance(p.mechanism, Parametric) and p.mechanism.family in FAMILIES
                                                and FAMILIES[p.mechanism.family].support in FLOAT_SUPPORTS))


def _confounders_of(model: CausalModel, name: str) -> list[Confounder]:
    return [c for c in model.confounders if c.touches([name])]


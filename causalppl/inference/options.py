"""Query options, typed and validated once: the one table of option names, types, ranges and defaults.

Python callers pass keywords (``m.query(text, samples=2000, num_chains=2)``),
the command line passes flags (``--samples 2000 --chains 2``); both become an
:class:`Options` through :func:`parse_options`, which refuses unknown names
(with a suggestion) and out-of-range values (naming the option as the caller
wrote it).  Per-method settings are grouped (:class:`NutsOptions`,
:class:`SviOptions`, :class:`PosteriorOptions`, :class:`BoundsOptions`).

>>> options = parse_options({"samples": 500, "num_chains": 2})
>>> options.samples, options.nuts.chains, options.method
(500, 2, 'auto')
>>> parse_options({"sampels": 5})
Traceback (most recent call last):
...
causalppl.diagnostics.CausalPPLError: <options>: error: unknown option 'sampels' (did you mean 'samples'?)
    hint: the options are: method, samples, seed, device, backend, quiet, draws, num_chains, num_warmup, num_samples, \
jit_compile, target_accept, max_tree_depth, num_steps, lr, guide, batch_size, conjugate, query_draws, \
units_per_draw, save_trace, plot, sampler, prior, time_limit, estimator, workers, ray_address, chunk_size, \
draws_per_row, missing
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from causalppl.data.loading import MISSING_MODES
from causalppl.diagnostics import CausalPPLError, Span, did_you_mean, printable, spell_option
from causalppl.files import output_problem

#: Every method a caller can ask for; ``auto`` lets the planner choose (docs/inference.md).
METHODS = ("auto", "exact", "mc", "nuts", "svi", "identification", "bounds")
DEVICES = ("cpu", "cuda")
GUIDES = ("normal", "mvn")
GUIDE_ALIASES = {"autonormal": "normal", "automultivariatenormal": "mvn", "multivariate": "mvn"}
BOUNDS_SAMPLERS = ("gibbs", "nuts")
#: Estimators of identified queries on unit-level data (docs/identification-and-bounds.md); auto: the planner's.
ESTIMATORS = ("auto", "gformula", "aipw", "plugin")
BACKENDS = ("pyro", "numpyro")  # the program NUTS and SVI run: Pyro (reference), or NumPyro over JAX
TRACE_SUFFIXES = (".nc", ".nc4", ".netcdf")  # arviz writes NetCDF
PLOT_SUFFIXES = (".png", ".pdf", ".svg")  # matplotlib's formats for a report
MAX_SEED = 2**32 - 1  # numpy's legacy seeding (used by Pyro) takes 32 bits
OPTIONS_SPAN = Span.unknown("<options>")


@dataclass(frozen=True)
class NutsOptions:
    """NUTS settings: chains, warm-up, draws per chain, step-size target and tree depth."""

    chains: int = 4
    warmup: int = 500
    draws: int = 500  # per chain
    jit: bool = False
    target_accept: float = 0.8
    max_tree_depth: int = 10


@dataclass(frozen=True)
class SviOptions:
    """SVI settings: steps, learning rate, guide and mini-batch size."""

    steps: int = 2000
    lr: float = 0.02
    guide: str = "normal"
    batch_size: int | None = None  # None: full data up to 100,000 rows, mini-batches of 10,000 above


@dataclass(frozen=True)
class PosteriorOptions:
    """How posterior (or prior) draws are pushed through a query, and what is written about them."""

    query_draws: int = 1000
    units_per_draw: int | None = None  # None: min(samples, 10,000)
    conjugate: bool | None = None  # None: let the planner decide (auto allows conjugate updates)
    save_trace: str | None = None
    plot: str | None = None


@dataclass(frozen=True)
class BoundsOptions:
    """Settings of bounds: the Bayesian sampler, the Dirichlet prior and the global search's time limit."""

    sampler: str | None = None  # gibbs or nuts for the Bayesian mode; None: gibbs for whole counts
    prior: float = 1.0  # Dirichlet concentration over response types
    time_limit: float = 60.0  # seconds of global search (SCIP) per polynomial bounds program


@dataclass(frozen=True)
class ScaleOptions:
    """Where the work runs: worker processes, a Ray cluster, rows per chunk (docs/scale.md)."""

    workers: int | None = None  # None: one process per chain (up to the cores) when the chains are long enough
    ray_address: str | None = None  # None: this machine only; "auto", "local", or a cluster address
    chunk_size: int = 100_000  # rows scored per chunk (and per Ray batch)
    draws_per_row: int = 1000  # noise draws per row where abduction samples


@dataclass(frozen=True)
class Options:
    """Validated query options; ``data`` and ``posterior`` are the context the answer is computed in."""

    method: str = "auto"
    samples: int = 10_000
    seed: int | None = None
    device: str = "cpu"
    backend: str = "pyro"
    quiet: bool = True
    draws: int = 1000  # Dirichlet posterior draws of identification estimates and bounds
    estimator: str = "auto"  # identified queries on unit-level data: gformula, aipw or plugin
    nuts: NutsOptions = field(default_factory=NutsOptions)
    svi: SviOptions = field(default_factory=SviOptions)
    posterior: PosteriorOptions = field(default_factory=PosteriorOptions)
    bounds: BoundsOptions = field(default_factory=BoundsOptions)
    scale: ScaleOptions = field(default_factory=ScaleOptions)
    missing: str = "model"  # missing cells: model (the likelihood handles them), drop (complete rows), error
    data: Any = field(default=None, compare=False)  # a causalppl.data.DataCollection, or None
    fitted: Any = field(default=None, compare=False)  # a Posterior already fitted (FittedModel), or None
    rows: Any = field(default=None, compare=False)  # the rows of a per-row query (causalppl.data.RowBatch)

    def updated(self, **values: Any) -> "Options":
        """A copy with more keyword options applied (validated like :func:`parse_options`)."""
        return parse_options(values, base=self)

    def with_context(self, data: Any = None, fitted: Any = None, rows: Any = None) -> "Options":
        return replace(self, data=data, fitted=fitted, rows=rows)


# ------------------------------------------------------------------ the table ----


@dataclass(frozen=True)
class OptionSpec:
    """One option as the caller spells it: where it lives in :class:`Options` and how its value is checked."""

    name: str  # the Python keyword
    group: str | None  # None: a field of Options; else the name of its group field
    attribute: str  # the field inside Options or its group
    convert: Callable[[str, Any], Any]  # (spelled name, value) -> value, raising ValueError
    help: str


def _positive_int(spelled: str, value: Any) -> int:
    number = _integer(spelled, value)
    if number <= 0:
        raise ValueError(f"{spelled} must be a positive integer (got {number})")
    return number


def _non_negative_int(spelled: str, value: Any) -> int:
    number = _integer(spelled, value)
    if number < 0:
        raise ValueError(f"{spelled} must be zero or a positive integer (got {number})")
    return number


def _optional_positive_int(spelled: str, value: Any) -> int | None:
    return None if value is None else _positive_int(spelled, value)


def _integer(spelled: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) and not hasattr(value, "__index__"):
        raise ValueError(f"{spelled} must be an integer (got {_shown(value)})")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError(f"{spelled} must be an integer (got {_shown(value)})") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{spelled} must be an integer (got {_shown(value)})")
        value = int(value)
    return int(value)


def _seed(spelled: str, value: Any) -> int | None:
    if value is None:
        return None
    number = _integer(spelled, value)
    if not 0 <= number <= MAX_SEED:
        raise ValueError(f"{spelled} must be an integer from 0 to {MAX_SEED} (got {_shown(number)})")
    return number


def _positive_float(spelled: str, value: Any) -> float:
    number = _float(spelled, value)
    if not number > 0:
        raise ValueError(f"{spelled} must be a positive number (got {_shown(value)})")
    return number


def _probability(spelled: str, value: Any) -> float:
    number = _float(spelled, value)
    if not 0 < number < 1:
        raise ValueError(f"{spelled} must be a number between 0 and 1 (got {_shown(value)})")
    return number


def _float(spelled: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{spelled} must be a number (got {_shown(value)})")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{spelled} must be a number (got {_shown(value)})") from None
    if not math.isfinite(number):
        raise ValueError(f"{spelled} must be a finite number (got {_shown(value)})")
    return number


def _boolean(spelled: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise ValueError(f"{spelled} must be true or false (got {_shown(value)})")


def _optional_boolean(spelled: str, value: Any) -> bool | None:
    return None if value is None else _boolean(spelled, value)


def _choice(choices: tuple[str, ...], aliases: Mapping[str, str] | None = None):
    def convert(spelled: str, value: Any) -> str:
        text = str(value).strip().lower() if isinstance(value, str) else None
        text = (aliases or {}).get(text, text)
        if text not in choices:
            raise ValueError(f"{spelled} must be one of {', '.join(choices)} (got {_shown(value)})"
                             + (did_you_mean(value, choices) if isinstance(value, str) else ""))
        return text
    return convert


def _optional_choice(choices: tuple[str, ...]):
    inner = _choice(choices)
    return lambda spelled, value: None if value is None else inner(spelled, value)


def _device(spelled: str, value: Any) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in DEVICES or (text is not None and text.startswith("cuda:") and text[5:].isdigit()):
        return text
    raise ValueError(f"{spelled} must be cpu, cuda or cuda:N (got {_shown(value)})")


def _output_file(what: str, suffixes: tuple[str, ...]):
    """A file the answer writes: checked now (extension, existing folder), before any sampling."""
    def convert(spelled: str, value: Any) -> str | None:
        if value is None or value is False:
            return None
        if not isinstance(value, str) and not hasattr(value, "__fspath__"):
            raise ValueError(f"{spelled} must be a file path (got {_shown(value)})")
        text = os.fspath(value)
        if not str(text).strip():
            raise ValueError(f"{spelled} must be a file path, not an empty string")
        problem = output_problem(text, what, suffixes)
        if problem is not None:
            message, hint = problem
            raise ValueError(f"{spelled}: {message}" + (f" ({hint})" if hint else ""))
        return str(text)
    return convert


def _ray_address(spelled: str, value: Any) -> str | None:
    if value in (None, False):
        return None
    text = str(value).strip() if isinstance(value, str) else None
    if not text or any(c.isspace() for c in text):
        raise ValueError(f"{spelled} must be auto, local, or a cluster address such as 10.0.0.5:6379 "
                         f"(got {_shown(value)})")
    return text.lower() if text.lower() in ("auto", "local") else text


def _shown(value: Any) -> str:
    text = printable(repr(value))
    return text if len(text) <= 40 else text[:37] + "..."


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("method", None, "method", _choice(METHODS), "which engine answers (auto: the planner chooses)"),
    OptionSpec("samples", None, "samples", _positive_int, "Monte Carlo units (simulated units per posterior draw)"),
    OptionSpec("seed", None, "seed", _seed, "random seed (0 to 2^32 - 1)"),
    OptionSpec("device", None, "device", _device, "cpu or cuda"),
    OptionSpec("backend", None, "backend", _choice(BACKENDS), "the program NUTS runs: pyro or numpyro"),
    OptionSpec("quiet", None, "quiet", _boolean, "no progress bars"),
    OptionSpec("draws", None, "draws", _positive_int, "Dirichlet posterior draws for identification and bounds"),
    OptionSpec("num_chains", "nuts", "chains", _positive_int, "NUTS chains"),
    OptionSpec("num_warmup", "nuts", "warmup", _non_negative_int, "NUTS warm-up iterations per chain"),
    OptionSpec("num_samples", "nuts", "draws", _positive_int, "NUTS draws per chain (SVI: draws from the guide)"),
    OptionSpec("jit_compile", "nuts", "jit", _boolean, "compile the NUTS potential with the PyTorch JIT"),
    OptionSpec("target_accept", "nuts", "target_accept", _probability, "NUTS target acceptance probability"),
    OptionSpec("max_tree_depth", "nuts", "max_tree_depth", _positive_int, "NUTS maximum tree depth"),
    OptionSpec("num_steps", "svi", "steps", _positive_int, "SVI optimisation steps"),
    OptionSpec("lr", "svi", "lr", _positive_float, "SVI learning rate"),
    OptionSpec("guide", "svi", "guide", _choice(GUIDES, GUIDE_ALIASES), "SVI guide: normal or mvn"),
    OptionSpec("batch_size", "svi", "batch_size", _optional_positive_int, "SVI mini-batch size (rows)"),
    OptionSpec("conjugate", "posterior", "conjugate", _optional_boolean, "use exact conjugate updates where they exist"),
    OptionSpec("query_draws", "posterior", "query_draws", _positive_int, "posterior draws pushed through a query"),
    OptionSpec("units_per_draw", "posterior", "units_per_draw", _optional_positive_int,
               "units simulated per posterior draw"),
    OptionSpec("save_trace", "posterior", "save_trace", _output_file("trace", TRACE_SUFFIXES),
               "write MCMC/SVI draws (arviz NetCDF)"),
    OptionSpec("plot", "posterior", "plot", _output_file("plot", PLOT_SUFFIXES), "plot each query's posterior"),
    OptionSpec("sampler", "bounds", "sampler", _optional_choice(BOUNDS_SAMPLERS),
               "sampler of the Bayesian bounds mode: gibbs or nuts"),
    OptionSpec("prior", "bounds", "prior", _positive_float, "Dirichlet concentration over response types"),
    OptionSpec("time_limit", "bounds", "time_limit", _positive_float,
                "seconds of global search (SCIP) per polynomial bounds program"),
    OptionSpec("estimator", None, "estimator", _choice(ESTIMATORS),
                "estimator of identified queries on unit-level data: gformula, aipw or plugin"),
    OptionSpec("workers", "scale", "workers", _optional_positive_int,
               "processes for NUTS chains and for the posterior draws of polynomial bounds programs (1: none)"),
    OptionSpec("ray_address", "scale", "ray_address", _ray_address,
               "run on a Ray cluster: auto, local, or an address"),
    OptionSpec("chunk_size", "scale", "chunk_size", _positive_int, "rows scored per chunk"),
    OptionSpec("draws_per_row", "scale", "draws_per_row", _positive_int,
               "noise draws per row where scoring samples"),
    OptionSpec("missing", None, "missing", _choice(MISSING_MODES),
               "missing values: model (handled by the likelihood), drop (complete rows only) or error"),
)
SPECS = {spec.name: spec for spec in OPTIONS}


def parse_options(values: Mapping[str, Any], base: Options | None = None) -> Options:
    """Validated :class:`Options` from keyword values (on top of ``base``); a user error on any bad one."""
    options = base or Options()
    groups: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in values.items():
        spec = SPECS.get(name)
        if spec is None:
            problems.append(f"unknown option '{name}'" + did_you_mean(str(name), list(SPECS)))
            continue
        try:
            converted = spec.convert(spell_option(name), value)
        except ValueError as error:
            problems.append(str(error))
            continue
        if spec.group is None:
            top[spec.attribute] = converted
        else:
            groups.setdefault(spec.group, {})[spec.attribute] = converted
    if problems:
        unknown = any(p.startswith("unknown option") for p in problems)
        hint = ("the options are: " + ", ".join(spell_option(s.name) for s in OPTIONS)) if unknown else None
        raise CausalPPLError.at(OPTIONS_SPAN, "; ".join(problems), hint)
    for group, changes in groups.items():
        top[group] = replace(getattr(options, group), **changes)
    return replace(options, **top)


#: The rules of the table for values outside it (``Model.check``'s ``alpha`` and ``seed``, the command line's
#: ``check --show``): one rule, one message, for every option of a kind.
VALUE_KINDS: dict[str, Callable[[str, Any], Any]] = {"count": _positive_int, "seed": _seed,
                                                     "probability": _probability}


def checked_value(name: str, value: Any, kind: str) -> Any:
    """``value`` checked by the rule of ``kind`` (count, seed or probability), as :func:`parse_options` checks
    the options of the table; a user error naming the option as the caller spells it.

    >>> checked_value("show", "3", "count")
    3
    >>> checked_value("show", -1, "count")
    Traceback (most recent call last):
    ...
    causalppl.diagnostics.CausalPPLError: <options>: error: show must be a positive integer (got -1)
    """
    try:
        return VALUE_KINDS[kind](spell_option(name), value)
    except ValueError as error:
        raise CausalPPLError.at(OPTIONS_SPAN, str(error)) from None


def option_values(options: Options) -> dict[str, Any]:
    """The keyword form of ``options`` (inverse of :func:`parse_options`), for reports and workers."""
    values = {}
    for spec in OPTIONS:
        holder = options if spec.group is None else getattr(options, spec.group)
        values[spec.name] = getattr(holder, spec.attribute)
    return values


def units_per_draw(options: Options) -> int:
    return options.posterior.units_per_draw or min(options.samples, 10_000)


__all__ = ["MISSING_MODES", "Options", "ScaleOptions", "NutsOptions", "SviOptions", "PosteriorOptions", "BoundsOptions",
           "METHODS", "BACKENDS", "OPTIONS", "ESTIMATORS", "parse_options", "checked_value", "option_values",
           "units_per_draw"]

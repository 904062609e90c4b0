"""The Python API: load a model, transform it, sample it, ask it questions.

>>> import causalppl as cp
>>> m = cp.load("stdlib:front_door")
>>> m.do(Smoking=1).sample(100)["Cancer"].shape
torch.Size([100])
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from causalppl.lazy import networkx as nx

from causalppl.data import DataCollection, to_dataset
from causalppl.data import messages as data_messages
from causalppl.diagnostics import CausalPPLError, Span, spell_option
from causalppl.files import decode_source, output_path, read_source
from causalppl.inference.budget import require_units_fit
from causalppl.inference.messages import covariate_without_data, invalid_site
from causalppl.inference.options import Options, checked_value, parse_options
from causalppl.inference.results import Result
from causalppl.ir import CausalModel
from causalppl.ir.queries import QuerySpec
from causalppl.ir.values import BadValue, variable_value
from causalppl.resources import stdlib_dir, stdlib_models
from causalppl.semantics import CheckedProgram, DataSpec, check_program, check_query
from causalppl.semantics import messages as semantic_messages
from causalppl.semantics.lower import build_model
from causalppl.semantics.resolve import ExpressionResolver, report_set_twice
from causalppl.semantics.scope import Reporter
from causalppl.syntax import parse_assignments, parse_program, parse_query
from causalppl.transforms import do as do_transform

if TYPE_CHECKING:
    import torch

    from causalppl.backends.pyro_codegen import GeneratedProgram
    from causalppl.fitted import FittedModel
    from causalppl.inference.checking import CheckReport

# torch, pyro and pandas are imported where a method needs them (sampling, answering, reading data
# frames), never at module level: loading, checking, drawing and compiling a model start without them.

STDLIB_PREFIX = "stdlib:"
SCORE_SUFFIXES = (".csv", ".parquet", ".pq")  # what ``score`` writes (the suffix says the format)


def resolve_path(path: str | Path) -> Path:
    """A file path, or ``stdlib:NAME`` for a model shipped with the package."""
    text = str(path)
    if not text.startswith(STDLIB_PREFIX):
        return Path(text)
    name = text[len(STDLIB_PREFIX):].removesuffix(".scm")
    candidate = stdlib_dir() / f"{name}.scm"
    if not candidate.exists():
        raise CausalPPLError.at(Span.unknown(text), f"no standard-library model named '{name}'",
                                "available: " + ", ".join(stdlib_models()))
    return candidate


def _ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _as_written(text: str, span: Span) -> str:
    """The part of a one-line ``text`` that ``span`` covers."""
    return text[span.column - 1:span.end_column - 1]


def load(path: str | Path) -> "Model":
    """Parse and check a ``.scm`` file (or ``stdlib:NAME``): a regular UTF-8 file (see :mod:`causalppl.files`)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load() takes a file path (a str or a Path), not {type(path).__name__}; "
                        "for model text use loads()")
    resolved = resolve_path(path)
    name = str(resolved) if str(path).startswith(STDLIB_PREFIX) else str(path)
    return loads(read_source(resolved, name), name)


def loads(source: str | bytes, filename: str = "<string>") -> "Model":
    """Parse and check model source text (``bytes`` are read as UTF-8; a byte-order mark is dropped)."""
    if not isinstance(filename, str):
        raise TypeError(f"loads() takes filename as a str, not {type(filename).__name__}")
    if isinstance(source, (bytes, bytearray)):
        source = decode_source(bytes(source), filename)
    if not isinstance(source, str):
        raise TypeError(f"loads() takes the model's source text (a str), not {type(source).__name__}; "
                        "for a file use load(path)")
    source = source.removeprefix("\ufeff")
    program = check_program(parse_program(source, filename))
    return Model(program, build_model(program.model, source))


#: Query texts a model keeps checked (``Model.score`` on chunk after chunk checks the same texts again).
CHECKED_QUERIES_KEPT = 256


@dataclass(frozen=True)
class Model:
    """A checked causal model; every transformation returns a new Model."""

    program: CheckedProgram
    ir: CausalModel
    data_override: tuple[DataSpec, ...] | None = field(default=None)
    # query texts checked against ``program`` (a checked query depends on the text and the program alone)
    _checked_queries: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    # ----------------------------------------------------------- structure ----
    @property
    def name(self) -> str:
        return self.ir.name

    @property
    def graph(self) -> nx.DiGraph:
        """The causal graph; ``graph.graph["bidirected"]`` lists the ``<->`` arcs."""
        return self.ir.graph.copy()

    @property
    def queries(self) -> tuple[QuerySpec, ...]:
        return self.program.queries

    @property
    def data_specs(self) -> tuple[DataSpec, ...]:
        return self.program.data if self.data_override is None else self.data_override

    def with_data_files(self, paths: Iterable[str | Path], replace: bool = False) -> "Model":
        """Add (or replace) data files, as ``--data`` does."""
        extra = tuple(DataSpec(Path(p), (), Span.unknown(str(p))) for p in paths)
        base = () if replace else self.data_specs
        return Model(self.program, self.ir, base + extra)

    # ------------------------------------------------------ transformations ----
    def do(self, interventions: Mapping[str, Any] | None = None, **assignments: Any) -> "Model":
        """A new model with the named variables set (values: numbers or level names)."""
        values = dict(interventions or {})
        for name, value in assignments.items():
            if name in values:
                raise CausalPPLError([semantic_messages.set_twice_in_python(name, values[name], value)])
            values[name] = value
        positions = {name: self._value_position(name, value) for name, value in values.items()}
        return Model(self.program, do_transform(self.ir, positions), self.data_override)

    def do_text(self, *texts: str) -> "Model":
        """``do`` from ``--do`` arguments such as ``X=1, Z=HIGH``; several make one intervention.

        Each is parsed and checked on its own, so an error shows the option as the user wrote it: a variable set
        twice in one option is named by its columns there, one set by two options by the two options."""
        positions: dict[str, float] = {}
        earlier: dict[str, tuple[str, int]] = {}  # name → (assignment as written, which --do) of the options before
        for index, text in enumerate(texts, start=1):
            assignments = parse_assignments(text)
            reporter = Reporter(text, "<--do>")
            resolver = ExpressionResolver(self.program.scope, reporter)
            report_set_twice([(a.name, a.value, a.span) for a in assignments], reporter, "option")
            for assignment in assignments:
                if assignment.name in earlier:
                    written, at = earlier[assignment.name]
                    reporter.report(semantic_messages.set_twice(
                        assignment.span, assignment.name, written, f"the {_ordinal(at)} --do",
                        _as_written(text, assignment.span), f"the {_ordinal(index)} --do", "option"))
            for assignment in assignments:
                positions.setdefault(assignment.name, resolver.intervention_value(assignment))
            reporter.raise_if_any()
            for assignment in assignments:
                earlier.setdefault(assignment.name, (_as_written(text, assignment.span), index))
        return Model(self.program, do_transform(self.ir, positions), self.data_override)

    def _value_position(self, name: str, value: Any) -> float:
        """The IR value of ``value`` for variable ``name`` (:func:`causalppl.ir.values.variable_value`)."""
        position = variable_value(self.ir, name, value)
        if isinstance(position, BadValue):
            raise position.error(Span.unknown("<do>"))
        return position

    # --------------------------------------------------------------- Pyro ----
    @cached_property
    def generated(self) -> GeneratedProgram:
        from causalppl.backends.pyro_codegen import generate

        return self._generating(generate)

    def _generating(self, generate: Callable[[CausalModel], Any]) -> Any:
        """``generate(self.ir)``; a model the program cannot express is a user error at its span."""
        from causalppl.backends.pyro_codegen import CodegenError

        try:
            return generate(self.ir)
        except CodegenError as error:
            raise self._codegen_error(error) from None

    def _codegen_error(self, error: Any) -> CausalPPLError:
        """A :class:`~causalppl.backends.pyro_codegen.CodegenError` as the user error it is, at its span."""
        return self._with_model_source(CausalPPLError.at(error.span or self.ir.span, str(error)))

    @property
    def pyro_source(self) -> str:
        """The generated Pyro program (Python source)."""
        return self.generated.source

    @property
    def numpyro_source(self) -> str:
        """The generated NumPyro program (Python source; running it needs the ``numpyro`` extra)."""
        from causalppl.backends.numpyro_codegen import generate_numpyro

        return self._generating(generate_numpyro).source

    def source(self, backend: str = "pyro") -> str:
        """The generated program of ``backend`` ("pyro" or "numpyro"), as ``causalppl compile`` prints it."""
        chosen = parse_options({"backend": backend}).backend
        return self.pyro_source if chosen == "pyro" else self.numpyro_source

    @cached_property
    def pyro_model(self) -> Callable:
        """A plain Pyro callable ``model(n_units=1, data=None, subsample_size=None)``."""
        return self.generated.load()

    def sample(self, n: int = 1, seed: int | None = None, data: Any = None) -> dict[str, torch.Tensor]:
        """``n`` units forward-sampled from the model (parameters drawn once from their priors).

        Covariates (root ``int``/``real`` variables without a mechanism) are not generated: each unit takes
        the covariates of a row of ``data`` (or of the file's data lines), drawn at random.
        """
        from causalppl.backends.pyro_codegen import CodegenError
        from causalppl.backends.site_checks import InvalidSite
        from causalppl.data.covariates import covariate_names, covariate_rows
        from causalppl.inference.estimate.montecarlo import forward_samples

        settings = parse_options({"samples": n, "seed": seed})
        where = Span.unknown("<sample>")
        require_units_fit(self.ir, settings.samples, where, "Model.sample")
        names = covariate_names(self.ir)
        rows = covariate_rows(self.ir, self.load_data(data)) if names else None
        if names and rows is None:
            raise self._with_model_source(covariate_without_data(self.ir.variable(names[0]).span, names[0]))
        try:
            return forward_samples(self.ir, settings.samples, settings.seed, rows)
        except InvalidSite as problem:
            raise self._with_model_source(invalid_site(problem, where)) from None
        except CodegenError as error:
            raise self._codegen_error(error) from None

    # ------------------------------------------------------------ queries ----
    def query(self, text: str, data: Any = None, **options: Any) -> Result:
        """Answer one query written in the language, e.g. ``"P(Y = 1 | do(X = 1))"``.

        Options (validated; see ``causalppl.inference.options``): ``method``
        (auto, exact, mc, nuts, svi, identification, bounds), ``samples``,
        ``seed``, ``device`` (cpu, cuda), ``quiet``, and the per-method ones
        (``num_chains``, ``num_steps``, ...).  ``Result.plan`` says which engine
        answered and why.
        """
        settings = parse_options(options)
        return self.answer(self._check_query_text(text), data=data, options=settings)

    def run(self, queries: Iterable[str] | None = None, data: Any = None, **options: Any) -> list[Result]:
        """Answer the given query texts (a list of strings), or the file's own queries."""
        settings = parse_options(options)
        if isinstance(queries, (str, bytes)):
            raise TypeError("Model.run takes a list of query texts; for one query use Model.query(text)")
        specs = [self._check_query_text(t) for t in queries] if queries is not None else list(self.queries)
        dataset = self.load_data(data, missing=settings.missing, quiet=settings.quiet)
        return [self.answer(spec, data=dataset, options=settings) for spec in specs]

    def score(self, rows: Any, queries: str | Iterable[str], output: str | Path | None = None, data: Any = None,
              **options: Any) -> Any:
        """Answer per-row queries for every row: ``rows`` is a DataFrame or a CSV/Parquet path.

        A query's evidence written without a value takes each row's value
        (``"pn = P(Y[X = 0] = 0 | X, Y)"``, ``"E[Y | do(X = 1), Age]"``).  The
        result keeps the rows' columns and adds one column per query (named
        after the query, else ``q1``, ``q2``, ... by position), with ``_lo``/``_hi`` columns where
        the method gives intervals.  ``data`` is what unknowns are learned from
        (default: the file's data lines).  With ``output`` (a .csv or .parquet
        path; ``"-"``: CSV on standard output) the rows are streamed chunk by
        chunk into it and a summary is returned instead of a DataFrame.  Options as for :meth:`query`, plus
        ``chunk_size``, ``draws_per_row``, ``workers`` and ``ray_address``
        (docs/scale.md).
        """
        import pandas as pd

        from causalppl.data.rows import RowWriter
        from causalppl.inference.scale.score import score_dataframe, score_path

        if not isinstance(queries, str) and not (isinstance(queries, Iterable) and not isinstance(queries, bytes)):
            raise TypeError(f"score takes a query text or a list of them, not {type(queries).__name__}")
        texts = [queries] if isinstance(queries, str) else list(queries)
        if not isinstance(rows, (pd.DataFrame, str, Path)):
            raise TypeError(f"score takes the rows as a pandas DataFrame or a CSV/Parquet path, not "
                            f"{type(rows).__name__}")
        if output is not None and not isinstance(output, (str, Path)):
            raise TypeError(f"output is a .csv or .parquet path (or \"-\"), not {type(output).__name__}")
        specs = [self._check_query_text(text, per_row=True) for text in texts]
        if output is not None and str(output) != "-":  # (checked before any row is scored)
            output_path(output, "scored rows", SCORE_SUFFIXES, self._read_files(data))  # (the rows: score_path's)
        settings = parse_options(options).with_context(data=self.load_data(data))
        try:
            if isinstance(rows, pd.DataFrame):
                scored, summary = score_dataframe(self.ir, specs, rows, settings)
                if output is None:
                    return scored
                if str(output) == "-":
                    scored.to_csv(sys.stdout, index=False)
                    return summary
                with RowWriter(Path(output)) as writer:
                    writer.write(scored)
                summary.output = str(output)
                return summary
            path = resolve_path(rows)
            if output is None:
                from causalppl.data.reading import read_table

                frame = read_table(path, Span.unknown(str(path)))
                return score_dataframe(self.ir, specs, frame, settings, path.name)[0]
            target = None if str(output) == "-" else Path(output)
            return score_path(self.ir, specs, path, target, settings, Span.unknown(str(path)))
        except CausalPPLError as error:
            raise self._with_sources(error, specs[0]) from None

    def _read_files(self, data: Any = None) -> list[Path]:
        """The files a run of this model reads: its model file, its data files and ``data``'s."""
        items = data if isinstance(data, (list, tuple)) else [data]
        paths = [Path(self.program.filename), *(spec.path for spec in (*self.program.data, *self.data_specs))]
        return paths + [Path(item) for item in items if isinstance(item, (str, os.PathLike))]

    def plan(self, text: str, data: Any = None, **options: Any):
        """The planner's choice for a query, without answering it (``causalppl run --explain``)."""
        from causalppl.inference.plan import plan_query

        spec = self._check_query_text(text)
        settings = parse_options(options)
        settings = settings.with_context(data=self.load_data(data, missing=settings.missing, quiet=settings.quiet))
        try:
            return plan_query(self.ir, spec, settings)
        except CausalPPLError as error:
            raise self._with_sources(error, spec) from None

    def answer(self, spec: QuerySpec, data: Any = None, options: Options | None = None) -> Result:
        """Answer a checked query with validated options."""
        from causalppl.inference.plan import answer

        options = options or Options()
        dataset = data if isinstance(data, DataCollection) else self.load_data(data, missing=options.missing,
                                                                                 quiet=options.quiet)
        try:
            return answer(self.ir, spec, options.with_context(data=dataset))
        except CausalPPLError as error:
            raise self._with_sources(error, spec) from None

    def check(self, data: Any = None, alpha: float = 0.05, correction: str = "holm", seed: int | None = None,
              ppc: bool = False, ppc_plot: str | None = None, **options: Any) -> "CheckReport":
        """Test the graph's implications against ``data`` (else the file's data lines): a CheckReport.

        Every conditional independence of the missing-edge basis is tested
        with the test that fits the variables' types, every instrumental
        inequality by its posterior probability; p-values are adjusted by
        ``correction`` (holm, bh or none) and claims rejected at ``alpha``
        are ``report.violations``.  ``ppc=True`` adds posterior predictive
        checks of a Bayesian fit (``options`` go to the fit; ``ppc_plot``
        writes arviz's plot_ppc to that file).
        """
        from causalppl.inference.checking import check_implications, posterior_predictive_checks

        alpha, seed = checked_value("alpha", alpha, "probability"), checked_value("seed", seed, "seed")
        dataset = self.load_data(data)
        if dataset is None:
            raise CausalPPLError.at(Span.unknown(self.program.filename), "checking the model against data needs "
                                    "data", "give data (a data line, --data PATH, or Model.check(df))")
        try:
            report = check_implications(self.ir, dataset, alpha=alpha, correction=correction, seed=seed)
            if ppc:
                settings = parse_options(dict(options, seed=seed)).with_context(data=dataset)
                report = posterior_predictive_checks(self.ir, report, settings, plot=ppc_plot)
        except CausalPPLError as error:
            raise CausalPPLError(error.diagnostics, {self.program.filename: self.program.source}) from None
        return report

    def counterfactual_source(self, text: str, backend: str = "pyro") -> str:
        """The generated multi-world Pyro program of a counterfactual query (``compile --query``)."""
        from causalppl.inference.counterfactual import counterfactual_source

        if parse_options({"backend": backend}).backend != "pyro":
            raise CausalPPLError.at(Span.unknown("<compile>"), "the multi-world program of a counterfactual query "
                                    "is generated for Pyro only", f"drop {spell_option('backend', 'numpyro')}")

        spec = self._check_query_text(text)
        try:
            return counterfactual_source(self.ir, spec)
        except CausalPPLError as error:
            raise self._with_sources(error, spec) from None

    def fit(self, data: Any = None, method: str = "nuts", **options: Any) -> "FittedModel":
        """Learn the unknowns once (posterior by NUTS, SVI or conjugacy); the returned model's queries reuse it."""
        from causalppl.fitted import FittedModel

        return FittedModel.create(self, data, method, options)

    def counterfactual(self, evidence: Mapping[str, Any] | None = None,
                       interventions: Mapping[str, Any] | list | None = None, n: int = 1000,
                       seed: int | None = None) -> dict:
        """Samples (and exact distributions, for finite models) per world, given factual evidence.

        ``interventions`` is one mapping (one counterfactual world) or a list of them.
        """
        from causalppl.inference.counterfactual import counterfactual

        try:
            return counterfactual(self.ir, evidence or {}, interventions or {}, n=n, seed=seed)
        except CausalPPLError as error:
            raise CausalPPLError(error.diagnostics, {self.program.filename: self.program.source}) from None

    def _with_model_source(self, error: CausalPPLError) -> CausalPPLError:
        return CausalPPLError(error.diagnostics, {self.program.filename: self.program.source, **error.sources})

    def _check_query_text(self, text: str, per_row: bool = False) -> QuerySpec:
        if not isinstance(text, str):
            raise TypeError(f"a query is a string such as \"P(Y = 1 | do(X = 1))\", not {type(text).__name__}")
        key = (text, per_row)
        spec = self._checked_queries.get(key)
        if spec is None:
            spec = check_query(parse_query(text), self.program, per_row=per_row, source=text)
            if len(self._checked_queries) >= CHECKED_QUERIES_KEPT:
                self._checked_queries.clear()
            self._checked_queries[key] = spec
        return spec

    def _with_sources(self, error: CausalPPLError, spec: QuerySpec) -> CausalPPLError:
        sources = dict(error.sources)
        sources.setdefault(self.program.filename, self.program.source)
        if spec.span.filename != self.program.filename:
            sources.setdefault(spec.span.filename, spec.source or spec.text)
        return CausalPPLError(error.diagnostics, sources)

    # --------------------------------------------------------------- data ----
    def load_data(self, data: Any = None, missing: str = "model", quiet: bool = True) -> DataCollection | None:
        """The data to learn from: ``data`` (DataFrame, path or list of them), else the file's data lines.

        ``missing``: what to do with missing cells -- ``model`` (kept; the likelihood handles them), ``drop``
        (complete rows only) or ``error``.  Files are read in chunks; ``quiet=False`` shows a progress bar.
        """
        missing = parse_options({"missing": missing}).missing
        if isinstance(data, DataCollection):
            return data
        if data is None:
            return self._data_from_specs(self.data_specs, missing, quiet) if self.data_specs else None
        items = data if isinstance(data, (list, tuple)) else [data]
        positions: dict[int, int] = {}
        for position, item in enumerate(items, 1):
            if not isinstance(item, (str, os.PathLike)):
                first = positions.setdefault(id(item), position)
                if first != position:
                    raise data_messages.data_frame_twice(position, first)
        files = [(Path(item), Span.unknown(str(item))) for item in items if isinstance(item, (str, os.PathLike))]
        if len(files) > 1:
            from causalppl.data.reading import refuse_repeated_files

            refuse_repeated_files(files)
        return DataCollection(tuple(self._dataset(item, missing, quiet) for item in items), missing)

    def _dataset(self, item: Any, missing: str, quiet: bool):
        import pandas as pd

        if isinstance(item, pd.DataFrame):
            return to_dataset(item, self.ir, (), "<DataFrame>", Span.unknown("<DataFrame>"), missing)
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"data must be a pandas DataFrame, a file path, or a list of them, "
                            f"not {type(item).__name__}")
        spec = DataSpec(Path(item), (), Span.unknown(str(item)))
        return self._data_from_specs((spec,), missing, quiet).blocks[0]

    def _data_from_specs(self, specs: tuple[DataSpec, ...], missing: str, quiet: bool) -> DataCollection:
        from causalppl.data.reading import read_dataset, refuse_repeated_files  # pandas: only when there are data

        blocks = []
        try:
            refuse_repeated_files((spec.path, spec.span) for spec in specs)
            for spec in specs:
                blocks.append(read_dataset(spec.path, self.ir, spec.under, spec.path.name, spec.span, missing, quiet))
        except CausalPPLError as error:
            raise CausalPPLError(error.diagnostics, {self.program.filename: self.program.source}) from None
        return DataCollection(tuple(blocks), missing)

    # ------------------------------------------------------------ display ----
    def to_dot(self, intervened: Iterable[str] = ()) -> str:
        from causalppl.drawing import model_to_dot

        return model_to_dot(self.ir, tuple(intervened))

    def _repr_svg_(self) -> str | None:
        from causalppl.drawing import render_svg

        return render_svg(self.to_dot())

    def __repr__(self) -> str:
        variables = ", ".join(v.name for v in self.ir.model_variables)
        return f"<causalppl.Model {self.name}: {variables}>"

"""The ``causalppl`` command line: argument parsing and printing, no logic of its own."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from pathlib import Path
from typing import Callable, Sequence

from causalppl import api
from causalppl.inference.options import checked_value
from causalppl.diagnostics import CausalPPLError, CausalPPLWarning, Span, printable, speaking
from causalppl.files import output_path, require_regular_file

EXIT_OK, EXIT_USER_ERROR, EXIT_INTERNAL = 0, 1, 2
EXIT_CONTRADICTED = 3  # check --data: the data reject an implication of the model


def run() -> None:
    """The ``causalppl`` command (and ``python -m causalppl.cli``): :func:`main` on the process's arguments."""
    sys.exit(main(sys.argv[1:], owns_process=True))


def main(argv: Sequence[str] | None = None, owns_process: bool = False) -> int:
    """Run one command; its exit code. ``owns_process``: the process ends with the command (see :func:`run`)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error (exit 1, see _ArgumentParser)
        return done.code if isinstance(done.code, int) else EXIT_USER_ERROR
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USER_ERROR
    short = owns_process and args.handler in FRONT_END_COMMANDS and not getattr(args, "data", None)
    if not short:
        return _guarded(args.handler, args)
    # A front-end command is a short process building acyclic trees: collections would only re-scan them, and
    # tearing the interpreter down at exit (every module and object freed one by one) costs more than the
    # check of a model. Its output is written and closed by the time the handler returns.
    gc.disable()
    code = _guarded(args.handler, args)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (causalppl compile | head): nothing more can be said
            pass
    os._exit(code)


def _guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        with speaking("cli"), warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return handler(args)
    except CausalPPLError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # the reader of the output went away (causalppl ... | head): nothing more to say
        _quiet_stdout()
        return EXIT_OK
    except Exception as error:  # a bug of ours: say so plainly, traceback only on request
        if os.environ.get("CAUSALPPL_DEBUG"):
            raise
        first_line = next(iter(str(error).splitlines()), "")
        print(f"causalppl: internal error: {type(error).__name__}: {printable(first_line)}\n"
              "This is a bug in causalppl; rerun with CAUSALPPL_DEBUG=1 for the traceback and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


def _quiet_stdout() -> None:
    """Standard output pointed at the null device, so that flushing it at exit raises nothing more (the
    recipe of Python's documentation for SIGPIPE)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # (no file descriptor: a captured stream)
        pass


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Our warnings as ``file: warning: message`` on stderr (escaped); others as Python prints them."""
    if issubclass(category, CausalPPLWarning):
        print(str(message), file=sys.stderr)
        return
    print(printable(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\n")),
          file=sys.stderr)


# -------------------------------------------------------------- commands ----


def _run(args: argparse.Namespace) -> int:
    model = api.load(args.file)
    if args.data:
        model = model.with_data_files(args.data, replace=args.replace_data)
    options = dict(method=args.method, samples=args.samples, seed=args.seed, device=args.device, backend=args.backend,
                   quiet=args.quiet or args.format == "json" or not sys.stderr.isatty())
    for flag, option in {**_INFERENCE_FLAGS, **_SCALE_FLAGS}.items():
        if getattr(args, flag, None) is not None:
            options[option] = getattr(args, flag)
    results = model.run(args.query or None, **options)
    from causalppl import reporting

    if args.format == "json":
        print(reporting.results_json(model.name, results))
    else:
        reporting.print_results(model.name, results, _console(), explain=args.explain)
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    model = api.load(args.file)
    if args.fit_data:
        model = model.with_data_files(args.fit_data, replace=args.replace_data)
    options = dict(method=args.method, samples=args.samples, seed=args.seed, device=args.device,
                   quiet=args.quiet or not sys.stderr.isatty())
    for flag, option in {**_INFERENCE_FLAGS, **_SCALE_FLAGS}.items():
        if getattr(args, flag, None) is not None:
            options[option] = getattr(args, flag)
    summary = model.score(args.data, args.query, output=args.output or "-", **options)
    from causalppl import reporting

    reporting.print_score_summary(summary, _console(stderr=True))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    # checked with or without data, by the rules of every option of their kind
    args.alpha = checked_value("alpha", args.alpha, "probability")
    args.seed = checked_value("seed", args.seed, "seed")
    args.show = checked_value("show", args.show, "count")
    if args.data or args.ppc or args.ppc_plot:
        return _check_data(args)
    failures = 0
    for file in args.files:
        try:
            model = api.load(file)
            model.load_data()
        except CausalPPLError as error:
            print(error.render(), file=sys.stderr)
            failures += 1
            continue
        variables = len(model.ir.model_variables)
        print(f"{printable(file)}: ok (model {model.name}: {variables} variables, {len(model.queries)} queries)")
    return EXIT_USER_ERROR if failures else EXIT_OK


def _console(stderr: bool = False):
    """A rich console, imported only by the commands that print tables."""
    from rich.console import Console

    return Console(stderr=stderr)


def _check_data(args: argparse.Namespace) -> int:
    """``check FILE --data DATA``: test the model's implications against the data (heavy imports only here)."""
    if len(args.files) != 1:
        print("causalppl: check --data takes one model file", file=sys.stderr)
        return EXIT_USER_ERROR
    model = api.load(args.files[0])
    if args.data:
        model = model.with_data_files(args.data, replace=True)
    report = model.check(alpha=args.alpha, correction=args.correction, seed=args.seed,
                         ppc=args.ppc or bool(args.ppc_plot), ppc_plot=args.ppc_plot)
    from causalppl import reporting

    if args.format == "json":
        print(reporting.check_json(report))
    else:
        reporting.print_check(report, _console(), limit=args.show)
    return EXIT_OK if report.consistent else EXIT_CONTRADICTED


def _graph(args: argparse.Namespace) -> int:
    from causalppl.drawing import GRAPH_SUFFIXES, GraphvizMissing, write_graph

    out = None if args.output is None else output_path(args.output, "graph", GRAPH_SUFFIXES, inputs=[args.file])
    model = api.load(args.file)
    if args.do:
        model = model.do_text(*args.do)  # every --do is one intervention
    dot = model.to_dot()
    if out is None:
        print(dot, end="")
        return EXIT_OK
    try:
        written = write_graph(dot, out)
    except GraphvizMissing as error:
        raise CausalPPLError.at(Span.unknown(str(out)), f"cannot draw '{out.name}': Graphviz's 'dot' program "
                                                        "is not installed", str(error)) from None
    print(f"wrote {printable(str(written))}")
    return EXIT_OK


def _compile(args: argparse.Namespace) -> int:
    model = api.load(args.file)
    if args.do:
        model = model.do_text(*args.do)  # every --do is one intervention
    if args.query:
        print(model.counterfactual_source(args.query, backend=args.backend), end="")
        return EXIT_OK
    print(model.source(args.backend), end="")
    return EXIT_OK


def _import_bif(args: argparse.Namespace) -> int:
    from causalppl.interop.bif import main_convert

    require_regular_file(Path(args.file), "BIF file")
    if args.output is not None:
        output_path(args.output, "model", (".scm",), inputs=[args.file])
    return main_convert(args.file, args.output)


def _stdlib(args: argparse.Namespace) -> int:
    from causalppl.resources import stdlib_models

    for name in stdlib_models():
        print(f"stdlib:{name}")
    return EXIT_OK


# ---------------------------------------------------------------- parser ----


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, with its usage errors exiting 1 (a user error): exit 2 means a bug of ours."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {printable(message)}\n")


#: Commands that only read, check and translate a model (no inference): their process ends when they are done.
FRONT_END_COMMANDS = frozenset({_check, _graph, _compile})


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="causalppl", description="Structural causal models: run, check, draw, compile.")
    parser.add_argument("--version", action="version", version=f"causalppl {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_run(commands)
    _add_score(commands)
    check = commands.add_parser("check", help="parse and check models (exit 1 on errors); with --data, test the "
                                              "graph's implications against the data (exit 3 if rejected)")
    check.add_argument("files", nargs="+", metavar="FILE.scm")
    check.add_argument("--data", action="append", metavar="PATH",
                       help="test the model against this data file (repeatable; replaces the file's data lines)")
    check.add_argument("--alpha", default="0.05", metavar="A", help="significance level after correction (0.05)")
    check.add_argument("--correction", choices=("holm", "bh", "none"), default="holm",
                       help="multiple-testing correction: holm (default), bh (Benjamini-Hochberg) or none")
    check.add_argument("--ppc", action="store_true", help="also run posterior predictive checks of a Bayesian fit")
    check.add_argument("--ppc-plot", metavar="FILE.png", help="draw the posterior predictive checks (arviz)")
    check.add_argument("--seed", default=None, metavar="N", help="random seed")
    check.add_argument("--show", default="10", metavar="N", help="how many of the worst implications to list")
    check.add_argument("--format", choices=("table", "json"), default="table")
    check.set_defaults(handler=_check)
    graph = commands.add_parser("graph", help="draw the causal graph (.dot, .svg, .png, .pdf)")
    graph.add_argument("file", metavar="FILE.scm")
    graph.add_argument("-o", "--output", metavar="OUT", help="output file; DOT on stdout when omitted")
    graph.add_argument("--do", metavar="X=1", action="append",
                       help="draw the mutilated graph of this intervention (a list X=1,Z=0; repeatable)")
    graph.set_defaults(handler=_graph)
    compile_ = commands.add_parser("compile", help="print the generated Pyro (or NumPyro) program")
    compile_.add_argument("file", metavar="FILE.scm")
    compile_.add_argument("--do", metavar="X=1", action="append",
                          help="print the program transformed by this intervention (a list X=1,Z=0; repeatable)")
    compile_.add_argument("--query", metavar="TEXT", help="print the multi-world program of a counterfactual query")
    compile_.add_argument("--backend", choices=("pyro", "numpyro"), default="pyro",
                          help="which program to print: pyro (default) or numpyro")
    compile_.set_defaults(handler=_compile)
    bif = commands.add_parser("import-bif", help="convert a BIF Bayesian network into a .scm model")
    bif.add_argument("file", metavar="FILE.bif")
    bif.add_argument("-o", "--output", metavar="OUT.scm")
    bif.set_defaults(handler=_import_bif)
    stdlib = commands.add_parser("stdlib", help="list the models of the standard library")
    stdlib.set_defaults(handler=_stdlib)
    return parser


def _add_run(commands) -> None:
    run = commands.add_parser("run", help="answer the model's queries")
    run.add_argument("file", metavar="FILE.scm", help="a model file, or stdlib:NAME")
    run.add_argument("--data", action="append", metavar="PATH", help="add a data file (repeatable)")
    run.add_argument("--replace-data", action="store_true", help="use only the --data files, not the file's data lines")
    run.add_argument("--query", action="append", metavar="TEXT", help="run this query instead of the file's (repeatable)")
    run.add_argument("--method", default="auto", metavar="METHOD",
                     help="auto (the planner chooses), exact, mc, nuts, svi, identification or bounds")
    run.add_argument("--samples", default=10_000, metavar="N", help="Monte Carlo units (default 10000)")
    run.add_argument("--seed", default=None, metavar="N", help="random seed, 0 to 2^32 - 1")
    run.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda")
    run.add_argument("--backend", default="pyro", metavar="BACKEND",
                     help="the program NUTS runs: pyro (default) or numpyro (needs the numpyro extra)")
    run.add_argument("--format", choices=("table", "json"), default="table")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--explain", action="store_true",
                     help="show for each query the engine the planner chose, the facts that chose it, "
                          "and why not the others")
    run.add_argument("--save-trace", metavar="FILE.nc", help="save MCMC/SVI draws as arviz InferenceData (NetCDF)")
    run.add_argument("--plot", metavar="FILE.png", help="plot the posterior of each query")
    run.add_argument("--missing", metavar="MODE",
                     help="missing values: model (default; handled by the likelihood), drop (complete rows only) "
                          "or error")
    run.add_argument("--chains", metavar="N", help="NUTS: number of chains (default 4)")
    run.add_argument("--warmup", metavar="N", help="NUTS: warm-up iterations per chain")
    run.add_argument("--draws", metavar="N", help="NUTS: posterior draws per chain")
    run.add_argument("--steps", metavar="N", help="SVI: optimization steps")
    run.add_argument("--estimator", metavar="NAME",
                     help="identified queries on unit-level data: gformula, aipw or plugin (default: the planner's)")
    run.add_argument("--jit", action="store_const", const=True, default=None,
                     help="NUTS: compile the potential with the PyTorch JIT (about twice as fast)")
    run.add_argument("--time-limit", metavar="SECONDS",
                     help="bounds: global-search time per polynomial program (default 60)")
    _add_scale_flags(run)
    run.set_defaults(handler=_run)


def _add_score(commands) -> None:
    score = commands.add_parser("score", help="answer per-row queries for every row of a table")
    score.add_argument("file", metavar="FILE.scm", help="a model file, or stdlib:NAME")
    score.add_argument("--data", required=True, metavar="ROWS",
                       help="the rows to score (.csv or .parquet); evidence without a value takes each row's value")
    score.add_argument("--query", action="append", required=True, metavar="TEXT",
                       help="a per-row query such as 'pn = P(Y[X = 0] = 0 | X, Y)' (repeatable; one column each)")
    score.add_argument("-o", "--output", metavar="OUT", help="write .csv or .parquet (CSV on stdout when omitted)")
    score.add_argument("--fit-data", action="append", metavar="PATH",
                       help="add a data file to learn the model's unknowns from (repeatable)")
    score.add_argument("--replace-data", action="store_true", help="learn only from --fit-data, not the data lines")
    score.add_argument("--method", default="auto", metavar="METHOD", help="auto, exact, mc, nuts or svi")
    score.add_argument("--samples", default=10_000, metavar="N", help="Monte Carlo units")
    score.add_argument("--seed", default=None, metavar="N", help="random seed, 0 to 2^32 - 1")
    score.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda")
    score.add_argument("--quiet", action="store_true", help="no progress bar")
    score.add_argument("--chains", metavar="N", help="NUTS: number of chains (learned models)")
    score.add_argument("--warmup", metavar="N", help="NUTS: warm-up iterations per chain")
    score.add_argument("--draws", metavar="N", help="NUTS: posterior draws per chain")
    score.add_argument("--steps", metavar="N", help="SVI: optimization steps")
    score.add_argument("--jit", action="store_const", const=True, default=None, help="NUTS: PyTorch JIT")
    score.add_argument("--chunk-size", metavar="N", help="rows scored per chunk (default 100000)")
    score.add_argument("--draws-per-row", metavar="N", help="noise draws per row where scoring samples (default 1000)")
    _add_scale_flags(score)
    score.set_defaults(handler=_score, save_trace=None, plot=None)


def _add_scale_flags(parser) -> None:
    parser.add_argument("--workers", metavar="N", help="processes for NUTS chains (default: one per chain and core "
                                                       "for long runs; 1: one after another)")
    parser.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster: auto (the running cluster), local "
                                                         "(start one here) or an address (pip install "
                                                         "'causalppl[ray]')")


_INFERENCE_FLAGS = {"chains": "num_chains", "warmup": "num_warmup", "draws": "num_samples", "steps": "num_steps",
                    "estimator": "estimator", "time_limit": "time_limit",
                    "jit": "jit_compile", "save_trace": "save_trace", "plot": "plot", "missing": "missing"}
_SCALE_FLAGS = {"workers": "workers", "ray": "ray_address", "chunk_size": "chunk_size",
                "draws_per_row": "draws_per_row"}


def _version() -> str:
    from causalppl import __version__

    return __version__


if __name__ == "__main__":
    run()

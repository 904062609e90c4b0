"""The ``causalppl`` command line: argument parsing and printing, no logic of its own."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from rich.console import Console

from causalppl import api
from causalppl.diagnostics import CausalPPLError, speaking

EXIT_OK, EXIT_USER_ERROR, EXIT_INTERNAL = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USER_ERROR
    return _guarded(args.handler, args)


def _guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        with speaking("cli"):
            return handler(args)
    except CausalPPLError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as error:  # a bug of ours: say so plainly, traceback only on request
        if os.environ.get("CAUSALPPL_DEBUG"):
            raise
        print(f"causalppl: internal error: {type(error).__name__}: {error}\n"
              "This is a bug in causalppl; rerun with CAUSALPPL_DEBUG=1 for the traceback and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


# -------------------------------------------------------------- commands ----


def _run(args: argparse.Namespace) -> int:
    model = api.load(args.file)
    if args.data:
        model = model.with_data_files(args.data, replace=args.replace_data)
    options = dict(method=args.method, samples=args.samples, seed=args.seed, device=args.device,
                   quiet=args.quiet or args.format == "json" or not sys.stderr.isatty())
    for flag, option in _INFERENCE_FLAGS.items():
        if getattr(args, flag) is not None:
            options[option] = getattr(args, flag)
    results = model.run(args.query or None, **options)
    from causalppl import reporting

    if args.format == "json":
        print(reporting.results_json(model.name, results, explain=args.explain))
    else:
        reporting.print_results(model.name, results, Console(), explain=args.explain)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
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
        print(f"{file}: ok (model {model.name}: {variables} variables, {len(model.queries)} queries)")
    return EXIT_USER_ERROR if failures else EXIT_OK


def _graph(args: argparse.Namespace) -> int:
    from causalppl.drawing import write_graph

    model = api.load(args.file)
    if args.do:
        model = model.do_text(args.do)
    dot = model.to_dot()
    if args.output is None:
        print(dot, end="")
        return EXIT_OK
    try:
        written, note = write_graph(dot, Path(args.output))
    except ValueError as error:
        print(f"causalppl: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    for path in written:
        print(f"wrote {path}")
    if note:
        print(note, file=sys.stderr)
    return EXIT_OK


def _compile(args: argparse.Namespace) -> int:
    model = api.load(args.file)
    if args.do:
        model = model.do_text(args.do)
    if args.query:
        print(model.counterfactual_source(args.query), end="")
        return EXIT_OK
    print(model.pyro_source, end="")
    return EXIT_OK


def _import_bif(args: argparse.Namespace) -> int:
    from causalppl.interop.bif import main_convert

    return main_convert(args.file, args.output)


def _stdlib(args: argparse.Namespace) -> int:
    from causalppl.resources import stdlib_models

    for name in stdlib_models():
        print(f"stdlib:{name}")
    return EXIT_OK


# ---------------------------------------------------------------- parser ----


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="causalppl", description="Structural causal models: run, check, draw, compile.")
    parser.add_argument("--version", action="version", version=f"causalppl {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_run(commands)
    check = commands.add_parser("check", help="parse and check models; no inference (exit 1 on errors)")
    check.add_argument("files", nargs="+", metavar="FILE.scm")
    check.set_defaults(handler=_check)
    graph = commands.add_parser("graph", help="draw the causal graph (.dot, .svg, .png, .pdf)")
    graph.add_argument("file", metavar="FILE.scm")
    graph.add_argument("-o", "--output", metavar="OUT", help="output file; DOT on stdout when omitted")
    graph.add_argument("--do", metavar="X=1", help="draw the mutilated graph of this intervention")
    graph.set_defaults(handler=_graph)
    compile_ = commands.add_parser("compile", help="print the generated Pyro program")
    compile_.add_argument("file", metavar="FILE.scm")
    compile_.add_argument("--do", metavar="X=1", help="print the program transformed by this intervention")
    compile_.add_argument("--query", metavar="TEXT", help="print the multi-world program of a counterfactual query")
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
    run.add_argument("--jit", action="store_const", const=True, default=None,
                     help="NUTS: compile the potential with the PyTorch JIT (about twice as fast)")
    run.set_defaults(handler=_run)


_INFERENCE_FLAGS = {"chains": "num_chains", "warmup": "num_warmup", "draws": "num_samples", "steps": "num_steps",
                    "jit": "jit_compile", "save_trace": "save_trace", "plot": "plot", "missing": "missing"}


def _version() -> str:
    from causalppl import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())

"""The staged compiler: each stage imports only earlier stages; no import cycles; one reader of the method."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx

from tests.conftest import REPO

STAGES = [
    {"diagnostics", "resources", "files", "lazy", "processes"},
    {"syntax"},
    {"ir"},
    {"semantics"},
    {"transforms"},
    {"backends", "identification", "data", "interop", "drawing", "statistics"},
    {"inference"},
    {"api", "fitted", "reporting"},
    {"cli", "__init__", "__main__"},
]
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}

#: Function-local imports of the package's own modules that are deliberate (modules heavy to import,
#: needed only on one path).  Everything else imports at module level.
LOCAL_IMPORT_ALLOWLIST = {
    ("causalppl.api", "causalppl.fitted"),  # FittedModel is built only by Model.fit
    ("causalppl.api", "causalppl.drawing"),  # graphviz only when drawing
    # The engines import torch and pyro: `causalppl check`, `graph` and `compile` load the API without them.
    ("causalppl.api", "causalppl.inference.plan"),
    ("causalppl.api", "causalppl.inference.estimate.montecarlo"),
    ("causalppl", "causalppl.fitted"),  # `causalppl.FittedModel` on first use (module __getattr__): Bayesian engines
    ("causalppl.api", "causalppl.inference.counterfactual"),
    ("causalppl.api", "causalppl.inference.checking"),  # statistical tests only when checking against data
    ("causalppl.api", "causalppl.backends.site_checks"),  # torch and pyro: Model.sample only
    # code generation only for `compile` and the engines: `check` and `graph` skip its modules
    ("causalppl.api", "causalppl.backends.pyro_codegen"),
    ("causalppl.api", "causalppl.backends.numpyro_codegen"),
    ("causalppl.backends.pyro_codegen", "causalppl.backends.site_checks"),  # compiling, not generating source
    ("causalppl.api", "causalppl.data.rows"),
    ("causalppl.api", "causalppl.data.reading"),  # pandas and rich: only when a model has data
    ("causalppl.api", "causalppl.data.covariates"),  # torch: Model.sample only
    ("causalppl.data", "causalppl.data.reading"),  # read_dataset on first use (module __getattr__)  # pandas and pyarrow only when scoring rows
    ("causalppl.api", "causalppl.inference.scale.score"),
    ("causalppl.cli", "causalppl.reporting"),
    ("causalppl.cli", "causalppl.drawing"),
    ("causalppl.cli", "causalppl.interop.bif"),
    ("causalppl.cli", "causalppl.resources"),
    ("causalppl.cli", "causalppl"),
    ("causalppl.inference.bayesian.posterior", "causalppl.inference.bayesian.diagnostics"),  # arviz is slow
    ("causalppl.backends.bounds.bayesian", "causalppl.backends.bounds.response_nuts"),  # pyro only for NUTS
    ("causalppl.inference.observed", "causalppl.backends.exact"),  # the exact engine only for a joint from the model
    ("causalppl.inference.observed", "causalppl.backends.factors"),
    # the package's samplers on first use (module __getattr__): the planner reads its structure and settings only
    ("causalppl.inference.bayesian", "causalppl.inference.bayesian.answering"),
    ("causalppl.inference.bayesian", "causalppl.inference.bayesian.fitting"),
    ("causalppl.inference.bayesian", "causalppl.inference.bayesian.likelihood"),
    ("causalppl.inference.bayesian", "causalppl.inference.bayesian.posterior"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in (REPO / "causalppl").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, local_only: bool = False) -> set[str]:
    """Own-package modules imported by ``path`` (``local_only``: only those imported inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    nodes = ast.walk(tree)
    if local_only:
        nodes = (node for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for node in ast.walk(fn))
    modules = _modules()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & set(modules)
            # ``from package import submodule`` imports the submodule; anything else imports the module
            found.update(submodules if len(submodules) == len(node.names) else submodules | {node.module})
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "causalppl" or name.startswith("causalppl.")}


def _module_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        for imported in _imports(path):
            if imported in modules and imported != module:
                graph.add_edge(module, imported)
    return graph


def test_every_module_belongs_to_a_stage():
    for module in _modules():
        assert _stage_of(module) in RANK, f"{module} is in no stage: add it to STAGES"


def test_stages_import_only_earlier_stages():
    violations = []
    for module, path in _modules().items():
        own = RANK[_stage_of(module)]
        for imported in _imports(path):
            if imported == "causalppl":
                continue
            if RANK[_stage_of(imported)] > own:
                violations.append(f"{module} imports {imported}")
    assert not violations, "\n".join(sorted(violations))


def test_imports_are_absolute():
    relative = [f"{module}: from {'.' * node.level}{node.module or ''} import ..."
                for module, path in _modules().items()
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.level > 0]
    assert not relative, "relative imports hide a module's stage from these checks:\n" + "\n".join(relative)


def test_no_import_cycles_inside_any_package():
    graph = _module_graph()
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycles.append(" -> ".join(sorted(component)))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_function_local_imports_of_own_modules_outside_the_allowlist():
    found = []
    for module, path in _modules().items():
        for imported in _imports(path, local_only=True):
            owner = imported if imported in _modules() else imported.rsplit(".", 1)[0]
            if (module, owner) not in LOCAL_IMPORT_ALLOWLIST:
                found.append(f"{module} imports {owner} inside a function")
    assert not found, "\n".join(sorted(set(found)))


def test_inference_never_imports_the_front_end():
    for module, path in _modules().items():
        if _stage_of(module) != "inference":
            continue
        for imported in _imports(path):
            assert not imported.startswith(("causalppl.syntax", "causalppl.semantics")), (
                f"{module} imports {imported}: inference works on IR and checked queries only")


def test_the_planner_is_the_only_reader_of_the_method():
    pattern = re.compile(r"\boptions\.method\b|\[\s*[\"']method[\"']\s*\](?!\s*=[^=])|\.get\(\s*[\"']method[\"']")
    readers = []
    for module, path in _modules().items():
        if module in ("causalppl.inference.plan", "causalppl.inference.options"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith(("#", ">>>")):
                readers.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not readers, "only causalppl/inference/plan.py reads the asked method:\n" + "\n".join(readers)


#: Modules whose functions or classes run in other processes (worker processes, Ray tasks, actors and Train
#: workers): a worker unpickles them by their module's name, so that module is the first it imports.
WORKER_ENTRY_MODULES = (
    "causalppl.inference.bayesian.chains",  # NUTS chains in processes and Ray tasks
    "causalppl.inference.bayesian.ray_svi",  # Ray Train workers, the mailbox actor
    "causalppl.inference.scale.ray_score",  # Ray Data actors
    "causalppl.inference.scale.blocks",  # Ray tasks of bounds blocks
    "causalppl.backends.bounds.sharp",  # processes of polynomial bounds blocks
)

IMPORT_FIRST = """
import importlib, sys
import torch, pyro  # once: only the package is imported again for each module
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "causalppl" or m.startswith("causalppl.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if (error.name or "").startswith("causalppl"):
            failed.append(f"{name}: {error}")  # an optional extra that is not installed is not a failure
    except ImportError as error:
        failed.append(f"{name}: {error}")
print("\\n".join(failed))
"""


def test_modules_that_run_in_workers_import_first_in_a_fresh_interpreter():
    """An import cycle through a package's ``__init__`` breaks only when a module of the cycle is imported
    first -- which is what a worker does: the test imports each worker entry module first."""
    done = subprocess.run([sys.executable, "-c", IMPORT_FIRST, *WORKER_ENTRY_MODULES], capture_output=True,
                          text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert not done.stdout.strip(), "modules that fail when imported first:\n" + done.stdout


#: Calls that make a user-facing error or warning: their words come from the stage's message catalogue.
_REPORTING_CALLS = {"error", "warning", "warn", "report", "defer", "at", "Diagnostic", "CausalPPLError",
                    "CausalPPLWarning", "InterventionError", "NoiseError"}
_CATALOGUED_STAGES = ("causalppl.syntax", "causalppl.semantics", "causalppl.data", "causalppl.transforms")


def _worded(node: ast.AST) -> bool:
    """Whether an argument holds message text of its own: a string or f-string (not inside another call)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        return False
    return any(_worded(child) for child in ast.iter_child_nodes(node))


def worded_reports(tree: ast.AST) -> list[ast.Call]:
    """Calls in ``tree`` that pass their own words to an error or a warning."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name in _REPORTING_CALLS and any(_worded(arg) for arg in [*node.args, *(k.value for k in node.keywords)]):
            found.append(node)
    return found


def test_the_message_check_finds_words_at_a_report_site():
    snippet = ("reporter.error(span, f'unknown {name}')\nreporter.warning(span, 'a' + b)\n"
               "raise CausalPPLError.at(span, 'x', source=s)\nDiagnostic(span, m, 'error', hint='h')\n"
               "reporter.report(messages.unknown_name(span, name, ['a']))\n")
    assert len(worded_reports(ast.parse(snippet))) == 4


def test_syntax_semantics_data_and_transforms_word_their_errors_in_their_message_catalogues():
    found = []
    for module, path in _modules().items():
        if not module.startswith(_CATALOGUED_STAGES) or module.endswith(".messages"):
            continue
        for call in worded_reports(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.relative_to(REPO)}:{call.lineno}: {ast.unparse(call)[:100]}")
    assert not found, ("errors and warnings of the syntax, semantics, data and transforms stages are worded in their messages.py "
                       "(one function per kind of mistake):\n" + "\n".join(found))

"""The staged compiler: each stage imports only from earlier stages (and itself)."""

import ast
from pathlib import Path

from tests.conftest import REPO

STAGES = [
    {"diagnostics", "resources"},
    {"syntax"},
    {"semantics"},
    {"ir"},
    {"transforms"},
    {"backends", "identification", "data", "interop", "drawing"},
    {"inference"},
    {"api", "fitted", "reporting"},
    {"cli", "__init__", "__main__"},
]
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}


def _stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "causalppl" or name.startswith("causalppl.")}


def test_every_module_belongs_to_a_stage():
    for path in (REPO / "causalppl").rglob("*.py"):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        assert _stage_of(module) in RANK, f"{module} is in no stage: add it to STAGES"


def test_stages_import_only_earlier_stages():
    violations = []
    for path in (REPO / "causalppl").rglob("*.py"):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        own = RANK[_stage_of(module)]
        for imported in _imports(path):
            if imported == "causalppl":
                continue
            if RANK[_stage_of(imported)] > own:
                violations.append(f"{module} imports {imported}")
    assert not violations, "\n".join(violations)

"""Drawing the causal graph: DOT text always, SVG/PNG/PDF through Graphviz when installed.

Observed variables are ellipses, latent ones dashed, intervened ones boxes
labelled with their value, covariates (conditioned on, read from the data)
shaded; ``<->`` arcs are dashed and bidirected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from causalppl.ir.mechanisms import ConstantMechanism, Covariate
from causalppl.ir.model import CausalModel

RENDERED_FORMATS = ("svg", "png", "pdf")
DOT_FORMATS = ("dot", "gv")
#: The extensions ``causalppl graph -o`` writes.
GRAPH_SUFFIXES = tuple("." + fmt for fmt in DOT_FORMATS + RENDERED_FORMATS)
INSTALL_HINT = ("install Graphviz's 'dot' program (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz), or write the DOT text with '-o {dot}' and render it elsewhere with "
                "'dot -T{fmt} {dot} -o {out}'")


class GraphvizMissing(RuntimeError):
    """A rendered format was asked for, and Graphviz's ``dot`` is not installed."""


def model_to_dot(model: CausalModel, highlight: tuple[str, ...] = ()) -> str:
    lines = [f'digraph "{model.name}" {{', "  rankdir=TB;", '  node [shape=ellipse, fontname="Helvetica"];']
    for variable in model.model_variables:
        lines.append(f"  {_quote(variable.name)} [{_node_style(model, variable.name, highlight)}];")
    for variable in model.model_variables:
        lines.extend(f"  {_quote(parent)} -> {_quote(variable.name)};" for parent in variable.parents)
    for arc in model.confounders:
        lines.append(f"  {_quote(arc.a)} -> {_quote(arc.b)} [dir=both, style=dashed, constraint=false];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_style(model: CausalModel, name: str, highlight: tuple[str, ...]) -> str:
    variable = model.variable(name)
    if isinstance(variable.mechanism, ConstantMechanism):
        value = variable.domain.labels[int(variable.mechanism.value)] if variable.domain.is_finite else \
            f"{variable.mechanism.value:g}"
        return f'shape=box, style=bold, label="do({name} = {value})"'
    if variable.kind == "latent":
        return "style=dashed"
    if isinstance(variable.mechanism, Covariate):
        return 'style=filled, fillcolor="#dddddd"'  # conditioned on, as plate notation shades observed nodes
    if name in highlight:
        return "style=bold"
    return ""


def _quote(name: str) -> str:
    return f'"{name}"'


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render(dot_source: str, fmt: str) -> bytes:
    """Render DOT with Graphviz (raises FileNotFoundError when ``dot`` is missing)."""
    import graphviz

    if not dot_available():
        raise FileNotFoundError("dot")
    return graphviz.Source(dot_source).pipe(format=fmt)


def render_svg(dot_source: str) -> str | None:
    if not dot_available():
        return None
    return render(dot_source, "svg").decode("utf-8")


def write_graph(dot_source: str, out: Path) -> Path:
    """Write exactly ``out`` (.dot/.gv/.svg/.png/.pdf) and nothing else.

    A rendered format needs Graphviz: without it :class:`GraphvizMissing` is
    raised before anything is written (its message says what to do).
    """
    fmt = out.suffix.lower().lstrip(".")
    if fmt in DOT_FORMATS:
        out.write_text(dot_source, encoding="utf-8")
        return out
    if fmt not in RENDERED_FORMATS:
        raise ValueError(f"unknown graph format '.{fmt}'; use .dot, .svg, .png or .pdf")
    if not dot_available():
        raise GraphvizMissing(INSTALL_HINT.format(dot=out.with_suffix(".dot").name, fmt=fmt, out=out.name))
    out.write_bytes(render(dot_source, fmt))
    return out

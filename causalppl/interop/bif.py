"""Writing a BIF network as `.scm` source, and the ``causalppl import-bif`` command.

The writer turns a network into a ``model`` block in the table syntax of the
language: roots become ``X : {levels} ~ Categorical([...])`` and every other
variable ``X : {levels} ~ table(P1, P2) { ... }`` with one row per parent
combination, first parent slowest. Variables come in topological order (ties
keep the BIF's order), probabilities are written with the shortest decimal
that reads back as the same float, and names that are not identifiers of the
language are sanitized with :func:`sanitize_identifier`.
"""


import itertools
import math
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence, TextIO

from causalppl.interop.bif_reader import (
    BifCpd,
    BifError,
    BifNetwork,
    BifVariable,
    parse_bif,
    read_bif_text,
)
from causalppl.interop.names import (
    LEVEL_PREFIX,
    RESERVED_WORDS,
    VARIABLE_PREFIX,
    sanitize_identifier,
    unique_names,
)

__all__ = [
    "BifCpd",
    "BifError",
    "BifNetwork",
    "BifVariable",
    "Conversion",
    "RESERVED_WORDS",
    "bif_to_scm",
    "convert_bif",
    "convert_bif_file",
    "format_probability",
    "main_convert",
    "parse_bif",
    "read_bif_text",
    "sanitize_identifier",
]

#: Largest distance of a row's sum from 1 that is written unchanged.
SUM_TOLERANCE = 1e-6


# --------------------------------------------------------------------------
# Writing .scm


def format_probability(value: float) -> str:
    """The shortest decimal that reads back as ``value``, never in exponent form."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." not in text:
        text += ".0"
    return text


def _normalized(row: Sequence[float]) -> tuple[list[float], bool]:
    """The row itself when it sums to 1 (within tolerance), else the row divided by its sum."""
    total = math.fsum(row)
    if abs(total - 1.0) <= SUM_TOLERANCE:
        return list(row), False
    return [value / total for value in row], True


def _vector(row: Sequence[float]) -> tuple[str, bool]:
    """A row as ``[p, ...]`` and whether it had to be renormalized."""
    values, renormalized = _normalized(row)
    return "[" + ", ".join(format_probability(v) for v in values) + "]", renormalized


@dataclass(frozen=True)
class Conversion:
    """The `.scm` text of a converted network and the renamings it used."""

    source: str
    variable_names: dict[str, str]
    level_names: dict[str, dict[str, str]]

    def renamed(self) -> bool:
        """Whether any variable or level name had to be sanitized."""
        changed = [a != b for a, b in self.variable_names.items()]
        changed += [a != b for levels in self.level_names.values() for a, b in levels.items()]
        return any(changed)


class _Writer:
    """Builds the lines of a ``model`` block from a checked network."""

    def __init__(self, network: BifNetwork) -> None:
        self.network = network
        self.names = unique_names(list(network.variables), VARIABLE_PREFIX)
        self.levels = {
            name: unique_names(list(variable.states), LEVEL_PREFIX)
            for name, variable in network.variables.items()
        }

    def level_list(self, name: str) -> str:
        """``{l1, l2, ...}`` for a variable."""
        return "{" + ", ".join(self.levels[name][s] for s in self.network.variables[name].states) + "}"

    def rename_comment(self, name: str) -> list[str]:
        """Comment lines recording how a variable's own name and levels were changed."""
        lines = []
        if self.names[name] != name:
            lines.append(f"    # {self.names[name]} is '{name}' in the BIF file")
        changed = [f"{new} = '{old}'" for old, new in self.levels[name].items() if old != new]
        if changed:
            lines.append(f"    # levels of {self.names[name]}: " + ", ".join(changed))
        return lines

    def declaration(self, name: str) -> list[str]:
        """The lines declaring one variable with its mechanism."""
        cpd = self.network.cpds[name]
        head = f"    {self.names[name]} : {self.level_list(name)} ~ "
        if not cpd.parents:
            vector, renormalized = _vector(cpd.rows[0])
            return [head + f"Categorical({vector})" + _mark(renormalized)]
        lines = [head + "table(" + ", ".join(self.names[p] for p in cpd.parents) + ") {"]
        for combo, row in zip(self.combinations(cpd), cpd.rows):
            vector, renormalized = _vector(row)
            lines.append("        " + ", ".join(combo) + f" : {vector}" + _mark(renormalized))
        lines.append("    }")
        return lines

    def combinations(self, cpd: BifCpd) -> Iterable[tuple[str, ...]]:
        """Sanitized parent level names for each row, first parent slowest."""
        levels = [[self.levels[p][s] for s in self.network.variables[p].states] for p in cpd.parents]
        return itertools.product(*levels)

    def write(self, model_name: str, title: str) -> str:
        """The full `.scm` source text."""
        lines = [f"# {title} network, converted from its BIF file", f"model {model_name} {{"]
        for name in self.network.topological_order():
            lines += self.rename_comment(name) + self.declaration(name)
        lines.append("}")
        return "\n".join(lines) + "\n"


def _mark(renormalized: bool) -> str:
    """The comment put after a row that was renormalized."""
    return "  # renormalized" if renormalized else ""


def convert_bif(text: str, model_name: str, *, title: str | None = None) -> Conversion:
    """Convert BIF text, returning the `.scm` source and the name mappings.

    ``title`` names the network in the first comment line (default: the model name).
    """
    model = sanitize_identifier(model_name)
    writer = _Writer(parse_bif(text))
    source = writer.write(model, title or model_name)
    return Conversion(source, dict(writer.names), {k: dict(v) for k, v in writer.levels.items()})


def bif_to_scm(text: str, model_name: str) -> str:
    """Convert BIF text to `.scm` source with a ``model model_name { ... }`` block."""
    return convert_bif(text, model_name).source


def _stem(path: str | Path) -> str:
    """A file name without its ``.gz`` and ``.bif`` suffixes."""
    name = Path(path).name
    for suffix in (".gz", ".bif"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or "network"


def _default_model_name(path: str | Path) -> str:
    """``cancer.bif.gz`` -> ``Cancer``."""
    name = sanitize_identifier(_stem(path))
    return name[0].upper() + name[1:]


def convert_bif_file(path: str | Path, model_name: str | None = None) -> str:
    """Convert a BIF file (plain or gzip) to `.scm` source.

    The model is named after the file (``asia.bif`` -> ``Asia``) unless
    ``model_name`` is given.
    """
    name = model_name or _default_model_name(path)
    return convert_bif(read_bif_text(path), name, title=_stem(path)).source


def main_convert(path: str, out: str | None = None, *, stderr: TextIO | None = None) -> int:
    """Convert ``path`` and write the `.scm` text to ``out`` (or stdout).

    Returns 0 on success and 1 on a user error, reported on stderr as
    ``FILE:LINE:COL: error: MESSAGE`` (or ``FILE: error: MESSAGE`` when the
    file cannot be read or written).
    """
    err = stderr if stderr is not None else sys.stderr
    try:
        source = convert_bif_file(path)
    except BifError as error:
        print(error.render(path), file=err)
        return 1
    except OSError as error:
        print(f"{path}: error: cannot read the file ({error.strerror or error})", file=err)
        return 1
    return _emit(source, out, err)


def _emit(source: str, out: str | None, err: TextIO) -> int:
    """Write ``source`` to the file ``out`` or to stdout."""
    if out is None:
        sys.stdout.write(source)
        return 0
    try:
        Path(out).write_text(source, encoding="utf-8")
    except OSError as error:
        print(f"{out}: error: cannot write the file ({error.strerror or error})", file=err)
        return 1
    return 0

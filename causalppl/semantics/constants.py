"""Checks on resolved expressions that need their values: constants, arguments, indices, level labels.

Run once over a checked model (and over each query's expectations), after
names are resolved:

- **constants** fold (``1/0``, ``10 ^ 400``, ``log(-1)``, the literal
  ``1e999``): an undefined or overflowing computation is an error at its span
  (:func:`causalppl.ir.constants.fold`);
- **distribution arguments** written as constants obey their family's
  constraints: ``Binomial``'s ``total_count`` is a whole number, probabilities
  lie in [0, 1], ``Uniform``'s ``low`` is below ``high``, a ``Categorical``'s
  probabilities are not negative, vectors go where vectors are expected;
- **indices** ``b[i]`` stay inside the vector for every value ``i`` can take
  (constants, finite variables and sums of them are bounded; a real or int
  variable is not);
- **vectors** (literals and vector parameters; arithmetic on a vector is entry
  by entry) go only where vectors are taken: indexed, as a vector argument
  (``Categorical``, ``Dirichlet``), in a vector parameter's prior (of its
  length) or as a fixed parameter written out (``param s = [1, 2]``); never as
  a variable's value, a number argument, an entry of a vector or ``E[...]``;
- **integer level labels** are not numbers: ``Dose : {1, 2, 3}`` in
  arithmetic would stand for its level position (0, 1, 2), so it may only be
  compared (``Dose == 2``), used as an index or copied into a variable of the
  same kind.

Each walk keeps an explicit stack: deep expressions do not recurse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterator

from causalppl.ir import expressions as rx
from causalppl.ir.constants import Folded, fold
from causalppl.ir.families import FAMILIES
from causalppl.ir.mechanisms import Deterministic, Parametric
from causalppl.ir.types import Domain
from causalppl.semantics import messages
from causalppl.semantics.scope import Reporter, Scope

#: Arguments that must be whole numbers when constant.
WHOLE_ARGUMENTS = {"total_count"}
#: Arguments that are probabilities (scalars) in the families that take them.
PROBABILITY_ARGUMENTS = {"probs"}
#: (family, argument) pairs that take a vector; every other argument of a model variable is a scalar.
VECTOR_ARGUMENTS = {("Categorical", "probs"), ("Categorical", "logits"), ("Dirichlet", "concentration")}
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}


@dataclass
class ValueChecks:
    """The checks of this module, over one model's scope; problems go to ``reporter``."""

    scope: Scope
    reporter: Reporter
    vector_lengths: dict[str, int]  # vector parameters (sized, or fixed to a vector literal) -> length

    # --------------------------------------------------------- entry points ----
    def declaration(self, name: str, mechanism, fixed_value: rx.Expr | None) -> None:
        """Every check on one declaration's expressions."""
        symbol = self.scope.lookup(name)
        if fixed_value is not None:
            self.expression(fixed_value)
            if not isinstance(fixed_value, rx.VectorLiteral):  # a fixed vector is written out: [1, 2]
                self._number_required(fixed_value, lambda length, shown, vector: messages.fixed_value_is_vector(
                    fixed_value.span, name, shown, length, vector))
        if isinstance(mechanism, Deterministic):
            self.expression(mechanism.expr, symbol.domain if symbol is not None else None)
            self._number_required(mechanism.expr, lambda length, shown, vector: messages.value_is_vector(
                mechanism.expr.span, name, shown, length, vector))
        elif isinstance(mechanism, Parametric) and mechanism.family in FAMILIES:
            values = {name: self.expression(expr).value for name, expr in mechanism.arguments}
            self._arguments(mechanism, values, symbol)

    def expectation(self, expr: rx.Expr) -> None:
        """The expression of an ``E[...]``: the checks of :meth:`expression`, and a number, never a vector."""
        self.expression(expr)
        self._number_required(expr, lambda length, shown, vector: messages.expectation_of_vector(
            expr.span, shown, length, vector))
        if self._vector_length(expr) is not None:
            return
        for node in _post_order(entrywise(expr, self.vector_lengths)):
            if isinstance(node, rx.FunctionCall) and node.function == ENTRIES:  # (model mechanisms take these)
                self.reporter.report(messages.vector_per_unit_in_query(node.span, self._shown(node.args[0])))
                break

    def expression(self, expr: rx.Expr, target: Domain | None = None) -> Folded:
        """Constants, indices, vectors and level labels of one expression (``target``: the domain it defines)."""
        folded = fold(expr)
        for span, message in folded.problems:
            self.reporter.report(messages.constant_not_finite(span, message))
        for node in _post_order(expr):
            if isinstance(node, rx.IndexInto):
                self._index(node, folded.of(node.index))
            elif isinstance(node, rx.Binary) and node.op == "/" and folded.of(node.right) == 0 \
                    and folded.of(node.left) is None:
                self.reporter.report(messages.division_by_zero(node.right.span))
        self._vector_length(expr, report=True)
        self._level_labels(expr, target)
        return folded

    # -------------------------------------------------------------- vectors ----
    def _vector_length(self, expr: rx.Expr, report: bool = False) -> int | None:
        """How many entries the vector ``expr`` gives, or None for a number.

        Vectors are literals (``[a, b]``) and vector parameters; arithmetic, comparisons, functions and ``if``
        apply entry by entry, so an operand that is a vector makes a vector; an index gives a number.  With
        ``report``, what can never be right anywhere is reported: a vector as an entry of a vector, and
        vectors of different lengths combined entry by entry.
        """
        lengths: dict[int, int | None] = {}
        for node in _post_order(expr):
            if isinstance(node, rx.VectorLiteral):
                for item in node.items:
                    if report and lengths[id(item)] is not None:
                        self.reporter.report(messages.vector_in_vector(item.span, self._shown(item), lengths[id(item)],
                                                                       self._vector_name(item)))
                length = len(node.items)
            elif isinstance(node, rx.ParamRef):
                length = self.vector_lengths.get(node.name)
            elif isinstance(node, rx.IndexInto):
                length = None
            else:
                found = [lengths[id(child)] for child in rx.children(node) if lengths[id(child)] is not None]
                if report and len(set(found)) > 1:
                    self.reporter.report(messages.vector_lengths_differ(node.span, found[0],
                                                                        next(n for n in found if n != found[0])))
                length = found[0] if found else None
            lengths[id(node)] = length
        return lengths[id(expr)]

    def _number_required(self, expr: rx.Expr, problem) -> None:
        """Report ``problem(length, shown, vector)`` when ``expr`` gives a vector where a number is required."""
        length = self._vector_length(expr)
        if length is not None:
            self.reporter.report(problem(length, self._shown(expr), self._vector_name(expr)))

    def _shown(self, expr: rx.Expr) -> str:
        """``expr`` as the user wrote it (its source text; the resolved form only when the text is not at hand)."""
        return source_text(self.reporter.source, expr)

    def _vector_name(self, expr: rx.Expr) -> str | None:
        """The first vector parameter ``expr`` reads whole (not indexed), for hints; None if there is none."""
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, rx.ParamRef) and node.name in self.vector_lengths:
                return node.name
            if not isinstance(node, rx.IndexInto):
                stack.extend(reversed(rx.children(node)))
        return None

    # ------------------------------------------------------------ arguments ----
    def _arguments(self, mechanism: Parametric, values: dict[str, float | None], symbol) -> None:
        family = mechanism.family
        is_parameter = symbol is not None and not symbol.is_variable
        for name, expr in mechanism.arguments:
            value = values[name]
            vector = (family, name) in VECTOR_ARGUMENTS
            if vector:
                self._vector_argument(family, name, expr)
            else:
                length = self._vector_length(expr)
                if length is not None and not is_parameter:
                    self.reporter.report(messages.scalar_argument_is_vector(expr.span, family, name))
                elif length is not None and length != symbol.size:  # a vector parameter's prior: entry by entry
                    self.reporter.report(messages.prior_argument_length(expr.span, family, name, symbol.name,
                                                                        symbol.size, length))
            if value is None:
                continue
            if name in WHOLE_ARGUMENTS and not float(value).is_integer():
                self.reporter.report(messages.argument_not_whole(expr.span, family, name, value))
            if name in PROBABILITY_ARGUMENTS and not vector and family != "Bernoulli" and not 0 <= value <= 1:
                self.reporter.report(messages.probability_outside_unit(expr.span, value))
        low, high = values.get("low"), values.get("high")
        if family == "Uniform" and low is not None and high is not None and not low < high:
            self.reporter.report(messages.uniform_bounds(mechanism.span, low, high))

    def _vector_argument(self, family: str, name: str, expr: rx.Expr) -> None:
        length = self._vector_length(expr)
        if length is None:
            self.reporter.report(messages.vector_argument_is_scalar(expr.span, family, name, self._shown(expr)))
            return
        for item in _literal_entries(expr):
            value = fold(item).value
            if value is None:
                continue
            if name == "probs" and value < 0:
                self.reporter.report(messages.negative_probability(item.span, value))
            if name == "concentration" and value <= 0:
                self.reporter.report(messages.argument_not_positive(item.span, family, name, value))

    # -------------------------------------------------------------- indices ----
    def _index(self, node: rx.IndexInto, constant: float | None) -> None:
        length = self._vector_length(node.target)
        shown = self._shown(node.target)
        if length is None:
            self.reporter.report(messages.not_a_vector(node.span, shown))
            return
        bounds = _bounds(node.index, self.scope, constant)
        if isinstance(bounds, str):
            self.reporter.report(messages.index_not_whole(node.index.span, shown, length, bounds))
            return
        low, high = bounds
        if low < 0 or high > length - 1:
            values = f"is {_n(low)}" if low == high else f"ranges from {_n(low)} to {_n(high)}"
            self.reporter.report(messages.index_out_of_range(node.index.span, shown, length, values))

    # --------------------------------------------------------- level labels ----
    def _level_labels(self, expr: rx.Expr, target: Domain | None) -> None:
        """A variable with integer labels other than its positions may not stand for a number."""
        stack: list[tuple[rx.Expr, bool]] = [(expr, target is not None and target.is_finite)]
        while stack:
            node, allowed = stack.pop()
            if isinstance(node, rx.VarRef):
                if not allowed:
                    self._label_as_number(node)
                continue
            if isinstance(node, rx.Binary) and node.op in _COMPARISONS:
                stack += [(node.left, True), (node.right, True)]
            elif isinstance(node, rx.IndexInto):
                stack += [(node.target, False), (node.index, True)]
            elif isinstance(node, rx.IfThenElse):
                stack += [(node.condition, False), (node.then, allowed), (node.otherwise, allowed)]
            else:
                stack += [(child, False) for child in rx.children(node)]

    def _label_as_number(self, node: rx.VarRef) -> None:
        symbol = self.scope.lookup(node.name)
        if symbol is None or not has_misleading_labels(symbol.domain):
            return
        self.reporter.report(messages.level_label_as_number(node.span, node.name, symbol.domain))


#: The function :func:`entrywise` wraps a number in where it meets a vector (``rt.entries``: one more, last axis).
ENTRIES = "entries"


def vector_lengths(parameters) -> dict[str, int]:
    """Vector parameters (``size``, or a fixed value written as a vector) -> length, of a model's parameters."""
    lengths = {}
    for parameter in parameters:
        if parameter.size is not None:
            lengths[parameter.name] = parameter.size
        elif isinstance(parameter.fixed_value, rx.VectorLiteral):
            lengths[parameter.name] = len(parameter.fixed_value.items)
    return lengths


def entrywise(expr: rx.Expr, vectors: dict[str, int]) -> rx.Expr:
    """``expr`` with each number that meets a vector made explicit: ``if Z == a then [..] else [..]`` becomes
    ``if entries(Z == a) then [..] else [..]``, ``s + X`` (``s`` a vector parameter) ``s + entries(X)``.

    Arithmetic, comparisons, functions and ``if`` on a vector go entry by entry (the shape rule of
    :class:`ValueChecks`); a number that varies from unit to unit has the units on its last axis, and
    ``entries`` moves them left of the entries' axis, so that a vector per unit has shape (units, entries).
    Constants need nothing (they broadcast); an expression with no vector comes back as it is.
    """
    vector: dict[int, bool] = {}
    rebuilt: dict[int, rx.Expr] = {}
    changed = False
    for node in _post_order(expr):
        kids = rx.children(node)
        if isinstance(node, rx.VectorLiteral):
            is_vector = True
        elif isinstance(node, rx.ParamRef):
            is_vector = node.name in vectors
        elif isinstance(node, rx.IndexInto):
            is_vector = False
        else:
            is_vector = any(vector[id(child)] for child in kids)
        vector[id(node)] = is_vector
        new_kids = [rebuilt[id(child)] for child in kids]
        if is_vector and isinstance(node, (rx.Unary, rx.Binary, rx.IfThenElse, rx.FunctionCall)):
            new_kids = [kid if vector[id(child)] or isinstance(child, rx.Const)
                        else rx.FunctionCall(ENTRIES, (kid,), child.span)
                        for child, kid in zip(kids, new_kids)]
        if any(new is not old for new, old in zip(new_kids, kids)):
            changed = True
            rebuilt[id(node)] = _with_children(node, new_kids)
        else:
            rebuilt[id(node)] = node
    return rebuilt[id(expr)] if changed else expr


def _with_children(node: rx.Expr, kids: list[rx.Expr]) -> rx.Expr:
    if isinstance(node, rx.Unary):
        return replace(node, operand=kids[0])
    if isinstance(node, rx.Binary):
        return replace(node, left=kids[0], right=kids[1])
    if isinstance(node, rx.IfThenElse):
        return replace(node, condition=kids[0], then=kids[1], otherwise=kids[2])
    if isinstance(node, rx.FunctionCall):
        return replace(node, args=tuple(kids))
    if isinstance(node, rx.VectorLiteral):
        return replace(node, items=tuple(kids))
    if isinstance(node, rx.IndexInto):
        return replace(node, target=kids[0], index=kids[1])
    return node


def _literal_entries(expr: rx.Expr) -> Iterator[rx.Expr]:
    """The entries of the vector literals ``expr`` gives whole (``[a, b]``, either branch of an ``if``)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, rx.VectorLiteral):
            yield from node.items
        elif isinstance(node, rx.IfThenElse):
            stack += [node.otherwise, node.then]


def source_text(source: str, expr: rx.Expr) -> str:
    """The text of ``expr`` at its span in ``source``, spaces collapsed; the resolved expression, written out
    without the brackets :func:`~causalppl.ir.expressions.to_text` puts around a whole operation, when the span
    does not lie in ``source``."""
    span = expr.span
    lines = source.splitlines()
    if span.is_known and 1 <= span.line <= span.end_line <= len(lines):
        if span.line == span.end_line:
            text = lines[span.line - 1][span.column - 1:span.end_column - 1]
        else:
            text = "\n".join([lines[span.line - 1][span.column - 1:], *lines[span.line:span.end_line - 1],
                              lines[span.end_line - 1][:span.end_column - 1]])
        text = " ".join(text.split())
        if text and _balanced(text):
            return text
    text = rx.to_text(expr)
    if isinstance(expr, (rx.Binary, rx.IfThenElse)) and text.startswith("(") and text.endswith(")"):
        return text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def has_misleading_labels(domain: Domain) -> bool:
    """Levels written as integers that are not their positions (``{1, 2, 3}``, ``{-1, 0, 1}``)."""
    if domain.kind != "levels" or not any(_is_integer_label(label) for label in domain.levels):
        return False
    return any(label != str(position) for position, label in enumerate(domain.levels))


def _is_integer_label(label: str) -> bool:
    return label.lstrip("-").isdigit()


# --------------------------------------------------------- index bounds ----


def _bounds(expr: rx.Expr, scope: Scope, constant: float | None) -> tuple[float, float] | str:
    """The whole-number range of an index expression, or why it has none."""
    if constant is not None:
        return (constant, constant) if float(constant).is_integer() else f"it is {_n(constant)}"
    ranges: dict[int, tuple[float, float] | str] = {}
    for node in _post_order(expr):
        ranges[id(node)] = _node_bounds(node, scope, ranges)
    return ranges[id(expr)]


def _node_bounds(node: rx.Expr, scope: Scope, ranges: dict) -> tuple[float, float] | str:
    if isinstance(node, rx.Const):
        return (node.value, node.value) if float(node.value).is_integer() else f"it can be {_n(node.value)}"
    if isinstance(node, rx.VarRef):
        symbol = scope.lookup(node.name)
        domain = symbol.domain if symbol is not None else None
        if domain is not None and domain.is_finite:
            return (0.0, float(domain.size - 1))
        kind = domain.describe() if domain is not None else "unknown"
        return f"'{node.name}' is {kind}" + (" (unbounded)" if kind == "int" else "")
    if isinstance(node, rx.ParamRef):
        return f"the parameter '{node.name}' is real"
    parts = [ranges[id(child)] for child in rx.children(node)]
    problem = next((part for part in parts if isinstance(part, str)), None)
    if isinstance(node, rx.IfThenElse):
        branches = parts[1:]
        problem = next((part for part in branches if isinstance(part, str)), None)
        if problem is not None:
            return problem
        return (min(b[0] for b in branches), max(b[1] for b in branches))
    if problem is not None:
        return problem
    if isinstance(node, rx.Unary) and node.op == "-":
        return (-parts[0][1], -parts[0][0])
    if isinstance(node, rx.Binary) and node.op in ("+", "-", "*"):
        (a, b), (c, d) = parts
        if node.op == "+":
            return (a + c, b + d)
        if node.op == "-":
            return (a - d, b - c)
        products = (a * c, a * d, b * c, b * d)
        return (min(products), max(products))
    if isinstance(node, rx.Binary) and node.op in _COMPARISONS | {"and", "or"}:
        return (0.0, 1.0)
    return f"'{rx.to_text(node)}' is not a whole number"


def _post_order(expr: rx.Expr) -> Iterator[rx.Expr]:
    stack: list[tuple[rx.Expr, bool]] = [(expr, False)]
    while stack:
        node, visited = stack.pop()
        if visited:
            yield node
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in rx.children(node))


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and math.isfinite(value) else f"{value:g}"


__all__ = ["ValueChecks", "entrywise", "has_misleading_labels", "vector_lengths"]

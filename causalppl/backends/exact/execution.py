"""Running a contraction path: one ``torch.einsum`` call per step.

A path (``opt_einsum``'s format: at each step, the positions of the operands
to contract; they leave the list and the result is appended) is compiled
once into a :class:`Program` of einsum equations, so running it costs one
torch call per step and no parsing or planning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from causalppl.lazy import torch

from causalppl.backends.exact.elimination import Scope

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Step:
    """Pop the operands at ``positions`` (in that order) and append their einsum."""

    positions: tuple[int, ...]
    equation: str


@dataclass(frozen=True)
class Program:
    """A compiled contraction path."""

    steps: tuple[Step, ...]

    def run(self, tables: Sequence[torch.Tensor]) -> torch.Tensor:
        stack = list(tables)
        for step in self.steps:
            picked = [stack.pop(position) for position in step.positions]
            stack.append(torch.einsum(step.equation, *picked))
        return stack[0]


def compile_path(scopes: Sequence[Scope], path: Iterable[Sequence[int]], output: Scope) -> Program:
    """Compile ``path`` over operands with these ``scopes`` into a program.

    Each step keeps the variables the output or a remaining operand needs,
    in order of first appearance; the last step yields ``output`` in order.
    """
    steps = list(path)
    operands = [tuple(scope) for scope in scopes]
    uses = Counter(v for scope in operands for v in scope)
    needed_at_end = set(output)
    compiled = []
    for number, positions in enumerate(steps):
        popped = tuple(sorted(positions, reverse=True))
        inputs = [operands.pop(p) for p in popped]
        local = Counter(v for scope in inputs for v in scope)
        if number == len(steps) - 1:
            result = tuple(output)
        else:
            result = tuple(v for v in local if v in needed_at_end or uses[v] > local[v])
        uses.subtract(local)
        uses.update(result)
        operands.append(result)
        compiled.append(Step(popped, _equation(inputs, result)))
    return Program(tuple(compiled))


def _equation(inputs: Sequence[Scope], result: Scope) -> str:
    """An einsum equation for one step, naming its variables by letters."""
    letters: dict[str, str] = {}
    for scope in (*inputs, result):
        for variable in scope:
            if variable not in letters:
                if len(letters) == len(_LETTERS):
                    raise ValueError(
                        f"a contraction step spans more than {len(_LETTERS)} variables"
                    )
                letters[variable] = _LETTERS[len(letters)]
    terms = ",".join("".join(letters[v] for v in scope) for scope in inputs)
    return terms + "->" + "".join(letters[v] for v in result)

"""The messages of the semantic stage: one function per kind of mistake, so a mistake has the same words everywhere.

Each function returns a :class:`~causalppl.diagnostics.Diagnostic` at the
span it is given; the checks hand it to their
:class:`~causalppl.semantics.scope.Reporter`, which collects every problem of
a program and raises them together.  Values that do not fit a variable are
worded by the one value validator (:mod:`causalppl.ir.values`).

>>> from causalppl.diagnostics import Span, render
>>> print(render(unknown_name(Span("m.scm", 3, 11, 3, 15), "Tarr", ["Tar", "Cancer"]), None))
m.scm:3:11: error: unknown name 'Tarr' (did you mean 'Tar'?)
    hint: declare it in the model block, or check its spelling
"""

from __future__ import annotations

from typing import Iterable, Sequence

from causalppl.diagnostics import Diagnostic, Span, did_you_mean, shown_value
from causalppl.ir.constants import HELD_AS_ZERO, OUT_OF_RANGE
from causalppl.ir.families import Family
from causalppl.ir.types import Domain
from causalppl.ir.values import BadValue, not_a_level, not_a_variable, unknown_variable as _unknown_variable


def error(span: Span, message: str, hint: str | None = None) -> Diagnostic:
    """An error at ``span`` (the functions below build theirs with it)."""
    return Diagnostic(span, message, "error", hint)


def bad_value(span: Span, problem: BadValue) -> Diagnostic:
    """A value that does not fit its variable, in the words of :mod:`causalppl.ir.values`."""
    return problem.at(span)


def _s(count: int) -> str:
    return "s" * (count != 1)


# ---------------------------------------------------------------- program ----


def no_model_block(span: Span) -> Diagnostic:
    return error(span, "the file has no model block", "start with 'model Name { ... }'")


def cycle(span: Span, names: Sequence[str]) -> Diagnostic:
    """The model's arrows close a cycle: ``names`` from its first variable back to it."""
    return error(span, "the model has a cycle: " + " -> ".join(names),
                 "a structural causal model is acyclic; remove one of these arrows")


def parameter_before_declaration(span: Span, parameter: str, used: str) -> Diagnostic:
    return error(span, f"the prior of '{parameter}' uses parameter '{used}' before it is declared",
                 f"declare '{used}' above '{parameter}'")


def query_named_twice(span: Span, name: str, first_line: int) -> Diagnostic:
    return error(span, f"two queries are named '{name}' (first at line {first_line})")


# ------------------------------------------------------------------ names ----


def unknown_name(span: Span, name: str, candidates: Iterable[str]) -> Diagnostic:
    return error(span, f"unknown name '{name}'" + did_you_mean(name, candidates),
                 "declare it in the model block, or check its spelling")


def unknown_variable(span: Span, name: str, variables: Iterable[str]) -> Diagnostic:
    """A name that is no model variable, where one is required."""
    return bad_value(span, _unknown_variable(name, list(variables)))


def parameter_not_variable(span: Span, name: str) -> Diagnostic:
    """A parameter where a model variable is required."""
    return bad_value(span, not_a_variable(name))


def ambiguous_name(span: Span, name: str, kind: str, domain: Domain) -> Diagnostic:
    """A name that is both a model variable (or parameter) and a level of the variable it meets."""
    return error(span, f"'{name}' is ambiguous: both a {kind} and a level of {domain.describe()}",
                 f"rename the {kind} or the level; level names and other names must differ where they meet")


def not_a_level_of(span: Span, label: str, variable: str, domain: Domain) -> Diagnostic:
    """A label that is none of the levels of ``variable``."""
    return bad_value(span, not_a_level(variable, domain, label))


def unknown_function(span: Span, name: str, functions: Iterable[str]) -> Diagnostic:
    functions = list(functions)
    return error(span, f"unknown function '{name}'" + did_you_mean(name, functions),
                 "available functions: " + ", ".join(functions))


def function_arity(span: Span, name: str, arity: int, given: int) -> Diagnostic:
    return error(span, f"{name}() takes {arity} argument{_s(arity)}, got {given}")


# ----------------------------------------------------------------- values ----


def value_not_constant(span: Span, variable: str) -> Diagnostic:
    return error(span, f"the value of '{variable}' must be a constant")


def value_is_a_name(span: Span, variable: str, name: str) -> Diagnostic:
    """A model name (variable or parameter) written where a value of ``variable`` is expected."""
    return error(span, f"the value of '{variable}' must be a constant, not the name '{name}'")


def potential_outcome_in_model(span: Span, variable: str) -> Diagnostic:
    return error(span, f"potential outcome '{variable}[...]' is only allowed in queries",
                 "inside the model, write the mechanism of the variable itself")


def potential_outcome_in_do(span: Span) -> Diagnostic:
    """``do(X = Y[...])``: an intervention sets constants."""
    return error(span, "a potential outcome cannot be the value of do(...)",
                 "do(...) takes constants; nest potential outcomes in a subscript: Y[X = 1, M = M[X = 0]]")


# -------------------------------------------------------- constant values ----


def constant_not_finite(span: Span, problem: str) -> Diagnostic:
    """A constant expression that is undefined or overflows (``problem``: what :func:`~causalppl.ir.constants.fold` found)."""
    if HELD_AS_ZERO in problem:
        return error(span, problem, "write 0 if that is what it means (a probability that small is 0 to the "
                                    "programs), or give the number in other units so that it fits")
    if OUT_OF_RANGE in problem:
        return error(span, problem, "give the number in other units (thousands, millions, or log units) so that "
                                    "it fits")
    return error(span, problem, "a constant expression must have a finite value")


def division_by_zero(span: Span) -> Diagnostic:
    return error(span, "division by zero", "a ratio needs a denominator other than 0")


def scalar_argument_is_vector(span: Span, family: str, argument: str) -> Diagnostic:
    return error(span, f"{family}'s {argument} is a number, not a vector",
                 "index the vector (b[Region]) or write one number")


def _index_hint(vector: str | None) -> str:
    """How to index ``vector`` (a vector parameter's name; None when only vectors written out are involved)."""
    if vector is None:
        return "write a number, or index the vector ([0.2, 0.8][0] is 0.2)"
    return f"index '{vector}': {vector}[0] is its first entry ({vector}[Region] indexes by a finite variable's level)"


def expectation_of_vector(span: Span, shown: str, length: int, vector: str | None) -> Diagnostic:
    """``E[c]`` for a vector ``c`` (or arithmetic on one): an expectation is of a number, asked entry by entry."""
    return error(span, f"E[...] takes a number, but '{shown}' is a vector of {length} entries",
                 _index_hint(vector) + "; ask for one entry per query"
                 + (f" (E[{vector}[0]], E[{vector}[1]], ...)" if vector is not None else ""))


def vector_per_unit_in_query(span: Span, shown: str) -> Diagnostic:
    """``E[(if Z == a then [1, 2] else c)[X]]``: a query's expression combines vectors only with constants."""
    return error(span, f"in a query, '{shown}' varies from unit to unit and cannot be combined with a vector",
                 "define the vector expression as a variable of the model (Y := (if Z == a then [1, 2] else c)[X]) "
                 "and ask about that variable")


def value_is_vector(span: Span, name: str, shown: str, length: int, vector: str | None) -> Diagnostic:
    """``Y := c + X`` for a vector ``c``: a variable's value is a number."""
    return error(span, f"the value of '{name}' is a number, but '{shown}' is a vector of {length} entries",
                 _index_hint(vector))


def fixed_value_is_vector(span: Span, name: str, shown: str, length: int, vector: str | None) -> Diagnostic:
    """``param d = c`` (or ``c + 1``) for a vector ``c``: a fixed vector is written out."""
    return error(span, f"the value of parameter '{name}' is the vector '{shown}' ({length} entries); a fixed "
                       "parameter is a number or a vector written out",
                 f"write its entries (param {name} = [1, 2]), use "
                 + (f"'{vector}'" if vector is not None else "the vector") + f" itself where '{name}' is used, "
                 + "or index it")


def vector_in_vector(span: Span, shown: str, length: int, vector: str | None) -> Diagnostic:
    """``[c, 1]`` for a vector ``c``: vectors hold numbers."""
    return error(span, f"an entry of a vector is a number, but '{shown}' is a vector of {length} entries",
                 _index_hint(vector))


def vector_lengths_differ(span: Span, first: int, second: int) -> Diagnostic:
    """Arithmetic entry by entry on vectors of different lengths."""
    return error(span, f"vectors of {first} and {second} entries cannot be combined entry by entry",
                 "combine vectors of the same length, or index them")


def prior_argument_length(span: Span, family: str, argument: str, parameter: str, size: int | None,
                          length: int) -> Diagnostic:
    """A parameter's prior with a vector argument of another length than the parameter (or a scalar parameter)."""
    if size is None:
        return error(span, f"{family}'s {argument} is a vector of {length} entries, but parameter '{parameter}' "
                           "is a number",
                     f"declare a vector parameter, param {parameter}[{length}] ~ ..., or index the vector")
    return error(span, f"{family}'s {argument} is a vector of {length} entries, but parameter '{parameter}' "
                       f"has {size}",
                 f"give one entry per entry of '{parameter}', or a number for all of them")


def vector_argument_is_scalar(span: Span, family: str, argument: str, shown: str) -> Diagnostic:
    """A number where a family takes a vector (``Categorical(0.5)``)."""
    return error(span, f"{family}'s {argument} is a vector, but '{shown}' is a number",
                 f"write it as a vector, e.g. {family}({argument}=[0.2, 0.8])")


def argument_not_whole(span: Span, family: str, argument: str, value: float) -> Diagnostic:
    return error(span, f"{family}'s {argument} must be a whole number, got {value:g}")


def argument_not_positive(span: Span, family: str, argument: str, value: float) -> Diagnostic:
    return error(span, f"{family}'s {argument} must be positive, got {value:g}")


def probability_outside_unit(span: Span, value: float) -> Diagnostic:
    return error(span, f"a probability must lie in [0, 1], got {value:g}")


def negative_probability(span: Span, value: float) -> Diagnostic:
    return error(span, f"a probability must not be negative, got {value:g}")


def uniform_bounds(span: Span, low: float, high: float) -> Diagnostic:
    return error(span, f"Uniform needs low < high, got low = {low:g} and high = {high:g}",
                 "swap the arguments, or give an interval of positive width")


def not_a_vector(span: Span, shown: str) -> Diagnostic:
    """An index into something that is not a vector."""
    return error(span, f"'{shown}' is not a vector; only vectors are indexed",
                 "index a vector parameter (param b[3] ~ ...) or a vector [a, b, c]")


def index_not_whole(span: Span, shown: str, length: int, why: str) -> Diagnostic:
    """An index with no whole-number range (``why``: e.g. "'x' is real")."""
    return error(span, f"the index of '{shown}' must be a whole number from 0 to {length - 1}, but {why}",
                 f"index with a constant or a finite variable (bool or levels), e.g. {shown}[Region]")


def index_out_of_range(span: Span, shown: str, length: int, values: str) -> Diagnostic:
    """An index that can fall outside the vector (``values``: "is 3" or "ranges from 0 to 4")."""
    return error(span, f"'{shown}' has {length} entries (0 to {length - 1}), but the index {values}",
                 "entries are numbered from 0; a finite variable indexes by its level position")


def level_label_as_number(span: Span, name: str, domain: Domain) -> Diagnostic:
    """A variable with integer labels other than its positions used as a number."""
    positions = ", ".join(str(i) for i in range(domain.size))
    return error(span, f"'{name}' has the integer levels {domain.describe()}: as a number it would stand for its "
                       f"level position ({positions}), not its label",
                 f"compare it ({name} == {domain.levels[-1]}), index a vector with it, or declare '{name}' as int")


# ----------------------------------------------------------- declarations ----


def declared_twice(span: Span, name: str, first_line: int) -> Diagnostic:
    return error(span, f"'{name}' is declared twice (first at line {first_line})",
                 "each name is declared once; rename one of them")


def no_type_nor_mechanism(span: Span, name: str) -> Diagnostic:
    return error(span, f"'{name}' has neither a type nor a mechanism",
                 f"write '{name} : bool' (unknown distribution) or '{name} ~ Normal(0, 1)'")


def nonparametric_needs_type(span: Span, name: str) -> Diagnostic:
    return error(span, f"the nonparametric mechanism of '{name}' needs a type",
                 f"write '{name} : bool <- ...' or '{name} : {{low, high}} <- ...'")


def prior_is_table(span: Span) -> Diagnostic:
    return error(span, "a parameter's prior must be a distribution, not a table")


def prior_reads_variable(span: Span, parameter: str, variable: str) -> Diagnostic:
    return error(span, f"the prior of parameter '{parameter}' reads the variable '{variable}'",
                 "priors may depend on parameters only")


def fixed_value_reads_variables(span: Span, parameter: str) -> Diagnostic:
    return error(span, f"the value of parameter '{parameter}' reads model variables")


def parameter_size_mismatch(span: Span, parameter: str, size: int, length: int) -> Diagnostic:
    return error(span, f"parameter '{parameter}' has size {size} but its value has {length} element{_s(length)}")


def unknown_distribution(span: Span, name: str, families: Iterable[str]) -> Diagnostic:
    families = list(families)
    return error(span, f"unknown distribution '{name}'" + did_you_mean(name, families),
                 "available: " + ", ".join(families))


def argument_given_twice(span: Span, family: str, argument: str) -> Diagnostic:
    return error(span, f"argument '{argument}' of {family} is given twice")


def too_many_arguments(span: Span, family: Family, given: int) -> Diagnostic:
    return error(span, f"{family.name} takes {_arity_text(family)}, got {given}", _signature_hint(family))


def no_such_argument(span: Span, family: Family, argument: str) -> Diagnostic:
    return error(span, f"{family.name} has no argument '{argument}'" + did_you_mean(argument, family.arguments),
                 _signature_hint(family))


def exactly_one_of(span: Span, family: Family, group: Sequence[str]) -> Diagnostic:
    return error(span, f"{family.name} needs exactly one of {' or '.join(group)}", _signature_hint(family))


def missing_arguments(span: Span, family: Family, missing: Sequence[str]) -> Diagnostic:
    return error(span, f"{family.name} is missing argument{'s' * (len(missing) > 1)} {', '.join(missing)}",
                 _signature_hint(family))


def _arity_text(family: Family) -> str:
    if family.alternatives:
        return "1 argument"
    if family.required == len(family.arguments):
        return f"{family.required} argument{_s(family.required)}"
    return f"{family.required} to {len(family.arguments)} arguments"


def _signature_hint(family: Family) -> str:
    if family.alternatives:
        options = " or ".join(f"{family.name}({name}=...)" for name in family.alternatives[0])
        return f"write {family.name}(p) or {options}"
    return f"{family.name}({', '.join(family.arguments)})"


def levels_unknown(span: Span, name: str, family: str) -> Diagnostic:
    """A categorical family for a variable whose number of levels is not written."""
    return error(span, f"cannot tell how many levels '{name}' has",
                 f"annotate it, e.g. '{name} : {{a, b, c}} ~ {family}(...)'")


def support_mismatch(span: Span, name: str, domain: Domain, family: str, support: str) -> Diagnostic:
    return error(span, f"'{name}' is declared {domain.describe()} but {family} gives {support} values")


def categorical_size(span: Span, name: str, levels: int, probabilities: int) -> Diagnostic:
    return error(span, f"'{name}' has {levels} levels but the Categorical has {probabilities} probabilities")


def probabilities_sum(span: Span, name: str, total: float) -> Diagnostic:
    return error(span, f"the probabilities of '{name}' sum to {total:.6g}, not 1")


def confounding_unknown(span: Span, name: str, candidates: Iterable[str]) -> Diagnostic:
    return error(span, f"unknown variable '{name}' in '<->'" + did_you_mean(name, candidates))


def confounding_parameter(span: Span, name: str) -> Diagnostic:
    return error(span, f"'{name}' is a parameter; '<->' joins two model variables")


def confounding_itself(span: Span, left: str, right: str) -> Diagnostic:
    return error(span, f"'{left} <-> {right}' joins a variable to itself")


def confounding_twice(span: Span, left: str, right: str) -> Diagnostic:
    return error(span, f"'{left} <-> {right}' is declared twice")


# ----------------------------------------------------------------- tables ----


def table_needs_finite_type(span: Span, name: str, domain: Domain) -> Diagnostic:
    return error(span, f"'{name}' is {domain.describe()}; a table needs a finite type",
                 f"annotate it, e.g. '{name} : {{low, high}} ~ table(...)'")


def table_parent_not_finite(span: Span, name: str, domain: Domain) -> Diagnostic:
    return error(span, f"table parent '{name}' is {domain.describe()}; table parents must be bool or have levels")


def duplicate_row(span: Span, key: Sequence[str]) -> Diagnostic:
    return error(span, f"duplicate row for {', '.join(key)}")


def table_without_rows(span: Span, name: str) -> Diagnostic:
    return error(span, f"the table of '{name}' has no row", "write one row of probabilities, e.g. '[0.5, 0.5]'")


def table_rows_missing(span: Span, name: str, given: int, expected: int, elided: bool, example: str) -> Diagnostic:
    more = " (rows elided with '...' must be written out)" if elided else ""
    return error(span, f"the table of '{name}' has {given} of {expected} rows{more}; missing e.g. '{example}'",
                 "write one row per combination of parent values")


def row_key_width(span: Span, named: int, parents: int) -> Diagnostic:
    return error(span, f"this row names {named} parent value{_s(named)} but the table has {parents} parent{_s(parents)}")


def row_width(span: Span, probabilities: int, name: str, levels: int) -> Diagnostic:
    return error(span, f"this row has {probabilities} probabilities but '{name}' has {levels} levels")


def row_negative(span: Span) -> Diagnostic:
    return error(span, "probabilities must not be negative")


def row_sum(span: Span, total: float) -> Diagnostic:
    return error(span, f"this row sums to {total:.6g}, not 1", "probabilities in a row sum to 1 (±1e-6)")


# ---------------------------------------------------------------- queries ----


def query_needs_probability(span: Span, kind: str) -> Diagnostic:
    """A ``bounds``/``identify`` query over a plain number."""
    return error(span, f"'{kind}' needs a probability or expectation")


def per_row_evidence_refused(span: Span, kind: str) -> Diagnostic:
    return error(span, f"'{kind}' queries take no per-row evidence",
                 "score estimates such as P(Y[X = 0] = 0 | X, Y) or E[Y | do(X = 1), Age]")


def distribution_in_arithmetic(span: Span, name: str) -> Diagnostic:
    return error(span, f"the distribution P({name}) is a table of probabilities, not a number: it cannot take part "
                       "in arithmetic", f"ask for one probability, e.g. P({name} = 1)")


def distribution_of_several(span: Span) -> Diagnostic:
    return error(span, "a distribution P(Y) takes one variable; write events such as P(Y = 1, Z = 0) for a joint "
                       "probability")


def distribution_of_continuous(span: Span, name: str, domain: Domain) -> Diagnostic:
    kind = domain.describe()
    article = "an" if kind[0] in "aeiou" else "a"
    return error(span, f"P({name}) asks for the distribution of {article} {kind} variable",
                 f"ask for E[{name}] or a probability such as P({name} > 0)")


def evidence_needs_value(span: Span, name: str) -> Diagnostic:
    return error(span, f"evidence needs a value: write '{name} = ...'",
                 f"evidence without a value ('| {name}') is the per-row form: it takes each row's value in "
                 "'causalppl score' (Model.score)")


def row_value_of_counterfactual(span: Span, name: str) -> Diagnostic:
    return error(span, f"a row holds factual values: '{name}' with a subscript cannot take a row's value",
                 f"write the factual variable '| {name}'")


def set_twice(span: Span, name: str, first: str, first_at: str, second: str, second_at: str,
              context: str = "query") -> Diagnostic:
    """One intervention (a ``do(...)``, a subscript, a data line's ``under do(...)``, ``--do``) sets ``name`` twice.

    ``first``/``second``: the two assignments as written; ``first_at``/``second_at``: where ("column 12");
    ``context``: ``query``, ``data`` or ``option``, which words the hint.  Refused even when both give the
    same value: a repeated name is most often another variable misspelt.
    """
    if context == "data":
        hint = (f"an experiment sets each variable once: keep one of the two; rows from experiments that set "
                f"'{name}' differently go in separate data lines")
    elif context == "option":
        hint = f"an intervention sets each variable once: keep one value for '{name}'"
    else:
        hint = (f"an intervention sets each variable once: keep one value for '{name}'; to compare two settings, "
                f"write a term for each (E[Y[{name} = a]] - E[Y[{name} = b]])")
    return error(span, f"'{name}' is set twice in this intervention ({first} at {first_at}, {second} at {second_at})",
                 hint)


def set_twice_in_python(name: str, first: object, second: object) -> Diagnostic:
    """``Model.do({"X": 1}, X=0)``: the mapping and a keyword argument both set ``name``."""
    return error(Span.unknown("<do>"), f"'{name}' is set twice in this intervention ({name} = {shown_value(first)} in "
                                       f"the mapping, {name} = {shown_value(second)} as a keyword argument)",
                 f"an intervention sets each variable once: give '{name}' in the mapping or as a keyword, not both")


def observed_twice(span: Span, name: str, per_row: bool) -> Diagnostic:
    if per_row:
        return error(span, f"'{name}' is observed twice: once with each row's value and once with a fixed value",
                     f"keep one: '| {name}' (each row's value) or '| {name} = ...'")
    return error(span, f"'{name}' is observed twice with different values: the evidence is impossible",
                 "keep one value")


def intervened_and_observed(span: Span, name: str) -> Diagnostic:
    return error(span, f"'{name}' is both intervened on and observed",
                 "under do(...) the variable is fixed; drop the evidence or the intervention")

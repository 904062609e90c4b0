"""Presenting results: the JSON object of the spec, and a rich table for terminals."""

from __future__ import annotations

import json
import math
from typing import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from causalppl.inference.results import Result


def results_json(model_name: str, results: Iterable[Result]) -> str:
    """The spec's JSON object; each query carries its ``plan`` (the engine, why, and the engines rejected)."""
    payload = {"model": model_name, "queries": [_finite(result.to_json()) for result in results]}
    return json.dumps(payload, indent=2)


def _finite(value):
    """JSON has no NaN/Infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def results_table(model_name: str, results: list[Result]) -> Table:
    table = Table(title=f"model {model_name}", title_justify="left", show_lines=True)
    table.add_column("query", overflow="fold")
    table.add_column("answer", overflow="fold")
    table.add_column("95% interval", overflow="fold")
    table.add_column("method")
    for result in results:
        table.add_row(escape(_query_cell(result)), escape(_answer_cell(result)), _interval_cell(result),
                      escape(result.method))
    return table


def print_results(model_name: str, results: list[Result], console: Console, explain: bool = False) -> None:
    console.print(results_table(model_name, results))
    if explain:
        for result in results:
            if result.plan is not None:
                console.print(f"[bold]{escape(result.name or result.text)}[/bold] plan:", highlight=False)
                console.print(escape(result.plan.explain()), highlight=False)
    for result in results:
        if result.estimand:
            console.print(f"[bold]{escape(result.name or result.text)}[/bold] estimand: {escape(result.estimand)}",
                          highlight=False)
    for result in results:
        label = escape(result.name or result.text)
        missing = _missing_cells(result)
        if missing:
            console.print(f"[cyan]note[/cyan] ({label}): {escape(missing)}", highlight=False)
        for note in result.notes:
            console.print(f"[cyan]note[/cyan] ({label}): {escape(note)}", highlight=False)
        for warning in _warnings(result):
            console.print(f"[yellow]warning[/yellow] ({label}): {warning}", highlight=False)


def _missing_cells(result: Result) -> str | None:
    """``missing cells: X 12, Y 3 (missing=model)`` from the result's diagnostics."""
    cells = (result.diagnostics or {}).get("missing_cells")
    if not cells:
        return None
    counts = ", ".join(f"{name} {count}" for name, count in cells.items())
    return f"missing cells: {counts} (missing={(result.diagnostics or {}).get('missing', 'model')})"


def _query_cell(result: Result) -> str:
    return f"{result.name} = {result.text}" if result.name else result.text


def _answer_cell(result: Result) -> str:
    parts: list[str] = []
    if result.distribution is not None:
        parts.append("\n".join(f"{label}: {_number(p)}" for label, p in result.distribution.items()))
    if result.estimate is not None:
        error = f" ± {_number(result.std_error)} (MC s.e.)" if result.std_error is not None and not result.interval_is_posterior else ""
        parts.append(_number(result.estimate) + error)
    if result.bounds is not None:
        parts.append(f"bounds [{_number(result.bounds[0])}, {_number(result.bounds[1])}]")
    if result.identifiable is not None:
        parts.append("identifiable" if result.identifiable else "not identifiable")
    return "\n".join(parts) or "—"


def _interval_cell(result: Result) -> str:
    if result.interval is None:
        return "—"
    return f"[{_number(result.interval[0])}, {_number(result.interval[1])}]"


def _warnings(result: Result) -> list[str]:
    diagnostics = result.diagnostics or {}
    warnings: list[str] = []
    rhat = diagnostics.get("max_rhat")
    if rhat is not None and rhat > 1.01:
        warnings.append(f"R-hat {rhat:.3f} > 1.01: the chains have not mixed; run more warm-up or samples")
    divergences = diagnostics.get("divergences")
    if divergences:
        warnings.append(f"{divergences} divergent transitions: the posterior may be biased; reparameterize")
    return warnings


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6g}"


# ------------------------------------------------------------ model checks ----


def check_json(report) -> str:
    """A CheckReport (``causalppl check --data``) as one JSON object."""
    return json.dumps(_finite(report.to_json()), indent=2)


def print_check(report, console: Console, limit: int = 10) -> None:
    """The verdict, then the worst claims (rejected ones first) and the posterior predictive checks."""
    verdict = ("[green]consistent[/green]" if report.consistent
               else f"[red]contradicted[/red]: {len(report.violations)} of {len(report.claims)} implications rejected")
    if report.consistent and not report.claims and report.not_tested:
        verdict = f"[yellow]not tested[/yellow]: the data test none of its {report.not_tested} implied independences"
    console.print(f"model {escape(report.model)} against {report.units} units: {verdict} "
                  f"(alpha {report.alpha:g}, {escape(report.correction)} correction)", highlight=False)
    if report.claims:
        table = Table(title=f"worst {min(limit, len(report.claims))} of {len(report.claims)} tested implications",
                      title_justify="left")
        for column in ("implication", "test", "p-value", "adjusted", ""):
            table.add_column(column, overflow="fold")
        for claim in report.worst(limit):
            table.add_row(escape(claim.claim), escape(claim.method), _number(claim.p_value),
                          _number(claim.adjusted), "[red]rejected[/red]" if claim.rejected else "ok")
        console.print(table)
    if report.predictive:
        table = Table(title="posterior predictive checks", title_justify="left")
        for column in ("variable", "statistic", "observed", "replicated", "p-value", ""):
            table.add_column(column)
        for check in sorted(report.predictive, key=lambda c: c.p_value):
            table.add_row(escape(check.variable), escape(check.statistic), _number(check.observed),
                          _number(check.replicated_mean), _number(check.p_value),
                          "[red]failed[/red]" if check.failed else "ok")
        console.print(table)
    for line in report.untestable:
        console.print(f"[cyan]note[/cyan]: {escape(line)}", highlight=False)
    for note in report.notes:
        console.print(f"[cyan]note[/cyan]: {escape(note)}", highlight=False)


def print_score_summary(summary, console: Console) -> None:
    """One line per scored query on stderr: the engine and method that answered, and notes."""
    where = f" → {summary.output}" if summary.output and summary.output != "-" else ""
    console.print(f"scored {summary.rows} rows{where}")
    for name, result in summary.answered.items():
        engine = result.plan.engine if result.plan is not None else result.method
        console.print(f"  {name}: {result.method} ({engine})")
        for note in result.notes:
            console.print(f"    note: {note}")

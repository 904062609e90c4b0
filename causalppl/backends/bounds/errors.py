"""Errors raised by the bounds backend."""

from __future__ import annotations


class IncompatibleData(Exception):
    """The data cannot have come from any model with the given graph.

    The message names the constraint family that failed: an inequality such as
    the instrumental inequality, an equality the graph implies, or a conflict
    between observational and experimental data sets.
    """


class ZeroProbabilityCondition(ValueError):
    """The conditioning event of a query has probability zero."""

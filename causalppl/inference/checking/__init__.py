"""Model checking against data: the graph's testable implications, and posterior predictive checks."""

from causalppl.inference.checking.implications import Claim, CheckReport, check_implications
from causalppl.inference.checking.predictive import PredictiveCheck, posterior_predictive_checks

__all__ = ["Claim", "CheckReport", "PredictiveCheck", "check_implications", "posterior_predictive_checks"]

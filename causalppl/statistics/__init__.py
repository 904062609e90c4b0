"""Statistics on data columns: regressions fitted in batches of resampling weights, and tests.

Not specific to any engine: inference's estimators (back-door adjustment,
AIPW, plug-in and mediation formulas) and model checking build on these.

* :mod:`.regression` -- design matrices from typed columns, weighted
  least squares and multinomial-logistic regression fitted for many weight
  vectors at once (the Bayesian bootstrap's draws, one batched solve);
* :mod:`.resampling` -- Bayesian-bootstrap (Dirichlet) weights, streamed in chunks;
* :mod:`.multiple` -- Holm and Benjamini-Hochberg adjustment of p-values;
* :mod:`.citests` -- conditional-independence tests that fit the variables'
  types (causal-learn's Fisher-z and G-test; a likelihood-ratio test of
  nested regressions for mixed types).
"""

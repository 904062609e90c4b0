# Instrumental variable: a binary instrument Z (randomized encouragement or
# assignment) affects the treatment X, which affects the outcome Y; X and Y are
# confounded. Nothing is assumed about the mechanisms, so the average causal
# effect of X on Y is not identified, but it has sharp bounds computed from the
# observed distribution of (Z, X, Y).
#
# Source: Balke, A. and Pearl, J. (1997). Bounds on treatment effects from studies
# with imperfect compliance. JASA 92(439), 1171-1176.
#
# Interesting queries: `ace` and `p1` are bounds; `identify` reports that the
# effect is not identifiable. The bounds need data: run it with `--data` on rows
# with columns Z, X, Y (and optionally count), e.g. the Vitamin A trial of the
# examples, where the ACE lies in [-0.1946, 0.0054]. Without data the bounds are
# the trivial [-1, 1].
model InstrumentalVariable {
    Z : bool
    X : bool <- Z
    Y : bool <- X
    X <-> Y
}

query ace = bounds E[Y | do(X = 1)] - E[Y | do(X = 0)]
query p1 = bounds P(Y = 1 | do(X = 1))
query identify P(Y = 1 | do(X = 1))

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
# effect is not identifiable. The bounds need data: the file ships with the
# Vitamin A trial counts (the ACE lies in [-0.1946, 0.0054]); run it on your own
# rows with columns Z, X, Y (and optionally count) with
# `--replace-data --data FILE`.
model InstrumentalVariable {
    Z : bool
    X : bool <- Z
    Y : bool <- X
    X <-> Y
}

# Sommer's Vitamin A trial counts (Balke & Pearl 1997): replace with --replace-data --data FILE.
data "instrumental_variable.csv"

query ace = bounds E[Y | do(X = 1)] - E[Y | do(X = 0)]
query p1 = bounds P(Y = 1 | do(X = 1))
query identify P(Y = 1 | do(X = 1))

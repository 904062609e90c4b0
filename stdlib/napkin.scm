# The napkin graph: W -> Z -> X -> Y with W confounded with both X and Y.
#
# No set of observed variables satisfies the back-door criterion for X -> Y and
# the front-door criterion does not apply either, yet P(Y | do(X)) is identified:
#   P(y | do(x)) = sum_w P(x, y | z, w) P(w) / sum_w P(x | z, w) P(w)
# for any value z of Z. It is the classic case that needs the full ID algorithm
# (do-calculus) rather than an adjustment formula. All mechanisms are
# nonparametric.
#
# Source: Pearl, J. and Mackenzie, D. (2018). The Book of Why, chapter 7 (drawn
# on a napkin); Shpitser, I. and Pearl, J. (2006). Identification of joint
# interventional distributions in recursive semi-Markovian causal models.
# Proc. AAAI 2006, 1219-1226.
#
# Interesting queries: `napkin` (identified, not by adjustment), `z_effect`
# (identified by back-door adjustment for W) and `w_effect` (identified by the
# front-door formula through Z). They print estimands without data; give rows
# with columns W, Z, X, Y for estimates.
model Napkin {
    W : bool
    Z : bool <- W
    X : bool <- Z
    Y : bool <- X
    W <-> X
    W <-> Y
}

query napkin = identify P(Y = 1 | do(X = 1))
query z_effect = identify P(Y = 1 | do(Z = 1))
query w_effect = identify P(X = 1 | do(W = 1))
